//go:build linux

package canlink

import (
	"encoding/binary"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// TestDecodeController decodes the RTM_NEWLINK answer a real controller
// (say a PCAN-USB in bus-off) gives, built here attribute by attribute, since
// no adapter is wired to the test machines.
func TestDecodeController(t *testing.T) {
	u32 := func(vs ...uint32) []byte {
		b := make([]byte, 4*len(vs))
		for i, v := range vs {
			binary.NativeEndian.PutUint32(b[4*i:], v)
		}
		return b
	}
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(unix.IFLA_MTU, 16)
	stats := make([]byte, 8*24)
	for i, v := range []uint64{1000, 200, 0, 0, 3, 1, 7, 0} {
		binary.NativeEndian.PutUint64(stats[8*i:], v)
	}
	ae.Bytes(unix.IFLA_STATS64, stats)
	ae.Nested(unix.IFLA_LINKINFO, func(li *netlink.AttributeEncoder) error {
		li.String(unix.IFLA_INFO_KIND, "can")
		li.Nested(unix.IFLA_INFO_DATA, func(d *netlink.AttributeEncoder) error {
			d.Bytes(unix.IFLA_CAN_BITTIMING, u32(500000, 875, 125, 6, 7, 2, 1, 10))
			d.Uint32(unix.IFLA_CAN_CLOCK, 80000000)
			d.Uint32(unix.IFLA_CAN_STATE, uint32(BusOff))
			d.Bytes(unix.IFLA_CAN_CTRLMODE, u32(0xffff, ModeBerrReporting))
			d.Uint32(unix.IFLA_CAN_RESTART_MS, 100)
			d.Bytes(unix.IFLA_CAN_BERR_COUNTER, []byte{0x00, 0x01, 0x80, 0x00}) // tx 256, rx 128
			return nil
		})
		li.Bytes(unix.IFLA_INFO_XSTATS, u32(12, 3, 2, 1, 0, 1))
		return nil
	})
	attrs, err := ae.Encode()
	if err != nil {
		t.Fatal(err)
	}
	msg := append(ifinfo(5, unix.IFF_UP, 0), attrs...)
	binary.NativeEndian.PutUint16(msg[2:4], unix.ARPHRD_CAN)
	got, err := decodeLink("can0", msg)
	if err != nil {
		t.Fatal(err)
	}
	want := Link{
		Name: "can0", Index: 5, Kind: "can", Up: true, MTU: 16, State: BusOff,
		Bitrate: 500000, SamplePoint: 875, ClockHz: 80000000, CtrlMode: ModeBerrReporting,
		RestartMs: 100, TxErrors: 256, RxErrors: 128,
		Device:   DeviceStats{BusError: 12, ErrorWarning: 3, ErrorPassive: 2, BusOff: 1, Restarts: 1},
		RxFrames: 1000, TxFrames: 200, RxErrorsTotal: 3, TxErrorsTotal: 1, RxDropped: 7,
		HasCANController: true,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("decodeLink (-want +got):\n%s", diff)
	}
	if got.State.String() != "BUS-OFF" {
		t.Errorf("state prints as %q", got.State)
	}
}
