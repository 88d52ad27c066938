package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/canlink"
)

// The controller checks on the states a real adapter reports; vcan, which
// ci/test has, has no controller.
func TestDoctorJudgesTheController(t *testing.T) {
	for _, tc := range []struct {
		name string
		link canlink.Link
		want []string // "verdict: text", in order
	}{
		{"healthy", canlink.Link{Bitrate: 500000, SamplePoint: 875, State: canlink.ErrorActive},
			[]string{"ok: bitrate: 500000 bit/s, sample point 87.5%", "ok: CAN FD: off", "ok: controller: ERROR-ACTIVE (TX errors 0, RX errors 0)"}},
		{"no bitrate", canlink.Link{State: canlink.Stopped},
			[]string{"fail: bitrate: not set", "ok: CAN FD: off", "warn: controller: STOPPED"}},
		{"FD, error passive", canlink.Link{Bitrate: 500000, DataBitrate: 2000000, CtrlMode: canlink.ModeFD, State: canlink.ErrorPassive, TxErrors: 130},
			[]string{"ok: bitrate: 500000 bit/s", "ok: CAN FD: on, data bitrate 2000000 bit/s", "warn: controller: ERROR-PASSIVE (TX errors 130, RX errors 0)"}},
		{"bus-off, listen-only", canlink.Link{Bitrate: 250000, CtrlMode: canlink.ModeListenOnly, State: canlink.BusOff, TxErrors: 256},
			[]string{"ok: bitrate: 250000 bit/s", "ok: CAN FD: off", "warn: listen-only", "fail: controller: BUS-OFF (TX errors 256, RX errors 0)"}},
	} {
		var got []finding
		checkController(func(v verdict, todo, format string, a ...any) {
			got = append(got, finding{v: v, what: sprintf(format, a...), todo: todo})
		}, "can0", tc.link)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d findings %+v, want %d", tc.name, len(got), got, len(tc.want))
			continue
		}
		for i, w := range tc.want {
			if line := got[i].v.String() + ": " + got[i].what; !strings.HasPrefix(line, w) {
				t.Errorf("%s: finding %d = %q, want %q", tc.name, i, line, w)
			}
			if got[i].v != ok && got[i].todo == "" {
				t.Errorf("%s: %q says nothing of what to do", tc.name, got[i].what)
			}
		}
	}
}

func TestFrameBitsCountsTheWire(t *testing.T) {
	for frame, want := range map[string]int{"123#": 47, "123#DEADBEEF": 79, "12345678#0011223344556677": 131, "123#R8": 47} {
		f := mustFrame(t, frame)
		if got := frameBits(&f); got != want {
			t.Errorf("%s: %d bits, want %d", frame, got, want)
		}
	}
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

func mustFrame(t *testing.T, s string) canbus.Frame {
	t.Helper()
	f, err := canbus.ParseFrame(s)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
