//go:build linux

package canraw

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/cockpit-hil/hil/can/canbus"
	"golang.org/x/sys/unix"
)

const (
	fdMTU   = canbus.WireFDLen // struct canfd_frame
	batch   = 64               // frames fetched per recvmmsg
	oobSize = 128

	sofTimestamping = unix.SOF_TIMESTAMPING_RX_HARDWARE | unix.SOF_TIMESTAMPING_RAW_HARDWARE |
		unix.SOF_TIMESTAMPING_RX_SOFTWARE | unix.SOF_TIMESTAMPING_SOFTWARE
)

// mmsghdr is struct mmsghdr; x/sys/unix does not export recvmmsg.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
	_   [4]byte
}

// ring holds one recvmmsg batch: headers that point into its own buffers,
// allocated once so that receiving allocates nothing.
type ring struct {
	hdrs  [batch]mmsghdr
	iovs  [batch]unix.Iovec
	bufs  [batch][fdMTU]byte
	oobs  [batch][oobSize]byte
	addrs [batch]unix.RawSockaddrCAN
	n     int // frames in the batch
	next  int // next frame to hand out
}

func (r *ring) init() {
	for i := range r.hdrs {
		r.iovs[i].Base = &r.bufs[i][0]
		r.iovs[i].SetLen(fdMTU)
		h := &r.hdrs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&r.addrs[i]))
		h.Iov = &r.iovs[i]
		h.SetIovlen(1)
		h.Control = &r.oobs[i][0]
	}
}

func (r *ring) reset() {
	for i := range r.hdrs {
		h := &r.hdrs[i].hdr
		h.Namelen = unix.SizeofSockaddrCAN
		h.SetControllen(oobSize)
		h.Flags = 0
	}
}

// Conn is a CAN_RAW socket bound to one interface; it implements canbus.Bus.
type Conn struct {
	iface string
	file  *os.File
	rc    syscall.RawConn
	fd    bool // CAN FD frames enabled (interface MTU 72)
	opts  canbus.Options

	rxMu    sync.Mutex
	ring    *ring
	readFn  func(uintptr) bool
	readErr error
	watched context.Context // the context whose cancellation is armed on the read deadline
	unwatch func() bool
	names   map[int32]string // ifindex to name, for sockets bound to all interfaces

	txMu    sync.Mutex
	txBuf   [canbus.WireFDLen]byte
	txLen   int
	writeFn func(uintptr) bool
	txErr   error

	bcmMu sync.Mutex
	bcm   *BCM // opened on the first StartCyclic, closed with the connection

	in, out, errs atomic.Uint64
	dropped       atomic.Uint32 // the kernel's SO_RXQ_OVFL counter
	closed        atomic.Bool
}

var _ canbus.Bus = (*Conn)(nil)

// Open binds a CAN_RAW socket to iface ("any" receives from every CAN
// interface). CAN FD is enabled when the interface's MTU is 72.
func Open(iface string, opts ...canbus.Option) (*Conn, error) {
	c := &Conn{iface: iface, opts: canbus.Apply(opts), ring: new(ring), names: map[int32]string{}}
	ifindex := 0
	mtu := fdMTU
	if iface != "any" {
		ifi, err := net.InterfaceByName(iface)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w (create it with `ip link add %s type vcan && ip link set %s up`, or `ci/vcan-up` for vcan0..vcanN)", iface, ErrNoInterface, iface, iface)
		}
		ifindex, mtu = ifi.Index, ifi.MTU
		if ifi.Flags&net.FlagUp == 0 {
			return nil, fmt.Errorf("open %s: interface is down (ip link set %s up)", iface, iface)
		}
	}
	fd, err := unix.Socket(unix.AF_CAN, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.CAN_RAW)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", iface, os.NewSyscallError("socket", err))
	}
	if err := c.configure(fd, mtu); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("open %s: %w", iface, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrCAN{Ifindex: ifindex}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("open %s: %w", iface, os.NewSyscallError("bind", err))
	}
	c.file = os.NewFile(uintptr(fd), "can:"+iface)
	if c.rc, err = c.file.SyscallConn(); err != nil {
		c.file.Close()
		return nil, fmt.Errorf("open %s: %w", iface, err)
	}
	c.ring.init()
	c.readFn = c.readBatch
	c.writeFn = c.writeFrame
	return c, nil
}

