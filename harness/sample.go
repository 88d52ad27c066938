package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/probe"
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

// Add takes one reaction as a sample; a reaction that failed is not a
// sample, and its error comes back naming the key and the sample number.
func (s *Samples) Add(r Reaction) error {
	if r.Err != nil {
		return fmt.Errorf("%s sample %d: %w", s.Key, len(s.Samples)+1, r.Err)
	}
	s.Samples = append(s.Samples, r.Sample())
	return nil
}

// Report attaches the samples to the running spec's report: as a gmeasure
// experiment (Ginkgo prints it) and as the latency entry that the run's
// latency table and report are made from.
func (s Samples) Report(b *Bench) {
	exp := gmeasure.NewExperiment(s.Key)
	for _, x := range s.Samples {
		exp.RecordDuration(s.Key, x.Latency)
	}
	ginkgo.AddReportEntry(s.Key, exp, ginkgo.ReportEntryVisibilityFailureOrVerbose)
	ginkgo.AddReportEntry(LatencyEntry, KeyResult{Key: s.Key, Samples: s.Samples, Budget: b.Budgets[s.Key]}, ginkgo.ReportEntryVisibilityNever)
}

// Sample repeats a measurement n times, reports the latencies to the
// running spec (Report) and returns them.
func (b *Bench) Sample(ctx context.Context, key string, n int, measure func(ctx context.Context) Reaction) (Samples, error) {
	s := Samples{Key: key}
	for range n {
		if err := s.Add(measure(ctx)); err != nil {
			s.Report(b)
			return s, err
		}
	}
	s.Report(b)
	return s, nil
}

// Latest returns the most recent frame of a message, decoded.
func (b *Bench) Latest(message string) (Frame, bool) {
	m, ok := b.DB.Message(message)
	if !ok {
		return Frame{}, false
	}
	f, ok := b.rec.latest(func(f *canbus.Received) bool { return isMessage(f, m) })
	if !ok {
		return Frame{}, false
	}
	return Frame{Received: f, Message: m, Values: m.Decode(f.Payload(), []candb.Value(nil))}, true
}

// Frames returns the DUT's frames of a message stamped at since or later,
// decoded, oldest first: what a spec judges a sequence of reactions by (the
// steps of a held button, each at its time).
func (b *Bench) Frames(message string, since time.Time) []Frame {
	m, ok := b.DB.Message(message)
	if !ok {
		return nil
	}
	var out []Frame
	for _, f := range b.rec.since(func(f *canbus.Received) bool { return isMessage(f, m) && !f.Time.Before(since) }) {
		out = append(out, Frame{Received: f, Message: m, Values: m.Decode(f.Payload(), nil)})
	}
	return out
}

// Events is the DUT's event stream, when it has one (the simulator's, or
// the profile's dut.events): its observations are the event lines.
func (b *Bench) Events() (*probe.Probe, bool) { return b.control, b.control != nil }
