package harness

import (
	"context"
	"fmt"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega/gmeasure"
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