func (c *Conn) configure(fd, mtu int) error {
	set := func(level, opt, v int, name string) error {
		if err := unix.SetsockoptInt(fd, level, opt, v); err != nil {
			return os.NewSyscallError("setsockopt "+name, err)
		}
		return nil
	}
	if mtu == fdMTU {
		if err := set(unix.SOL_CAN_RAW, unix.CAN_RAW_FD_FRAMES, 1, "CAN_RAW_FD_FRAMES"); err != nil {
			return err
		}
		c.fd = true
	}
	if len(c.opts.Filters) > 0 {
		kf := make([]unix.CanFilter, len(c.opts.Filters))
		for i, f := range c.opts.Filters {
			kf[i] = unix.CanFilter{Id: f.ID, Mask: f.Mask}
			if f.Invert {
				kf[i].Id |= unix.CAN_INV_FILTER
			}
		}
		if err := unix.SetsockoptCanRawFilter(fd, unix.SOL_CAN_RAW, unix.CAN_RAW_FILTER, kf); err != nil {
			return os.NewSyscallError("setsockopt CAN_RAW_FILTER", err)
		}
	}
	if c.opts.ErrorMask != 0 {
		if err := set(unix.SOL_CAN_RAW, unix.CAN_RAW_ERR_FILTER, int(c.opts.ErrorMask), "CAN_RAW_ERR_FILTER"); err != nil {
			return err
		}
	}
	if c.opts.Echo {
		if err := set(unix.SOL_CAN_RAW, unix.CAN_RAW_RECV_OWN_MSGS, 1, "CAN_RAW_RECV_OWN_MSGS"); err != nil {
			return err
		}
	}
	if err := set(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, 1, "SO_RXQ_OVFL"); err != nil {
		return err
	}
	if c.opts.ReceiveBuffer > 0 {
		// SO_RCVBUFFORCE passes rmem_max when we may; otherwise take what SO_RCVBUF gives.
		if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, c.opts.ReceiveBuffer) != nil {
			if err := set(unix.SOL_SOCKET, unix.SO_RCVBUF, c.opts.ReceiveBuffer, "SO_RCVBUF"); err != nil {
				return err
			}
		}
	}
	// SO_TIMESTAMPING gives hardware timestamps where the driver has them and
	// software ones otherwise; kernels that refuse it still have SO_TIMESTAMPNS.
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPING, sofTimestamping) != nil {
		return set(unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS")
	}
	return nil
}

// Interface is the name the socket is bound to.
func (c *Conn) Interface() string { return c.iface }

// FD reports whether the socket carries CAN FD frames.
func (c *Conn) FD() bool { return c.fd }

// Receive returns the next frame with its kernel timestamp. It blocks until
// a frame arrives, ctx ends or the Conn is closed. In steady state it makes
// one system call per batch of up to 64 frames and allocates nothing.
func (c *Conn) Receive(ctx context.Context) (canbus.Received, error) {
	c.rxMu.Lock()
	defer c.rxMu.Unlock()
	for c.ring.next >= c.ring.n {
		if err := c.fill(ctx); err != nil {
			return canbus.Received{}, err
		}
	}
	i := c.ring.next
	c.ring.next++
	return c.decode(i), nil
}

func (c *Conn) fill(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("receive on %s: %w", c.iface, err)
	}
	c.watch(ctx)
	c.ring.reset()
	c.ring.n, c.ring.next = 0, 0
	err := c.rc.Read(c.readFn)
	if err == nil {
		err = c.readErr
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		if ctxErr := ctx.Err(); ctxErr != nil {
			return fmt.Errorf("receive on %s: %w", c.iface, ctxErr)
		}
		// A cancellation meant for an earlier context: disarm and go on.
		c.file.SetReadDeadline(time.Time{})
		return nil
	case c.closed.Load():
		return fmt.Errorf("receive on %s: %w", c.iface, canbus.ErrClosed)
	}
	return fmt.Errorf("receive on %s: %w", c.iface, err)
}

