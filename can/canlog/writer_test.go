package canlog

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
)

func TestNewWriterPicksTheFormat(t *testing.T) {
	r := canbus.Received{Frame: canbus.MustParseFrame("123#DEADBEEF"), Time: time.Unix(1700000000, 123456000), Interface: "vcan0"}
	for _, tc := range []struct {
		format, name string
		want         []string // in the output, in order
		err          string
	}{
		{"", "drive.log", []string{"(1700000000.123456) vcan0 123#DEADBEEF\n", "DROPCOUNT: dropped 2 CAN frames on 'vcan0' socket (total drops 5)\n"}, ""},
		{"", "drive.LOG", []string{"vcan0 123#DEADBEEF"}, ""},
		{"", "-", []string{"vcan0 123#DEADBEEF"}, ""},
		{"", "drive.ASC", []string{"date ", "123             Rx   d 4 DE AD BE EF", "// vcan0 dropped 2 frames (5 in all)", "End TriggerBlock"}, ""},
		{"asc", "drive.log", []string{"End TriggerBlock"}, ""},
		{"log", "drive.asc", []string{"vcan0 123#DEADBEEF"}, ""},
		{"blf", "drive.blf", nil, `trace format "blf": want asc or log`},
	} {
		var b bytes.Buffer
		w, err := NewWriter(&b, tc.format, tc.name, 0)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("NewWriter(%q, %q) = %v, want %q", tc.format, tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(&r); err != nil {
			t.Fatal(err)
		}
		if err := w.Dropped("vcan0", 2, 5); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		out, at := b.String(), 0
		for _, want := range tc.want {
			i := strings.Index(out[at:], want)
			if i < 0 {
				t.Errorf("%q as %q: %q not in order in\n%s", tc.name, tc.format, want, out)
				break
			}
			at += i + len(want)
		}
	}
}
