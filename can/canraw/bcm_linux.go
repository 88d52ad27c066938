//go:build linux

package canraw

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"golang.org/x/sys/unix"
)

// BCM opcodes and flags (linux/can/bcm.h).
const (
	bcmTxSetup  = 1
	bcmTxDelete = 2

	bcmSetTimer      = 0x0001
	bcmStartTimer    = 0x0002
	bcmTxAnnounce    = 0x0008
	bcmCanFDFrame    = 0x0800
	bcmHeaderLen     = 56 // struct bcm_msg_head on 64-bit Linux, frames follow 8-aligned
	bcmMaxSeq        = canbus.MaxSequence
	bcmMaxMessageLen = bcmHeaderLen + bcmMaxSeq*fdMTU
)

// BCM is a CAN_BCM socket connected to one interface. Its cyclic
// transmissions are timed by the kernel's hrtimers, so their period does not
// depend on the Go scheduler or on this process being scheduled at all.
type BCM struct {
	iface string
	fd    int
	mu    sync.Mutex
	buf   []byte
	ops   map[uint32]*BCMCyclic
}

// OpenBCM connects a CAN_BCM socket to iface.
func OpenBCM(iface string) (*BCM, error) {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, fmt.Errorf("open BCM on %s: %w (create it with `ip link add %s type vcan && ip link set %s up`)", iface, ErrNoInterface, iface, iface)
	}
	fd, err := unix.Socket(unix.AF_CAN, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.CAN_BCM)
	if err != nil {
		return nil, fmt.Errorf("open BCM on %s: %w", iface, os.NewSyscallError("socket", err))
	}
	if err := unix.Connect(fd, &unix.SockaddrCAN{Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("open BCM on %s: %w", iface, os.NewSyscallError("connect", err))
	}
	return &BCM{iface: iface, fd: fd, buf: make([]byte, 0, bcmMaxMessageLen), ops: map[uint32]*BCMCyclic{}}, nil
}

// Start sends frames[0] at once and then one frame per period, cycling
// through the sequence, until Stop, ctx's end or Close. One message ID has
// one cyclic transmission per BCM socket.
func (b *BCM) Start(ctx context.Context, period time.Duration, frames ...canbus.Frame) (*BCMCyclic, error) {
	if err := canbus.CheckSequence(period, frames); err != nil {
		return nil, fmt.Errorf("start BCM cycle on %s: %w", b.iface, err)
	}
	if period < time.Microsecond {
		return nil, fmt.Errorf("start BCM cycle on %s: period %v is below the BCM's 1µs resolution", b.iface, period)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	key := canID(&frames[0])
	if b.ops[key] != nil {
		return nil, fmt.Errorf("start BCM cycle %s on %s: already cycling; use Update", frames[0].String(), b.iface)
	}
	if err := b.setup(bcmSetTimer|bcmStartTimer|bcmTxAnnounce, period, frames); err != nil {
		return nil, err
	}
	c := &BCMCyclic{bcm: b, key: key, fd: frames[0].FD, n: len(frames), name: frames[0].String()}
	b.ops[key] = c
	c.unwatch = context.AfterFunc(ctx, func() { c.Stop() })
	return c, nil
}

// setup writes one TX_SETUP message.
func (b *BCM) setup(flags uint32, period time.Duration, frames []canbus.Frame) error {
	fd := frames[0].FD
	if fd {
		flags |= bcmCanFDFrame
	}
	m := b.header(bcmTxSetup, flags, canID(&frames[0]), len(frames))
	binary.LittleEndian.PutUint64(m[32:40], uint64(period/time.Second))
	binary.LittleEndian.PutUint64(m[40:48], uint64((period%time.Second)/time.Microsecond))
	var fb [canbus.WireFDLen]byte
	for i := range frames {
		n := canbus.EncodeWire(&fb, &frames[i])
		if fd {
			n = fdMTU
		}
		m = append(m, fb[:n]...)
	}
	if _, err := unix.Write(b.fd, m); err != nil {
		return fmt.Errorf("BCM TX_SETUP %s on %s: %w", frames[0].String(), b.iface, os.NewSyscallError("write", err))
	}
	return nil
}

func (b *BCM) header(op, flags, id uint32, nframes int) []byte {
	m := b.buf[:bcmHeaderLen]
	clear(m)
	binary.LittleEndian.PutUint32(m[0:4], op)
	binary.LittleEndian.PutUint32(m[4:8], flags)
	binary.LittleEndian.PutUint32(m[48:52], id)
	binary.LittleEndian.PutUint32(m[52:56], uint32(nframes))
	return m
}

// Close deletes every cyclic transmission of this socket and closes it.
func (b *BCM) Close() error {
	b.mu.Lock()
	ops := b.ops
	b.ops = map[uint32]*BCMCyclic{}
	fd := b.fd
	b.fd = -1
	b.mu.Unlock()
	for _, c := range ops {
		c.unwatch()
	}
	if fd < 0 {
		return nil
	}
	if err := unix.Close(fd); err != nil {
		return fmt.Errorf("close BCM on %s: %w", b.iface, os.NewSyscallError("close", err))
	}
	return nil
}

func canID(f *canbus.Frame) uint32 {
	id := f.ID
	if f.Extended {
		id |= unix.CAN_EFF_FLAG
	}
	if f.Remote {
		id |= unix.CAN_RTR_FLAG
	}
	return id
}

// BCMCyclic is one kernel cyclic transmission; it implements canbus.Cyclic.
type BCMCyclic struct {
	bcm     *BCM
	key     uint32
	fd      bool
	n       int
	name    string
	unwatch func() bool
}

var _ canbus.Cyclic = (*BCMCyclic)(nil)

// Update replaces the frames in the kernel without touching its timer, so
// neither the period nor the position in the sequence restarts.
func (c *BCMCyclic) Update(frames ...canbus.Frame) error {
	if err := canbus.CheckSequence(time.Second, frames); err != nil {
		return fmt.Errorf("update BCM cycle %s: %w", c.name, err)
	}
	if canID(&frames[0]) != c.key || frames[0].FD != c.fd {
		return fmt.Errorf("update BCM cycle %s: frames carry %s, a different message", c.name, frames[0].String())
	}
	if len(frames) > c.n {
		return fmt.Errorf("update BCM cycle %s: sequence grows from %d to %d frames, which the kernel refuses", c.name, c.n, len(frames))
	}
	c.bcm.mu.Lock()
	defer c.bcm.mu.Unlock()
	if c.bcm.ops[c.key] != c {
		return fmt.Errorf("update BCM cycle %s: stopped", c.name)
	}
	if err := c.bcm.setup(0, 0, frames); err != nil {
		return err
	}
	c.n = len(frames)
	return nil
}

// Stop deletes the transmission from the kernel.
func (c *BCMCyclic) Stop() error {
	b := c.bcm
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ops[c.key] != c {
		return nil
	}
	delete(b.ops, c.key)
	flags := uint32(0)
	if c.fd {
		flags = bcmCanFDFrame
	}
	if _, err := unix.Write(b.fd, b.header(bcmTxDelete, flags, c.key, 0)); err != nil {
		return fmt.Errorf("BCM TX_DELETE %s on %s: %w", c.name, b.iface, os.NewSyscallError("write", err))
	}
	return nil
}
