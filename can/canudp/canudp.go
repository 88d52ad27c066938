// Package canudp carries CAN frames over UDP multicast, for several
// processes that share a bus where the kernel has no CAN support. Each
// datagram is one struct can_frame (16 bytes), the wire format of einride's
// socketcan emulator, so its tools and ours meet on the same group.
//
// Limits, all inherent to UDP: classic frames only (no CAN FD, no error
// frames); timestamps are taken in user space when the datagram is read;
// frames lost in the socket buffer are not counted (UDP has no SO_RXQ_OVFL
// for multicast loss between hosts); the group is joined on the loopback
// interface when it can carry multicast, and datagrams are sent with TTL 0,
// so traffic never leaves this host.
package canudp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"golang.org/x/net/ipv4"
)

const frameLen = canbus.WireLen

// Conn is one member of a multicast CAN bus; it implements canbus.Bus.
type Conn struct {
	name  string
	rx    *net.UDPConn
	tx    *net.UDPConn
	self  netip.AddrPort
	opts  canbus.Options
	rxBuf [64]byte
	// txMu makes a send's deadline and its write one step: the deadline
	// belongs to the socket, and concurrent senders share it.
	txMu sync.Mutex

	in, out, errs atomic.Uint64
}

var _ canbus.Bus = (*Conn)(nil)

// Open joins the multicast group "GROUP:PORT" (for example 239.64.142.206:20000).
func Open(group string, opts ...canbus.Option) (*Conn, error) {
	addr, err := net.ResolveUDPAddr("udp4", group)
	if err != nil {
		return nil, fmt.Errorf("open udp:%s: %w", group, err)
	}
	if !addr.IP.IsMulticast() {
		return nil, fmt.Errorf("open udp:%s: %s is not a multicast group (239.0.0.0/8 is the local scope)", group, addr.IP)
	}
	ifi := loopbackMulticast()
	rx, err := net.ListenMulticastUDP("udp4", ifi, addr)
	if err != nil {
		return nil, fmt.Errorf("open udp:%s: join group: %w", group, err)
	}
	tx, err := net.DialUDP("udp4", nil, addr)
	if err != nil {
		rx.Close()
		return nil, fmt.Errorf("open udp:%s: %w", group, err)
	}
	// TTL 0 keeps every datagram on this host; loopback delivers it to the
	// other members here.
	p := ipv4.NewPacketConn(tx)
	if err := errors.Join(p.SetMulticastTTL(0), p.SetMulticastLoopback(true)); err != nil {
		rx.Close()
		tx.Close()
		return nil, fmt.Errorf("open udp:%s: keep multicast on this host: %w", group, err)
	}
	if ifi != nil {
		p.SetMulticastInterface(ifi)
	}
	return &Conn{
		name: "udp:" + group, rx: rx, tx: tx, opts: canbus.Apply(opts),
		self: tx.LocalAddr().(*net.UDPAddr).AddrPort(),
	}, nil
}

func loopbackMulticast() *net.Interface {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil
	}
	for i := range ifs {
		if ifs[i].Flags&net.FlagLoopback != 0 && ifs[i].Flags&net.FlagMulticast != 0 && ifs[i].Flags&net.FlagUp != 0 {
			return &ifs[i]
		}
	}
	return nil
}

// Send multicasts one classic frame.
func (c *Conn) Send(ctx context.Context, f canbus.Frame) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("send on %s: %w", c.name, err)
	}
	if f.FD || f.Error {
		return fmt.Errorf("send %s on %s: UDP multicast carries classic data and remote frames only", f.String(), c.name)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("send %s on %s: %w", f.String(), c.name, err)
	}
	var buf [canbus.WireFDLen]byte
	n := canbus.EncodeWire(&buf, &f)
	c.txMu.Lock()
	// Every send sets the deadline, none if its context has none: a
	// deadline left by an earlier send would fail this one.
	dl, _ := ctx.Deadline()
	c.tx.SetWriteDeadline(dl)
	_, err := c.tx.Write(buf[:n])
	c.txMu.Unlock()
	if err != nil {
		return fmt.Errorf("send %s on %s: %w", f.String(), c.name, err)
	}
	c.out.Add(1)
	return nil
}

// Receive returns the next frame from another member (or our own, marked
// Own, with canbus.WithEcho).
func (c *Conn) Receive(ctx context.Context) (canbus.Received, error) {
	stop := context.AfterFunc(ctx, func() { c.rx.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		n, from, err := c.rx.ReadFromUDPAddrPort(c.rxBuf[:])
		if err != nil {
			if ctx.Err() != nil {
				return canbus.Received{}, fmt.Errorf("receive on %s: %w", c.name, ctx.Err())
			}
			if errors.Is(err, net.ErrClosed) {
				return canbus.Received{}, fmt.Errorf("receive on %s: %w", c.name, canbus.ErrClosed)
			}
			return canbus.Received{}, fmt.Errorf("receive on %s: %w", c.name, err)
		}
		now := time.Now()
		if n != frameLen {
			continue // not a CAN frame; another application on the group
		}
		own := from == c.self || (from.Port() == c.self.Port() && from.Addr().Unmap() == c.self.Addr().Unmap())
		if own && !c.opts.Echo {
			continue
		}
		r := canbus.Received{Time: now, Source: canbus.SourceUser, Interface: c.name, Own: own}
		if own {
			r.Dir = canbus.TX
		}
		canbus.DecodeWire(&r.Frame, c.rxBuf[:frameLen])
		if r.Error {
			continue // no error frames on UDP: a stray datagram
		}
		if !c.opts.Accepts(&r.Frame) {
			continue
		}
		c.in.Add(1)
		return r, nil
	}
}

// Stats returns the counters; Dropped stays 0 because UDP cannot tell.
func (c *Conn) Stats() canbus.Stats {
	return canbus.Stats{In: c.in.Load(), Out: c.out.Load(), Errors: c.errs.Load()}
}

// Close leaves the group.
func (c *Conn) Close() error {
	err1 := c.rx.Close()
	err2 := c.tx.Close()
	if err := errors.Join(err1, err2); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("close %s: %w", c.name, err)
	}
	return nil
}
