package report

import (
	"strings"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/onsi/ginkgo/v2/types"
)

// Every key of the budget file gets a row, and a key whose spec failed
// shows FAIL whether or not it has samples.
func TestCollectShowsEveryBudgetKey(t *testing.T) {
	budgets := latency.Budgets{
		"music.next":     {P95: 150 * time.Millisecond, Max: 225 * time.Millisecond},
		"music.prev":     {P95: 150 * time.Millisecond, Max: 225 * time.Millisecond},
		"music.volume":   {P95: 100 * time.Millisecond, Max: 150 * time.Millisecond},
		"messaging.text": {P95: 100 * time.Millisecond, Max: 150 * time.Millisecond},
	}
	sample := latency.Sample{Latency: 30 * time.Millisecond}
	entry := func(key string, n int) types.ReportEntry {
		var ss []latency.Sample
		for range n {
			ss = append(ss, sample)
		}
		return types.ReportEntry{Name: LatencyEntry, Value: types.WrapEntryValue(KeyResult{Key: key, Samples: ss, Budget: budgets[key]})}
	}
	spec := func(text string, state types.SpecState, failure string, labels []string, entries ...types.ReportEntry) types.SpecReport {
		return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: text, LeafNodeLabels: labels, State: state,
			Failure: types.Failure{Message: failure}, ReportEntries: entries}
	}
	r := types.Report{SpecReports: types.SpecReports{
		spec("steps the track", types.SpecStateFailed, "music.next sample 3: no reaction within 1s\nGot stuck at:", []string{"music.next", "music.prev"},
			entry("music.next", 2), entry("music.prev", 2)),
		spec("steps the volume", types.SpecStatePassed, "", []string{"music.volume"}, entry("music.volume", 20)),
		spec("locks text", types.SpecStateSkipped, "", []string{"messaging.text"}),
	}}
	results, err := Collect(r, budgets)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, k := range results {
		got[k.Key] = k.Verdict()
	}
	for key, want := range map[string]string{
		"music.next":     "FAIL: spec failed after 2 samples: steps the track: music.next sample 3: no reaction within 1s",
		"music.prev":     "FAIL: spec failed after 2 samples: steps the track: music.next sample 3",
		"music.volume":   "ok",
		"messaging.text": "not run",
	} {
		if !strings.HasPrefix(got[key], want) {
			t.Errorf("%s: verdict %q, want %q", key, got[key], want)
		}
	}
	// Without its entries (the spec failed before reporting), the key is
	// still there, failed.
	r.SpecReports[0].ReportEntries = nil
	results, _ = Collect(r, budgets)
	for _, k := range results {
		if k.Key == "music.next" && !strings.HasPrefix(k.Verdict(), "FAIL: no samples (spec failed: steps the track: music.next sample 3") {
			t.Errorf("music.next without samples: verdict %q", k.Verdict())
		}
	}
	if len(results) != len(budgets) {
		t.Errorf("%d rows for %d budget keys", len(results), len(budgets))
	}
}