// watch makes ctx's end interrupt a blocked read through the file's read
// deadline. The registration is kept while the same ctx is passed again, so
// a reader looping with one context pays for it once.
func (c *Conn) watch(ctx context.Context) {
	// Interface equality panics on a context type that is not comparable;
	// such a context is simply watched anew each time.
	if reflect.TypeOf(ctx).Comparable() && ctx == c.watched {
		return
	}
	if c.unwatch != nil {
		c.unwatch()
		c.unwatch = nil
	}
	c.file.SetReadDeadline(time.Time{})
	c.watched = ctx
	if ctx.Done() == nil {
		return
	}
	if dl, ok := ctx.Deadline(); ok {
		c.file.SetReadDeadline(dl)
	}
	file := c.file
	c.unwatch = context.AfterFunc(ctx, func() { file.SetReadDeadline(time.Unix(1, 0)) })
}

func (c *Conn) readBatch(fd uintptr) bool {
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&c.ring.hdrs[0])), batch, unix.MSG_DONTWAIT, 0, 0)
	switch errno {
	case 0:
		c.ring.n = int(n)
		c.readErr = nil
		return true
	case unix.EAGAIN:
		return false
	case unix.EINTR:
		return false
	}
	c.readErr = os.NewSyscallError("recvmmsg", errno)
	return true
}

func (c *Conn) decode(i int) canbus.Received {
	r := c.ring
	buf := &r.bufs[i]
	h := &r.hdrs[i]
	var out canbus.Received
	n := canbus.WireLen
	if h.len == fdMTU {
		n = fdMTU
	}
	canbus.DecodeWire(&out.Frame, buf[:n])
	f := &out.Frame
	if h.hdr.Flags&unix.MSG_DONTROUTE != 0 {
		out.Dir = canbus.TX
	}
	out.Own = h.hdr.Flags&unix.MSG_CONFIRM != 0
	out.Interface = c.iface
	if c.iface == "any" {
		out.Interface = c.nameOf(r.addrs[i].Ifindex)
	}
	c.parseControl(&out, r.oobs[i][:h.hdr.Controllen])
	if out.Time.IsZero() {
		out.Time, out.Source = time.Now(), canbus.SourceUser
	}
	c.in.Add(1)
	if f.Error {
		c.errs.Add(1)
	}
	return out
}

// parseControl walks the control messages by hand: unix.ParseSocketControlMessage
// allocates, and this runs for every frame.
func (c *Conn) parseControl(out *canbus.Received, oob []byte) {
	const hdrLen = unix.SizeofCmsghdr
	for len(oob) >= hdrLen {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < hdrLen || l > len(oob) {
			return
		}
		data := oob[hdrLen:l]
		if h.Level == unix.SOL_SOCKET {
			switch h.Type {
			case unix.SO_TIMESTAMPING:
				// Three timespecs: software, (deprecated), raw hardware.
				if len(data) >= 48 {
					if hw := timespec(data[32:48]); !hw.IsZero() {
						out.Time, out.Source = hw, canbus.SourceHardware
					} else if sw := timespec(data[0:16]); !sw.IsZero() {
						out.Time, out.Source = sw, canbus.SourceKernel
					}
				}
			case unix.SO_TIMESTAMPNS:
				if len(data) >= 16 {
					out.Time, out.Source = timespec(data[0:16]), canbus.SourceKernel
				}
			case unix.SO_RXQ_OVFL:
				if len(data) >= 4 {
					c.dropped.Store(binary.LittleEndian.Uint32(data))
				}
			}
		}
		next := (l + 7) &^ 7
		if next > len(oob) {
			return
		}
		oob = oob[next:]
	}
}

func timespec(b []byte) time.Time {
	sec := int64(binary.LittleEndian.Uint64(b[0:8]))
	nsec := int64(binary.LittleEndian.Uint64(b[8:16]))
	if sec == 0 && nsec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, nsec)
}

func (c *Conn) nameOf(ifindex int32) string {
	if n, ok := c.names[ifindex]; ok {
		return n
	}
	name := fmt.Sprintf("if%d", ifindex)
	if ifi, err := net.InterfaceByIndex(int(ifindex)); err == nil {
		name = ifi.Name
	}
	c.names[ifindex] = name
	return name
}

