package headunit

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/headunit/reaction"
)

func TestParseLatency(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		in       string
		lo, hi   time.Duration
		mustFail string
	}{
		{in: "400ms", lo: 400 * time.Millisecond, hi: 400 * time.Millisecond},
		{in: "uniform:50ms-200ms", lo: 50 * time.Millisecond, hi: 200 * time.Millisecond},
		{in: "normal:120ms,20ms", lo: 40 * time.Millisecond, hi: 200 * time.Millisecond},
		{in: "fast", mustFail: "not a duration"},
		{in: "uniform:200ms-50ms", mustFail: "upper bound"},
		{in: "gauss:1ms,1ms", mustFail: "unknown distribution gauss"},
		{in: "normal:1ms", mustFail: "two durations"},
	} {
		l, err := ParseLatency(tc.in)
		if tc.mustFail != "" {
			if err == nil || !strings.Contains(err.Error(), tc.mustFail) {
				t.Errorf("ParseLatency(%q) = %v, want error %q", tc.in, err, tc.mustFail)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ParseLatency(%q): %v", tc.in, err)
		}
		for range 1000 {
			if d := l.Sample(r); d < tc.lo || d > tc.hi {
				t.Fatalf("%q sampled %v outside [%v, %v]", tc.in, d, tc.lo, tc.hi)
			}
		}
	}
}

func TestSettings(t *testing.T) {
	var s Settings
	for _, tc := range []struct{ latency, fault, want string }{
		{latency: "music.next=400ms"},
		{latency: "music.nxt=400ms", want: "did you mean music.next or music.mute?"},
		{latency: "music.next", want: "want KEY=DURATION"},
		{fault: "music.next=drop:30%"},
		{fault: "heartbeat=stop-after:10s"},
		{fault: "sim=crash-after:5s"},
		{fault: "sim=drop:30%", want: "crash-after"},
		{fault: "music.next=stop-after:1s", want: "a reaction takes drop"},
		{fault: "music.next=drop:130%", want: "0 to 100"},
		{fault: "radio=drop:1%", want: "unknown key"},
	} {
		var err error
		if tc.latency != "" {
			err = s.SetLatency(tc.latency)
		} else {
			err = s.SetFault(tc.fault)
		}
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q%q: %v, want %q", tc.latency, tc.fault, err, tc.want)
		}
	}
	if got := s.latency(reaction.Next).Sample(nil); got != 400*time.Millisecond {
		t.Errorf("music.next latency %v", got)
	}
	if got := s.latency(reaction.Prev).Sample(nil); got != DefaultLatencies[reaction.Prev] {
		t.Errorf("music.prev latency %v, want the default", got)
	}
	if s.Faults[reaction.Next].Drop != 0.3 || s.Faults[FaultSim].CrashAfter != 5*time.Second {
		t.Errorf("faults %+v", s.Faults)
	}
	for key, d := range DefaultLatencies {
		if b, ok := Budgets[key]; ok && d >= b/2 {
			t.Errorf("%s: default latency %v is not well inside its budget %v", key, d, b)
		}
	}
}

// The simulator reacts by every key of the design, and by no other.
func TestTheSimulatorKnowsEveryReactionKey(t *testing.T) {
	want := slices.Sorted(slices.Values(reaction.Keys()))
	for name, m := range map[string]map[string]time.Duration{"DefaultLatencies": DefaultLatencies, "Budgets": Budgets} {
		if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, want) {
			t.Errorf("%s has %v; the design's keys are %v", name, got, want)
		}
	}
}
