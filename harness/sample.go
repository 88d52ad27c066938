package harness

import (
	"context"
	"fmt"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega/gmeasure"
	"github.com/onsi/gomega/types"
)

// Samples are the measurements of one reaction key.
type Samples struct {
	Key     string
	Samples []latency.Sample
}

// Stats summarises the samples.
func (s Samples) Stats() latency.Stats { return latency.Summarize(s.Samples) }

func (s Samples) String() string { return fmt.Sprintf("%s: %v", s.Key, s.Stats()) }

// Sample repeats a measurement n times, records the latencies in a gmeasure
// experiment attached to the running spec's report, and returns them.
func (b *Bench) Sample(ctx context.Context, key string, n int, measure func(ctx context.Context) Reaction) (Samples, error) {
	s := Samples{Key: key}
	exp := gmeasure.NewExperiment(key)
	for i := 0; i < n; i++ {
		r := measure(ctx)
		if r.Err != nil {
			return s, fmt.Errorf("%s sample %d of %d: %w", key, i+1, n, r.Err)
		}
		s.Samples = append(s.Samples, r.Sample())
		exp.RecordDuration(key, r.Latency)
	}
	ginkgo.AddReportEntry(key, exp)
	return s, nil
}

// Latest returns the most recent frame of a message, decoded.
func (b *Bench) Latest(message string) (Frame, bool) {
	m, ok := b.DB.Message(message)
	if !ok {
		return Frame{}, false
	}
	frames := b.rec.since(func(f *canbus.Received) bool { return f.ID == m.ID && f.Extended == m.Extended && !f.Own })
	if len(frames) == 0 {
		return Frame{}, false
	}
	f := frames[len(frames)-1]
	return Frame{Received: f, Message: m, Values: m.Decode(f.Payload(), []candb.Value(nil))}, true
}

// MeetBudget matches Samples that meet their key's budget: p95 and max. A
// failure names the key, the measured figures and the budget; samples taken
// while the bus dropped frames fail as invalid.
func MeetBudget(budgets latency.Budgets) types.GomegaMatcher { return &budgetMatcher{budgets: budgets} }

type budgetMatcher struct {
	budgets latency.Budgets
	err     error
}

func (m *budgetMatcher) Match(actual any) (bool, error) {
	s, ok := actual.(Samples)
	if !ok {
		return false, fmt.Errorf("MeetBudget wants harness.Samples, got %T", actual)
	}
	m.err = m.budgets.Judge(s.Key, s.Stats())
	return m.err == nil, nil
}

func (m *budgetMatcher) FailureMessage(actual any) string {
	return fmt.Sprintf("latency budget missed: %v", m.err)
}

func (m *budgetMatcher) NegatedFailureMessage(actual any) string {
	return fmt.Sprintf("expected %v to miss its budget, but it met it", actual)
}
