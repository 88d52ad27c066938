package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// LatencyEntry names the report entries that carry a key's samples.
const LatencyEntry = "hil.latency"

// KeyResult is one reaction key's samples, with its budget.
type KeyResult struct {
	Key     string           `json:"key"`
	Spec    string           `json:"spec,omitempty"`
	Samples []latency.Sample `json:"samples"`
	Budget  latency.Budget   `json:"budget"`
	// Failure says why the key's spec failed ("" when it passed or did
	// not run), so a key whose sampling stopped early shows FAIL, not
	// ok on the samples taken before.
	Failure string `json:"failure,omitempty"`
	// NotRun marks a key of the budget file that no spec of this run
	// sampled, because a label filter or focus left its specs out.
	NotRun bool `json:"not_run,omitempty"`
	// Inconclusive says why the key's spec could not judge it (the bench
	// itself was late), "" otherwise.
	Inconclusive string `json:"inconclusive,omitempty"`
	// Retakes are the samples taken again because the bench was late.
	Retakes []latency.Retake `json:"retakes,omitempty"`
}

// Stats summarises the samples.
func (k KeyResult) Stats() latency.Stats { return latency.Summarize(k.Samples) }

// Verdict judges the samples against the budget: "ok", or why not.
func (k KeyResult) Verdict() string {
	switch {
	case k.NotRun:
		return "not run"
	case k.Inconclusive != "":
		return "INCONCLUSIVE: " + strings.TrimPrefix(k.Inconclusive, latency.InconclusivePrefix)
	case k.Failure != "" && len(k.Samples) == 0:
		return "FAIL: no samples (spec failed: " + k.Failure + ")"
	}
	err := (latency.Budgets{k.Key: k.Budget}).Judge(k.Key, k.Stats())
	if err == nil && k.Failure != "" {
		return fmt.Sprintf("FAIL: spec failed after %d samples: %s", len(k.Samples), k.Failure)
	}
	var v *latency.Verdict
	if errors.As(err, &v) {
		return "FAIL: " + v.Why()
	}
	return "ok"
}

// Collect gathers the latency entries of a suite's report (from every
// parallel process), one result per key of the budget file and per key
// sampled beyond it; samples of a key measured by several specs are
// pooled. A key whose spec failed carries the failure, and a key of the
// budget file with no samples says why: its spec failed, or none ran.
func Collect(r ginkgo.Report, budgets latency.Budgets) ([]KeyResult, error) {
	byKey := map[string]*KeyResult{}
	for _, spec := range r.SpecReports {
		for _, e := range spec.ReportEntries {
			if e.Name != LatencyEntry {
				continue
			}
			// In one process the entry holds the value; from a parallel
			// process it arrives as JSON.
			k, ok := e.Value.GetRawValue().(KeyResult)
			if !ok {
				if err := json.Unmarshal([]byte(e.Value.AsJSON), &k); err != nil {
					return nil, fmt.Errorf("latency entry of %q: %w", spec.FullText(), err)
				}
			}
			if have, ok := byKey[k.Key]; ok {
				have.Samples = append(have.Samples, k.Samples...)
				have.Retakes = append(have.Retakes, k.Retakes...)
				continue
			}
			k.Spec = spec.FullText()
			byKey[k.Key] = &k
		}
	}
	for key, b := range budgets {
		if byKey[key] == nil {
			byKey[key] = &KeyResult{Key: key, Budget: b, NotRun: true}
		}
	}
	// A failed spec that covers a key (its label) fails the key; an
	// inconclusive one leaves it unjudged.
	for _, spec := range r.SpecReports {
		inconclusive := IsInconclusive(spec)
		if !spec.Failed() && !inconclusive || spec.LeafNodeType != types.NodeTypeIt {
			continue
		}
		for _, l := range spec.Labels() {
			k := byKey[l]
			if k == nil || k.Failure != "" || k.Inconclusive != "" || !k.NotRun && k.Spec != spec.FullText() {
				continue
			}
			k.NotRun = false
			k.Spec = spec.FullText()
			if inconclusive {
				k.Inconclusive = firstLine(spec.Failure.Message)
			} else {
				k.Failure = spec.FullText() + ": " + firstLine(spec.Failure.Message)
			}
		}
	}
	var out []KeyResult
	for _, k := range byKey {
		out = append(out, *k)
	}
	slices.SortFunc(out, func(a, b KeyResult) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// IsInconclusive reports whether a spec of a report was inconclusive: the
// suite kit skips such a spec with a message starting with
// latency.InconclusivePrefix.
func IsInconclusive(spec types.SpecReport) bool {
	return spec.State == types.SpecStateSkipped && strings.HasPrefix(spec.Failure.Message, latency.InconclusivePrefix)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// WriteTable prints one line per key: samples, p50, p95, max, the budget
// and the verdict.
func WriteTable(w io.Writer, results []KeyResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "reaction key\tsamples\tretaken\tp50\tp95\tmax\tbudget p95\tbudget max\tverdict")
	for _, k := range results {
		s := k.Stats()
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", k.Key, s.N, len(k.Retakes), tableMS(s.P50), tableMS(s.P95), tableMS(s.Max), tableMS(k.Budget.P95), tableMS(k.Budget.Max), k.Verdict())
	}
	return tw.Flush()
}

// tableMS is a duration in the latency table, "-" for none.
func tableMS(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
}
