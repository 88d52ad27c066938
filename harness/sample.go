package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/ref"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/probe"
)

// Samples are the measurements of one reaction key.
type Samples struct {
	Key     string
	Samples []latency.Sample
	// Retakes are the samples taken again because the bench itself was
	// late while it took them.
	Retakes []latency.Retake
	budgets latency.Budgets // the sampling bench's, for MeetBudget
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

// Sample repeats a measurement until it has n samples, hands them to
// OnSamples (the suite kit reports them to the running spec) and returns
// them.
//
// A measurement during which the bench itself was late by more than
// LateLimit(key), or its observer lost frames, is not a sample of the DUT,
// whatever it measured: it is retaken, up to MaxRetakes(n) times, and the
// retake is reported with its cause. When the retakes run out, the error
// is an *Inconclusive.
func (b *Bench) Sample(ctx context.Context, key string, n int, measure func(ctx context.Context) Reaction) (Samples, error) {
	sets, err := b.SampleTogether(ctx, []string{key}, n, func(ctx context.Context) []Reaction { return []Reaction{measure(ctx)} })
	return sets[0], err
}

// SampleTogether samples several keys that one round of stimuli measures
// at once (a press and the press that undoes it; one gear change and its
// two reactions): measure returns a reaction per key, in the keys' order,
// and each set gets n samples. A round is retaken as a whole, as in
// Sample, by the smallest LateLimit of the keys. Every set is reported
// when it returns, failed or not, so a spec that fails early still shows
// its keys in the latency table.
func (b *Bench) SampleTogether(ctx context.Context, keys []string, n int, measure func(ctx context.Context) []Reaction) ([]Samples, error) {
	sets := make([]Samples, len(keys))
	for i, k := range keys {
		sets[i].Key, sets[i].budgets = k, b.Budgets
	}
	defer func() {
		if b.OnSamples == nil {
			return
		}
		for _, s := range sets {
			b.OnSamples(s) // the samples as they are when it returns
		}
	}()
	limit := b.LateLimit(keys...)
	for retakes := 0; len(sets[0].Samples) < n; {
		began, dropped := time.Now(), b.Dropped()
		round := measure(ctx)
		if len(round) != len(keys) {
			return sets, fmt.Errorf("sample %v: the measurement gave %d reactions, want one per key", keys, len(round))
		}
		lost := b.Dropped() - dropped
		late := b.LateSince(began)
		if breach := b.sureBreach(keys, round, late.Worst); breach != "" && lost == 0 {
			// Late, but later than the bench could make it: the DUT's.
			b.noteSureFailure(breach)
		} else if (late.Worst > limit || lost > 0) && ctx.Err() == nil {
			e := &Inconclusive{What: fmt.Sprintf("%s: %d samples of %d, %d retaken", strings.Join(keys, ", "), len(sets[0].Samples), n, retakes),
				Late: late, Limit: limit, Lost: lost}
			if retakes == MaxRetakes(n) {
				return sets, e
			}
			retakes++
			for i := range sets {
				sets[i].Retakes = append(sets[i].Retakes, latency.Retake{Sample: len(sets[i].Samples) + 1, Late: late.Worst, Cause: e.cause()})
			}
			continue
		}
		for i, r := range round {
			if err := sets[i].Add(r); err != nil {
				return sets, err
			}
		}
	}
	return sets, nil
}

// sureBreach says which reaction of a round missed its key's max budget
// by more than the bench itself was late (lateness cannot explain it, so
// the sample stands and the failure is the DUT's); "" when none did.
func (b *Bench) sureBreach(keys []string, round []Reaction, late time.Duration) string {
	for i, r := range round {
		budget, ok := b.Budgets[keys[i]]
		if ok && budget.Max > 0 && r.Err == nil && r.Latency-late > budget.Max {
			return fmt.Sprintf("%s: %v, more than its max budget %v even less the bench's %v lateness", keys[i], r.Latency.Round(time.Millisecond), budget.Max, late.Round(time.Millisecond))
		}
	}
	return ""
}

// MaxRetakes is how many samples of a set of n the bench retakes before
// it calls the set inconclusive: half as many again, at least 3.
func MaxRetakes(n int) int { return max(3, n/2) }

// Latest returns the most recent frame of a message, decoded.
func (b *Bench) Latest(message ref.Message) (Frame, bool) {
	m, ok := b.DB.Message(string(message))
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
func (b *Bench) Frames(message ref.Message, since time.Time) []Frame {
	m, ok := b.DB.Message(string(message))
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
