// Package latency judges reaction times: percentiles of a sample set (gmeasure
// keeps durations but computes no percentiles), budgets per reaction key read
// from YAML (p95 and max), and a verdict that names the key, the measured
// figures and the budget. A sample taken while the bus dropped frames makes
// the whole measurement invalid: a figure from a lossy bus proves nothing.
package latency

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Sample is one stimulus-to-reaction measurement.
type Sample struct {
	Latency time.Duration `json:"latency_ns"`
	// Sources say which clocks stamped the stimulus and the reaction
	// ("kernel", "hardware", "user").
	StimulusSource string `json:"stimulus_source"`
	ReactionSource string `json:"reaction_source"`
	// Dropped counts frames the bus lost while the sample was taken.
	Dropped uint64 `json:"dropped"`
	// At is when the stimulus was given.
	At time.Time `json:"at"`
}

// Stats are the figures of a sample set.
type Stats struct {
	N                  int
	P50, P95, P99, Max time.Duration
	Dropped            uint64
}

// Summarize computes the percentiles by the nearest-rank method: the p-th
// percentile is the smallest sample that at least p% of the samples do not
// exceed, so it is always a measured value.
func Summarize(samples []Sample) Stats {
	s := Stats{N: len(samples)}
	if len(samples) == 0 {
		return s
	}
	ds := make([]time.Duration, len(samples))
	for i, x := range samples {
		ds[i] = x.Latency
		s.Dropped += x.Dropped
	}
	slices.Sort(ds)
	rank := func(p float64) time.Duration {
		i := int(p/100*float64(len(ds))+0.999999999) - 1
		return ds[min(max(i, 0), len(ds)-1)]
	}
	s.P50, s.P95, s.P99, s.Max = rank(50), rank(95), rank(99), ds[len(ds)-1]
	return s
}

func (s Stats) String() string {
	return fmt.Sprintf("%d samples: p50 %v, p95 %v, p99 %v, max %v", s.N, s.P50, s.P95, s.P99, s.Max)
}

// Budget is what a reaction may take.
type Budget struct {
	P95 time.Duration `yaml:"p95" json:"p95_ns"`
	Max time.Duration `yaml:"max" json:"max_ns"`
}

// Budgets are keyed by reaction key (docs/design.md section 4).
type Budgets map[string]Budget

// ErrInvalid marks a measurement taken while the bus dropped frames.
var ErrInvalid = errors.New("measurement invalid")

// Judge compares a sample set with the key's budget: nil when it meets
// it, else a *Verdict that names the key, the measured figures and the
// budget, as a failed spec should.
func (b Budgets) Judge(key string, s Stats) error {
	budget, ok := b[key]
	v := &Verdict{Key: key, Stats: s, Budget: budget, NoBudget: !ok}
	v.P95Over = ok && budget.P95 > 0 && s.P95 > budget.P95
	v.MaxOver = ok && budget.Max > 0 && s.Max > budget.Max
	if v.NoBudget || s.Dropped > 0 || s.N == 0 || v.P95Over || v.MaxOver {
		return v
	}
	return nil
}

// Verdict is a sample set that did not meet its key's budget, and why:
// the figures a report shows, not text to take apart.
type Verdict struct {
	Key              string
	Stats            Stats
	Budget           Budget
	NoBudget         bool // the budget file has no such key
	P95Over, MaxOver bool
}

// Why is the verdict without the key and the figures: "p95 400ms exceeds
// its budget 150ms; max ...", "no samples", ...
func (v *Verdict) Why() string {
	switch {
	case v.NoBudget:
		return "no budget for this reaction key"
	case v.Stats.Dropped > 0:
		return fmt.Sprintf("%v: the bus dropped %d frames while it was measured", ErrInvalid, v.Stats.Dropped)
	case v.Stats.N == 0:
		return "no samples"
	}
	var over []string
	if v.P95Over {
		over = append(over, fmt.Sprintf("p95 %v exceeds its budget %v", v.Stats.P95, v.Budget.P95))
	}
	if v.MaxOver {
		over = append(over, fmt.Sprintf("max %v exceeds its budget %v", v.Stats.Max, v.Budget.Max))
	}
	return strings.Join(over, "; ")
}

