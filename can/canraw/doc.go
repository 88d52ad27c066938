// Package canraw is the SocketCAN transport: a CAN_RAW socket that
// implements canbus.Bus with kernel (or hardware) receive timestamps, the
// kernel's echo of our own frames, kernel ID filters, the receive-queue drop
// counter, error frames and CAN FD; and the kernel's cyclic sender CAN_BCM.
// It works only on Linux; elsewhere Open says so.
package canraw

import "errors"

// ErrNoInterface is returned when the named CAN interface does not exist.
var ErrNoInterface = errors.New("no such CAN interface")
