//go:build linux

package canlink

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// ErrNotCAN is returned for an interface that is not a CAN interface.
var ErrNotCAN = errors.New("not a CAN interface")

func dial(ctx context.Context) (*netlink.Conn, error) {
	c, err := netlink.Dial(unix.NETLINK_ROUTE, nil)
	if err != nil {
		return nil, fmt.Errorf("dial rtnetlink: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	} else {
		c.SetDeadline(time.Now().Add(10 * time.Second))
	}
	return c, nil
}

func ifinfo(index int, flags, change uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	b[0] = unix.AF_UNSPEC
	binary.NativeEndian.PutUint32(b[4:8], uint32(index))
	binary.NativeEndian.PutUint32(b[8:12], flags)
	binary.NativeEndian.PutUint32(b[12:16], change)
	return b
}

func index(name string) (int, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return 0, fmt.Errorf("%s: no such interface: %w", name, err)
	}
	return ifi.Index, nil
}

// Get reads the interface's link, CAN and statistics attributes.
func Get(ctx context.Context, name string) (Link, error) {
	idx, err := index(name)
	if err != nil {
		return Link{}, fmt.Errorf("get link %w", err)
	}
	c, err := dial(ctx)
	if err != nil {
		return Link{}, fmt.Errorf("get link %s: %w", name, err)
	}
	defer c.Close()
	msgs, err := c.Execute(netlink.Message{
		Header: netlink.Header{Type: unix.RTM_GETLINK, Flags: netlink.Request},
		Data:   ifinfo(idx, 0, 0),
	})
	if err != nil {
		return Link{}, fmt.Errorf("get link %s: %w", name, err)
	}
	if len(msgs) != 1 || len(msgs[0].Data) < unix.SizeofIfInfomsg {
		return Link{}, fmt.Errorf("get link %s: unexpected answer of %d messages", name, len(msgs))
	}
	return decodeLink(name, msgs[0].Data)
}

func decodeLink(name string, data []byte) (Link, error) {
	l := Link{Name: name, State: NoState}
	l.Index = int(binary.NativeEndian.Uint32(data[4:8]))
	ifType := binary.NativeEndian.Uint16(data[2:4])
	l.Up = binary.NativeEndian.Uint32(data[8:12])&unix.IFF_UP != 0
	if ifType != unix.ARPHRD_CAN {
		return l, fmt.Errorf("get link %s: %w (link type %d)", name, ErrNotCAN, ifType)
	}
	ad, err := netlink.NewAttributeDecoder(data[unix.SizeofIfInfomsg:])
	if err != nil {
		return l, fmt.Errorf("get link %s: %w", name, err)
	}
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_MTU:
			l.MTU = int(ad.Uint32())
		case unix.IFLA_STATS64:
			ad.Do(func(b []byte) error {
				if len(b) >= 8*9 {
					u := func(i int) uint64 { return binary.NativeEndian.Uint64(b[8*i:]) }
					l.RxFrames, l.TxFrames = u(0), u(1)
					l.RxErrorsTotal, l.TxErrorsTotal = u(4), u(5)
					l.RxDropped, l.TxDropped = u(6), u(7)
				}
				if len(b) >= 8*16 {
					l.RxOverrunsFIFO = binary.NativeEndian.Uint64(b[8*14:])
				}
				return nil
			})
		case unix.IFLA_LINKINFO:
			ad.Nested(func(nad *netlink.AttributeDecoder) error { return decodeLinkInfo(nad, &l) })
		}
	}
	if err := ad.Err(); err != nil {
		return l, fmt.Errorf("get link %s: decode: %w", name, err)
	}
	return l, nil
}

func decodeLinkInfo(ad *netlink.AttributeDecoder, l *Link) error {
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_INFO_KIND:
			l.Kind = ad.String()
		case unix.IFLA_INFO_DATA:
			ad.Nested(func(nad *netlink.AttributeDecoder) error { return decodeCAN(nad, l) })
		case unix.IFLA_INFO_XSTATS:
			ad.Do(func(b []byte) error {
				if len(b) >= 24 {
					u := func(i int) uint32 { return binary.NativeEndian.Uint32(b[4*i:]) }
					l.Device = DeviceStats{u(0), u(1), u(2), u(3), u(4), u(5)}
				}
				return nil
			})
		}
	}
	return nil
}

func decodeCAN(ad *netlink.AttributeDecoder, l *Link) error {
	l.HasCANController = true
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_CAN_STATE:
			l.State = State(ad.Uint32())
		case unix.IFLA_CAN_BITTIMING:
			ad.Do(func(b []byte) error {
				if len(b) >= 8 {
					l.Bitrate, l.SamplePoint = binary.NativeEndian.Uint32(b[0:]), binary.NativeEndian.Uint32(b[4:])
				}
				return nil
			})
		case unix.IFLA_CAN_DATA_BITTIMING:
			ad.Do(func(b []byte) error {
				if len(b) >= 8 {
					l.DataBitrate, l.DataSamplePoint = binary.NativeEndian.Uint32(b[0:]), binary.NativeEndian.Uint32(b[4:])
				}
				return nil
			})
		case unix.IFLA_CAN_CLOCK:
			l.ClockHz = ad.Uint32()
		case unix.IFLA_CAN_CTRLMODE:
			ad.Do(func(b []byte) error {
				if len(b) >= 8 {
					l.CtrlMode = binary.NativeEndian.Uint32(b[4:8])
				}
				return nil
			})
		case unix.IFLA_CAN_RESTART_MS:
			l.RestartMs = ad.Uint32()
		case unix.IFLA_CAN_BERR_COUNTER:
			ad.Do(func(b []byte) error {
				if len(b) >= 4 {
					l.TxErrors, l.RxErrors = binary.NativeEndian.Uint16(b[0:]), binary.NativeEndian.Uint16(b[2:])
				}
				return nil
			})
		}
	}
	return nil
}

