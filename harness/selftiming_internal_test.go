package harness

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc/candb"
)

func TestSelfTimingNotesWhenTheBenchWasLate(t *testing.T) {
	speed := &candb.Message{Name: "ESP_VehicleSpeed", ID: 0x100, CycleTime: 20 * time.Millisecond}
	t0 := time.Unix(1_700_000_000, 0)
	at := func(ms float64) time.Time { return t0.Add(time.Duration(ms * float64(time.Millisecond))) }
	frame := func(id uint32, ms float64) canbus.Received {
		return canbus.Received{Frame: canbus.Frame{ID: id, Len: 8}, Time: at(ms), Source: canbus.SourceKernel}
	}
	type step struct {
		f       canbus.Received
		arrived float64 // ms after t0
		silence bool    // silence the message before the frame
		resume  bool    // resume it before the frame
		lost    uint64  // the observer's drops so far
	}
	cases := []struct {
		name  string
		steps []step
		worst time.Duration
		what  string
	}{
		{"on its cycle", []step{{f: frame(0x100, 0), arrived: 0.1}, {f: frame(0x100, 20.3), arrived: 20.4}, {f: frame(0x100, 40), arrived: 40.1}}, 0, ""},
		{"a frame 35 ms late", []step{{f: frame(0x100, 0), arrived: 0.1}, {f: frame(0x100, 55), arrived: 55.1}}, 35 * time.Millisecond, "its ESP_VehicleSpeed frames against their 20ms cycle"},
		{"an observer 12 ms behind", []step{{f: frame(0x100, 0), arrived: 12}}, 12 * time.Millisecond, "its observer"},
		{"another node's message is not the bench's", []step{{f: frame(0x200, 0), arrived: 0.1}, {f: frame(0x200, 500), arrived: 500.1}}, 0, ""},
		{"the gaps across a silence and between frames sent in its place", []step{{f: frame(0x100, 0), arrived: 0.1}, {f: frame(0x100, 900), arrived: 900.1, silence: true}, {f: frame(0x100, 990), arrived: 990.1}, {f: frame(0x100, 2000), arrived: 2000.1, resume: true}, {f: frame(0x100, 2020), arrived: 2020.1}}, 0, ""},
		{"late after a resume", []step{{f: frame(0x100, 0), arrived: 0.1, silence: true}, {f: frame(0x100, 500), arrived: 500.1, resume: true}, {f: frame(0x100, 550), arrived: 550.1}}, 30 * time.Millisecond, "ESP_VehicleSpeed"},
		{"the gap of frames the observer lost", []step{{f: frame(0x100, 0), arrived: 0.1}, {f: frame(0x100, 80), arrived: 80.1, lost: 3}, {f: frame(0x100, 100), arrived: 100.1, lost: 3}}, 0, ""},
		{"an adapter's clock is not the system's", []step{{f: canbus.Received{Frame: canbus.Frame{ID: 0x100}, Time: at(0), Source: canbus.SourceHardware}, arrived: 400}}, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var st selfTiming
			st.play([]*candb.Message{speed})
			for _, s := range c.steps {
				if s.silence || s.resume {
					st.restart(speed, at(s.arrived-1), s.silence)
				}
				st.frame(&s.f, at(s.arrived), s.lost)
			}
			got := st.since(t0, at(c.steps[len(c.steps)-1].arrived))
			if got.Worst != c.worst {
				t.Fatalf("worst lateness %v (%s), want %v", got.Worst, got, c.worst)
			}
			if !strings.Contains(got.What, c.what) {
				t.Errorf("lateness in %q, want it to name %q", got.What, c.what)
			}
		})
	}
}

func TestSelfTimingSeesAFrameThatIsOverdueNow(t *testing.T) {
	speed := &candb.Message{Name: "ESP_VehicleSpeed", ID: 0x100, CycleTime: 20 * time.Millisecond}
	t0 := time.Unix(1_700_000_000, 0)
	var st selfTiming
	st.play([]*candb.Message{speed})
	f := canbus.Received{Frame: canbus.Frame{ID: 0x100}, Time: t0, Source: canbus.SourceKernel}
	st.frame(&f, t0, 0)
	// The bench stalled right after that frame; asked now, before the
	// next one comes, it is already 580 ms late.
	if got := st.since(t0.Add(-time.Second), t0.Add(600*time.Millisecond)); got.Worst != 580*time.Millisecond || !strings.Contains(got.What, "overdue") {
		t.Errorf("overdue: %v in %q, want 580ms", got.Worst, got.What)
	}
	if got := st.since(t0.Add(-time.Second), t0.Add(15*time.Millisecond)); got.Late() {
		t.Errorf("within its cycle: %v", got)
	}
	st.restart(speed, t0.Add(time.Millisecond), true)
	if got := st.since(t0.Add(-time.Second), t0.Add(600*time.Millisecond)); got.Late() {
		t.Errorf("a silenced message is not overdue: %v", got)
	}
}

func TestSelfTimingSinceLooksOnlyFromTheMoment(t *testing.T) {
	var st selfTiming
	t0 := time.Unix(1_700_000_000, 0)
	st.stimulus(t0, 50*time.Millisecond, "an early stall")
	st.stimulus(t0.Add(3*time.Second), 5*time.Millisecond, "a later one")
	if got := st.since(t0.Add(2*time.Second), t0.Add(3*time.Second)); got.Worst != 5*time.Millisecond || got.What != "a later one" {
		t.Errorf("since 2 s: %v in %q, want the later 5ms", got.Worst, got.What)
	}
	if got := st.since(t0, t0.Add(3*time.Second)); got.Worst != 50*time.Millisecond {
		t.Errorf("since the start: %v, want the 50ms stall", got.Worst)
	}
	st.stimulus(t0, 500*time.Microsecond, "jitter")
	if got := st.since(t0.Add(4*time.Second), t0.Add(4*time.Second)); got.Late() {
		t.Errorf("jitter below the floor was noted: %v", got)
	}
}

func TestACursorThatFellBehindTheRingSaysSo(t *testing.T) {
	r := newRecorder(4)
	c := r.follow(t.Context(), 0)
	defer c.close()
	for i := range 10 {
		r.add(&canbus.Received{Frame: canbus.Frame{ID: uint32(i)}})
	}
	_, err := c.next()
	var o *OverrunError
	if !errors.As(err, &o) || o.Skipped != 6 {
		t.Fatalf("first read: %v, want an overrun of 6 frames", err)
	}
	for want := uint32(6); want < 10; want++ {
		f, err := c.next()
		if err != nil || f.ID != want {
			t.Fatalf("after the overrun: frame %v, %v; want ID %d", f, err, want)
		}
	}
}