func (v *Verdict) Error() string {
	if v.NoBudget || v.Stats.N == 0 && v.Stats.Dropped == 0 {
		return v.Key + ": " + v.Why()
	}
	return fmt.Sprintf("%s: %s (%v)", v.Key, v.Why(), v.Stats)
}

// Unwrap is ErrInvalid for a set measured while frames were dropped.
func (v *Verdict) Unwrap() error {
	if v.Stats.Dropped > 0 && !v.NoBudget {
		return ErrInvalid
	}
	return nil
}

// LoadBudgets reads a budget file; unknown fields and bad durations are
// errors that name the file, the line and the key.
func LoadBudgets(path string) (Budgets, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load budgets: %w", err)
	}
	return ParseBudgets(path, src)
}

// ParseBudgets parses budget YAML; name appears in errors.
func ParseBudgets(name string, src []byte) (Budgets, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	b := Budgets{}
	if len(root.Content) == 0 {
		return b, nil
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: want a mapping of reaction key to {p95, max}", name, top.Line)
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		if k.Value == TimingKey {
			continue // behaviour parameters: ParseTiming
		}
		var raw struct {
			P95 string `yaml:"p95"`
			Max string `yaml:"max"`
		}
		dec := yaml.NewDecoder(bytes.NewReader(mustMarshal(v)))
		dec.KnownFields(true)
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %v (want {p95: DURATION, max: DURATION})", name, v.Line, k.Value, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		var bud Budget
		for _, f := range []struct {
			field string
			text  string
			dst   *time.Duration
		}{{"p95", raw.P95, &bud.P95}, {"max", raw.Max, &bud.Max}} {
			if f.text == "" {
				continue
			}
			d, err := time.ParseDuration(f.text)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("%s:%d: %s.%s: %q is not a positive duration (150ms, 1.5s)", name, v.Line, k.Value, f.field, f.text)
			}
			*f.dst = d
		}
		if bud.P95 == 0 && bud.Max == 0 {
			return nil, fmt.Errorf("%s:%d: %s: neither p95 nor max given", name, v.Line, k.Value)
		}
		if bud.Max > 0 && bud.P95 > bud.Max {
			return nil, fmt.Errorf("%s:%d: %s: p95 %v above max %v", name, v.Line, k.Value, bud.P95, bud.Max)
		}
		if _, dup := b[k.Value]; dup {
			return nil, fmt.Errorf("%s:%d: %s given twice", name, k.Line, k.Value)
		}
		b[k.Value] = bud
	}
	return b, nil
}

// TimingKey is the budget file's section of behaviour parameters: times a
// vehicle programme sets for how its head unit behaves, not how fast it
// reacts (music.volume.hold_delay: 800ms).
const TimingKey = "timing"

// Timing are the behaviour parameters of a vehicle programme, by name.
type Timing map[string]time.Duration

// ParseTiming reads the timing section of budget YAML; name appears in
// errors. A file without one has no parameters.
func ParseTiming(name string, src []byte) (Timing, error) {
	var root struct {
		Timing yaml.Node `yaml:"timing"`
	}
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	t := Timing{}
	n := &root.Timing
	if n.Kind == 0 {
		return t, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: timing: want a mapping of parameter to duration", name, n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		d, err := time.ParseDuration(v.Value)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%s:%d: timing.%s: %q is not a positive duration (800ms, 1.5s)", name, v.Line, k.Value, v.Value)
		}
		if _, dup := t[k.Value]; dup {
			return nil, fmt.Errorf("%s:%d: timing.%s given twice", name, k.Line, k.Value)
		}
		t[k.Value] = d
	}
	return t, nil
}

func mustMarshal(n *yaml.Node) []byte {
	b, err := yaml.Marshal(n)
	if err != nil {
		return nil
	}
	return b
}

// Retake is a sample the bench took again because it was itself late
// while it took it (or its observer lost frames), and why.
type Retake struct {
	Sample int           `json:"sample"` // the number of the sample it replaced
	Late   time.Duration `json:"late"`
	Cause  string        `json:"cause"`
}

// InconclusivePrefix starts the message of a judgement the bench could not
// make: an inconclusive spec is skipped with it (JUnit's <skipped>), and
// `hil run` counts it apart from passes and failures.
const InconclusivePrefix = "inconclusive: "