// SetUp brings the interface up or down (ip link set IFACE up|down).
func SetUp(ctx context.Context, name string, up bool) error {
	op := "down"
	flags := uint32(0)
	if up {
		op, flags = "up", unix.IFF_UP
	}
	idx, err := index(name)
	if err != nil {
		return fmt.Errorf("set link %w", err)
	}
	if err := newLink(ctx, ifinfo(idx, flags, unix.IFF_UP)); err != nil {
		return fmt.Errorf("set link %s %s: %w", name, op, err)
	}
	return nil
}

// Restart restarts a controller that is bus-off (ip link set IFACE type can restart).
func Restart(ctx context.Context, name string) error {
	return setCAN(ctx, name, "restart", func(ae *netlink.AttributeEncoder) {
		ae.Uint32(unix.IFLA_CAN_RESTART, 1)
	})
}

// Set applies cfg (ip link set IFACE type can bitrate ...). When bit timing
// changes and the interface is up, it is taken down for the change and
// brought back up.
func Set(ctx context.Context, name string, cfg Config) (err error) {
	cur, err := Get(ctx, name)
	if err != nil {
		return err
	}
	if cur.Kind != "can" {
		return fmt.Errorf("set link %s: a %s interface has no controller to configure (bitrate, modes and restart-ms belong to real adapters)", name, cur.Kind)
	}
	timing := cfg.Bitrate != 0 || cfg.DataBitrate != 0 || cfg.FD != nil || cfg.ListenOnly != nil ||
		cfg.Loopback != nil || cfg.OneShot != nil || cfg.BerrReporting != nil
	if timing && cur.Up {
		if err := SetUp(ctx, name, false); err != nil {
			return err
		}
		// The link goes back up whatever the change did; a link that
		// stays down is an error of its own, beside the change's.
		defer func() {
			if uerr := SetUp(ctx, name, true); uerr != nil {
				err = errors.Join(err, fmt.Errorf("set link %s: bring it back up after the change: %w", name, uerr))
			}
		}()
	}
	var mask, flags uint32
	mode := func(p *bool, bit uint32) {
		if p != nil {
			mask |= bit
			if *p {
				flags |= bit
			}
		}
	}
	mode(cfg.FD, ModeFD)
	mode(cfg.ListenOnly, ModeListenOnly)
	mode(cfg.Loopback, ModeLoopback)
	mode(cfg.OneShot, ModeOneShot)
	mode(cfg.BerrReporting, ModeBerrReporting)
	return setCAN(ctx, name, "type can", func(ae *netlink.AttributeEncoder) {
		if cfg.Bitrate != 0 {
			ae.Bytes(unix.IFLA_CAN_BITTIMING, bittiming(cfg.Bitrate, cfg.SamplePoint))
		}
		if cfg.DataBitrate != 0 {
			ae.Bytes(unix.IFLA_CAN_DATA_BITTIMING, bittiming(cfg.DataBitrate, cfg.DataSamplePoint))
		}
		if mask != 0 {
			b := make([]byte, 8)
			binary.NativeEndian.PutUint32(b[0:], mask)
			binary.NativeEndian.PutUint32(b[4:], flags)
			ae.Bytes(unix.IFLA_CAN_CTRLMODE, b)
		}
		if cfg.RestartMs != nil {
			ae.Uint32(unix.IFLA_CAN_RESTART_MS, *cfg.RestartMs)
		}
	})
}

// bittiming is struct can_bittiming with only bitrate and sample point set:
// the kernel computes the rest from the controller's constants.
func bittiming(bitrate, samplePoint uint32) []byte {
	b := make([]byte, 32)
	binary.NativeEndian.PutUint32(b[0:], bitrate)
	binary.NativeEndian.PutUint32(b[4:], samplePoint)
	return b
}

func setCAN(ctx context.Context, name, op string, attrs func(*netlink.AttributeEncoder)) error {
	idx, err := index(name)
	if err != nil {
		return fmt.Errorf("set link %w", err)
	}
	ae := netlink.NewAttributeEncoder()
	ae.Nested(unix.IFLA_LINKINFO, func(li *netlink.AttributeEncoder) error {
		li.String(unix.IFLA_INFO_KIND, "can")
		li.Nested(unix.IFLA_INFO_DATA, func(d *netlink.AttributeEncoder) error {
			attrs(d)
			return nil
		})
		return nil
	})
	b, err := ae.Encode()
	if err != nil {
		return fmt.Errorf("set link %s %s: encode: %w", name, op, err)
	}
	if err := newLink(ctx, append(ifinfo(idx, 0, 0), b...)); err != nil {
		return fmt.Errorf("set link %s %s: %w", name, op, err)
	}
	return nil
}

func newLink(ctx context.Context, data []byte) error {
	c, err := dial(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Execute(netlink.Message{
		Header: netlink.Header{Type: unix.RTM_NEWLINK, Flags: netlink.Request | netlink.Acknowledge},
		Data:   data,
	})
	if errors.Is(err, unix.EPERM) {
		return fmt.Errorf("%w (needs CAP_NET_ADMIN: run as root or with sudo)", err)
	}
	return err
}
