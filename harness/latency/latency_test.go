package latency

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/headunit"
	"github.com/cockpit-hil/hil/headunit/reaction"
	"github.com/cockpit-hil/hil/internal/specs"
)

func ms(v ...int) []Sample {
	out := make([]Sample, len(v))
	for i, x := range v {
		out[i] = Sample{Latency: time.Duration(x) * time.Millisecond}
	}
	return out
}

func TestSummarizeNearestRank(t *testing.T) {
	// 1..20 ms: p50 is the 10th value, p95 the 19th, p99 and max the 20th.
	var v []int
	for i := 20; i >= 1; i-- {
		v = append(v, i)
	}
	s := Summarize(ms(v...))
	if s.N != 20 || s.P50 != 10*time.Millisecond || s.P95 != 19*time.Millisecond || s.P99 != 20*time.Millisecond || s.Max != 20*time.Millisecond {
		t.Errorf("Summarize(1..20ms) = %v", s)
	}
	if one := Summarize(ms(7)); one.P50 != 7*time.Millisecond || one.P99 != 7*time.Millisecond {
		t.Errorf("one sample: %v", one)
	}
	if none := Summarize(nil); none.N != 0 {
		t.Errorf("no samples: %v", none)
	}
}

func TestJudge(t *testing.T) {
	b := Budgets{"music.next": {P95: 150 * time.Millisecond, Max: 225 * time.Millisecond}}
	fast := ms(30, 31, 32, 30, 29, 33, 31, 30, 30, 31, 32, 30, 29, 33, 31, 30, 30, 31, 32, 30)
	if err := b.Judge("music.next", Summarize(fast)); err != nil {
		t.Errorf("fast samples judged: %v", err)
	}
	slow := ms(400, 401, 402, 400, 403, 400, 401, 402, 400, 403, 400, 401, 402, 400, 403, 400, 401, 402, 400, 430)
	err := b.Judge("music.next", Summarize(slow))
	if err == nil {
		t.Fatal("a 400 ms reaction met a 150 ms budget")
	}
	for _, want := range []string{"music.next", "p95 403ms exceeds its budget 150ms", "max 430ms exceeds its budget 225ms", "20 samples"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("verdict %q lacks %q", err, want)
		}
	}
	lossy := fast
	lossy[3].Dropped = 2
	if err := b.Judge("music.next", Summarize(lossy)); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "dropped 2 frames") {
		t.Errorf("lossy measurement: %v", err)
	}
	if err := b.Judge("music.nope", Summarize(fast)); err == nil {
		t.Error("a key without a budget passed")
	}
}

func TestParseBudgetsNamesLineAndKey(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"music.next: {p95: 150ms, max: 225ms}\n", ""},
		{"music.next: {p95: 150ms, mx: 225ms}\n", "b.yaml:1: music.next: "},
		{"a: {p95: 1s}\nmusic.next: {p95: fast}\n", `b.yaml:2: music.next.p95: "fast" is not a positive duration`},
		{"music.next: {p95: 300ms, max: 200ms}\n", "p95 300ms above max 200ms"},
		{"music.next: {}\n", "neither p95 nor max"},
		{"- 1\n", "want a mapping"},
	} {
		_, err := ParseBudgets("b.yaml", []byte(tc.src))
		if (tc.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseBudgets(%q) = %v, want %q", tc.src, err, tc.want)
		}
	}
}

// TestReferenceBudgetsAreTheSimulatorsPromises keeps the default budget file
// and the budgets the simulator is tested against the same.
func TestReferenceBudgetsAreTheSimulatorsPromises(t *testing.T) {
	root, err := specs.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadBudgets(filepath.Join(root, "profiles", "budgets", "reference.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for key, p95 := range headunit.Budgets {
		if b[key].P95 != p95 {
			t.Errorf("%s: reference.yaml p95 %v, the simulator promises %v", key, b[key].P95, p95)
		}
	}
	for key := range b {
		if _, ok := headunit.Budgets[key]; !ok {
			t.Errorf("%s: in reference.yaml but not a reaction the simulator knows", key)
		}
	}
	// One budget per reaction key of the design, no more.
	if got, want := slices.Sorted(maps.Keys(b)), slices.Sorted(slices.Values(reaction.Keys())); !slices.Equal(got, want) {
		t.Errorf("reference.yaml keys %v, the design's %v", got, want)
	}
	if _, err := os.Stat(filepath.Join(root, "profiles", "budgets", "reference.yaml")); err != nil {
		t.Fatal(err)
	}
}

func TestParseTiming(t *testing.T) {
	for _, tc := range []struct {
		name, src, want, err string
	}{
		{"parameters beside budgets", "music.next: {p95: 150ms}\ntiming:\n  music.volume.hold_delay: 800ms\n  music.volume.repeat_interval: 200ms\n", "map[music.volume.hold_delay:800ms music.volume.repeat_interval:200ms]", ""},
		{"none", "music.next: {p95: 150ms}\n", "map[]", ""},
		{"not a duration", "timing:\n  music.volume.hold_delay: soon\n", "", `b.yaml:2: timing.music.volume.hold_delay: "soon" is not a positive duration`},
		{"twice", "timing:\n  a: 1s\n  a: 2s\n", "", "a given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTiming("b.yaml", []byte(tc.src))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != tc.want {
				t.Errorf("got %v, want %s", got, tc.want)
			}
			if _, err := ParseBudgets("b.yaml", []byte(tc.src)); err != nil {
				t.Errorf("the budgets beside the timing: %v", err)
			}
		})
	}
}
