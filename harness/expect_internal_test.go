package harness

import (
	"strings"
	"testing"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
)

// The frame matchers are called on every frame a waiter sees; they must
// still match, refuse and describe as the Gomega matchers they replace.
func TestFrameMatchers(t *testing.T) {
	db, err := candb.Parse("infotainment.dbc", dbc.Infotainment)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := db.Message("IVI_MediaStatus")
	rx := canbus.Received{Frame: canbus.Frame{ID: m.ID, Len: uint8(m.Length)}}
	for name, raw := range map[string]uint64{"TrackIndex": 7, "Volume": 12, "PlayState": 1} {
		s, ok := m.Signal(name)
		if !ok {
			t.Fatalf("IVI_MediaStatus has no %s", name)
		}
		s.SetRaw(rx.Data[:m.Length], raw)
	}
	frame := Expectation{}.actual(&rx, m)
	playing := frame.(Frame).Choice("PlayState")
	for _, tc := range []struct {
		name    string
		matcher types.GomegaMatcher
		actual  any
		match   bool
		message string // in the failure (or the negated failure) message
		err     string
	}{
		{"Where true", Where("track 7", func(f Frame) bool { return f.Raw("TrackIndex") == 7 }), frame, true, "not to track 7", ""},
		{"Where false", Where("track 8", func(f Frame) bool { return f.Raw("TrackIndex") == 8 }), frame, false, "to track 8", ""},
		{"Signal true", Signal("Volume", gomega.BeNumerically(">", 10)), frame, true, "not to be >", ""},
		{"Signal false", Signal("Volume", gomega.Equal(13.0)), frame, false, "<float64>: 12", ""},
		{"Choice true", Choice("PlayState", gomega.Equal(playing)), frame, true, playing, ""},
		{"Choice false", Choice("PlayState", gomega.Equal("NoSuchState")), frame, false, "NoSuchState", ""},
		{"Where not a frame", Where("track 7", func(Frame) bool { return true }), 7, false, "", "want a harness.Frame, got int"},
		{"Signal not a frame", Signal("Volume", gomega.Equal(1.0)), "x", false, "", "want a harness.Frame, got string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := tc.matcher.Match(tc.actual)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Match error = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || ok != tc.match {
				t.Fatalf("Match = %v, %v; want %v", ok, err, tc.match)
			}
			msg := tc.matcher.FailureMessage(tc.actual)
			if tc.match {
				msg = tc.matcher.NegatedFailureMessage(tc.actual)
			}
			if !strings.Contains(msg, tc.message) {
				t.Errorf("message %q does not say %q", msg, tc.message)
			}
		})
	}
}