// Send transmits one frame. When the interface's transmit queue is full
// (ENOBUFS, which poll cannot wait for) it retries until ctx ends.
func (c *Conn) Send(ctx context.Context, f canbus.Frame) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("send on %s: %w", c.iface, err)
	}
	if f.FD && !c.fd {
		return fmt.Errorf("send %s on %s: CAN FD needs an interface with MTU 72 (ip link set %s mtu 72)", f.String(), c.iface, c.iface)
	}
	c.txMu.Lock()
	defer c.txMu.Unlock()
	c.txLen = canbus.EncodeWire(&c.txBuf, &f)
	for backoff := 50 * time.Microsecond; ; backoff = min(2*backoff, 5*time.Millisecond) {
		err := c.rc.Write(c.writeFn)
		if err == nil {
			err = c.txErr
		}
		switch {
		case err == nil:
			c.out.Add(1)
			return nil
		case errors.Is(err, unix.ENOBUFS):
			t := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("send %s on %s: transmit queue full: %w", f.String(), c.iface, ctx.Err())
			case <-t.C:
			}
		case c.closed.Load():
			return fmt.Errorf("send on %s: %w", c.iface, canbus.ErrClosed)
		default:
			return fmt.Errorf("send %s on %s: %w", f.String(), c.iface, err)
		}
	}
}

func (c *Conn) writeFrame(fd uintptr) bool {
	_, err := unix.Write(int(fd), c.txBuf[:c.txLen])
	if err == unix.EAGAIN {
		return false
	}
	c.txErr = nil
	if err != nil {
		c.txErr = os.NewSyscallError("write", err)
	}
	return true
}

// Stats returns the socket's counters. Dropped is the kernel's count of
// frames lost because the receive queue was full, read from the socket
// itself (SO_MEMINFO): SO_RXQ_OVFL reports drops only with the next frame
// that is queued, so drops at the end of a burst would otherwise go unseen.
func (c *Conn) Stats() canbus.Stats {
	dropped := uint64(c.dropped.Load())
	if d, ok := c.kernelDrops(); ok {
		dropped = d
	}
	return canbus.Stats{In: c.in.Load(), Out: c.out.Load(), Dropped: dropped, Errors: c.errs.Load()}
}

func (c *Conn) kernelDrops() (uint64, bool) {
	const skMeminfoDrops = 8
	var info [16]uint32
	size := uint32(unsafe.Sizeof(info))
	var errno syscall.Errno
	err := c.rc.Control(func(fd uintptr) {
		_, _, errno = unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_MEMINFO,
			uintptr(unsafe.Pointer(&info[0])), uintptr(unsafe.Pointer(&size)), 0)
	})
	if err != nil || errno != 0 || size < (skMeminfoDrops+1)*4 {
		return 0, false
	}
	return uint64(info[skMeminfoDrops]), true
}

// Close closes the socket; a blocked Receive returns canbus.ErrClosed.
func (c *Conn) Close() error {
	c.closed.Store(true)
	var errs []error
	c.bcmMu.Lock()
	if c.bcm != nil {
		errs = append(errs, c.bcm.Close())
		c.bcm = nil
	}
	c.bcmMu.Unlock()
	if err := c.file.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		errs = append(errs, fmt.Errorf("close %s: %w", c.iface, err))
	}
	return errors.Join(errs...)
}

// StartCyclic sends a cyclic sequence from the kernel's broadcast manager
// on the connection's interface (canbus.CyclicSender): the period is the
// kernel's, steady whatever the Go scheduler does. A connection bound to
// every interface ("any") sends on none.
func (c *Conn) StartCyclic(ctx context.Context, period time.Duration, frames ...canbus.Frame) (canbus.Cyclic, error) {
	if c.iface == "any" {
		return nil, fmt.Errorf("start cyclic: a socket bound to every interface (any) sends on none: open one interface")
	}
	c.bcmMu.Lock()
	defer c.bcmMu.Unlock()
	if c.closed.Load() {
		return nil, fmt.Errorf("start cyclic on %s: %w", c.iface, os.ErrClosed)
	}
	if c.bcm == nil {
		bcm, err := OpenBCM(c.iface)
		if err != nil {
			return nil, err
		}
		c.bcm = bcm
	}
	cyc, err := c.bcm.Start(ctx, period, frames...)
	if err != nil {
		return nil, err
	}
	return cyc, nil
}
