//go:build !linux

package canraw

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
)

// errNoSocketCAN explains why nothing here works: SocketCAN is a Linux
// kernel API. The virtual bus ("virtual") and UDP multicast ("udp:GROUP:PORT")
// work on every OS.
var errNoSocketCAN = errors.New("SocketCAN needs Linux; on " + runtime.GOOS + " use the virtual bus or udp:GROUP:PORT")

// Conn is a CAN_RAW socket; on this OS it cannot be opened.
type Conn struct{ canbus.Bus }

// Open fails: SocketCAN needs Linux.
func Open(iface string, opts ...canbus.Option) (*Conn, error) {
	return nil, fmt.Errorf("open %s: %w", iface, errNoSocketCAN)
}

// Interface is the name the socket is bound to.
func (c *Conn) Interface() string { return "" }

// FD reports whether the socket carries CAN FD frames.
func (c *Conn) FD() bool { return false }

// BCM is a CAN_BCM socket; on this OS it cannot be opened.
type BCM struct{}

// BCMCyclic is one kernel cyclic transmission.
type BCMCyclic struct{ canbus.Cyclic }

// OpenBCM fails: SocketCAN needs Linux.
func OpenBCM(iface string) (*BCM, error) {
	return nil, fmt.Errorf("open BCM on %s: %w", iface, errNoSocketCAN)
}

// Start fails: SocketCAN needs Linux.
func (b *BCM) Start(ctx context.Context, period time.Duration, frames ...canbus.Frame) (*BCMCyclic, error) {
	return nil, errNoSocketCAN
}

// Close does nothing.
func (b *BCM) Close() error { return nil }
