package headunit

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/headunit/reaction"
	"github.com/cockpit-hil/hil/internal/suggest"
)

// Latency is how long one reaction takes: fixed, uniform or normal.
type Latency struct {
	kind     byte // 'f' fixed, 'u' uniform, 'n' normal
	a, b     time.Duration
	original string
}

// ParseLatency reads "400ms" (fixed), "uniform:50ms-200ms" or "normal:120ms,20ms".
func ParseLatency(s string) (Latency, error) {
	bad := func(why string) (Latency, error) {
		return Latency{}, fmt.Errorf("latency %q: %s (want 400ms, uniform:50ms-200ms or normal:120ms,20ms)", s, why)
	}
	dur := func(t string) (time.Duration, error) {
		d, err := time.ParseDuration(strings.TrimSpace(t))
		if err != nil || d < 0 {
			return 0, fmt.Errorf("%q is not a duration", t)
		}
		return d, nil
	}
	kind, rest, hasKind := strings.Cut(s, ":")
	if !hasKind {
		d, err := dur(s)
		if err != nil {
			return bad(err.Error())
		}
		return Latency{kind: 'f', a: d, original: s}, nil
	}
	var sep string
	var k byte
	switch kind {
	case "uniform":
		sep, k = "-", 'u'
	case "normal":
		sep, k = ",", 'n'
	default:
		return bad("unknown distribution " + kind)
	}
	x, y, ok := strings.Cut(rest, sep)
	if !ok {
		return bad("two durations needed")
	}
	a, err := dur(x)
	if err != nil {
		return bad(err.Error())
	}
	b, err := dur(y)
	if err != nil {
		return bad(err.Error())
	}
	if k == 'u' && b < a {
		return bad("the upper bound is below the lower")
	}
	return Latency{kind: k, a: a, b: b, original: s}, nil
}

// Fixed is a latency that is always d.
func Fixed(d time.Duration) Latency { return Latency{kind: 'f', a: d, original: d.String()} }

// Sample draws one latency; a normal draw below zero counts as zero.
func (l Latency) Sample(r *rand.Rand) time.Duration {
	switch l.kind {
	case 'u':
		return l.a + time.Duration(r.Int64N(int64(l.b-l.a)+1))
	case 'n':
		return max(0, l.a+time.Duration(r.NormFloat64()*float64(l.b)))
	}
	return l.a
}

func (l Latency) String() string { return l.original }

// Fault is a deliberate misbehaviour, so the harness can be shown to fail.
type Fault struct {
	Drop       float64       // a reaction is lost with this probability (drop:30%)
	StopAfter  time.Duration // the heartbeat stops this long after start (stop-after:10s)
	CrashAfter time.Duration // the simulator exits with an error this long after start (crash-after:5s)
	Off        bool          // a rule of the design is not kept (counter-check=off)
}

// ParseFault reads "drop:30%", "stop-after:10s", "crash-after:5s" or "off".
func ParseFault(s string) (Fault, error) {
	kind, arg, _ := strings.Cut(s, ":")
	switch kind {
	case "off":
		return Fault{Off: true}, nil
	case "drop":
		p, err := strconv.ParseFloat(strings.TrimSuffix(arg, "%"), 64)
		if err != nil || p < 0 || p > 100 || !strings.HasSuffix(arg, "%") {
			return Fault{}, fmt.Errorf("fault %q: want drop:P%% with P from 0 to 100", s)
		}
		return Fault{Drop: p / 100}, nil
	case "stop-after", "crash-after":
		d, err := time.ParseDuration(arg)
		if err != nil || d <= 0 {
			return Fault{}, fmt.Errorf("fault %q: want %s:DURATION", s, kind)
		}
		if kind == "stop-after" {
			return Fault{StopAfter: d}, nil
		}
		return Fault{CrashAfter: d}, nil
	}
	return Fault{}, fmt.Errorf("fault %q: want drop:P%%, stop-after:DURATION, crash-after:DURATION or off", s)
}

// Fault targets that are not reactions (the reactions are package
// reaction's keys).
const (
	FaultHeartbeat = "heartbeat"
	FaultSim       = "sim"
)

// Rules of the design that a fault can break (KEY=off), so the specs
// that cover them can be shown to fail.
const (
	// RuleCounterCheck: an input frame whose alive counter did not
	// advance is ignored.
	RuleCounterCheck = "counter-check"
	// RuleACC: power mode ACC neither boots nor shuts the unit down.
	RuleACC = "acc-keeps-state"
	// RuleVolumeRange: the volume stays within 0 to 40.
	RuleVolumeRange = "volume-range"
)

var rules = []string{RuleCounterCheck, RuleACC, RuleVolumeRange}

// Rules are the rules of the design a fault can break (RULE=off).
func Rules() []string { return slices.Clone(rules) }

// DefaultLatencies are the simulator's own reaction times, well inside the
// budgets it promises (docs/design.md section 4), so that a default run passes and
// a run with --latency set past a budget fails. They are short (a boot in
// 60 ms) so that the catalogue, whose windows the budgets set, runs in a
// minute; a conforming unit may take its whole budget.
var DefaultLatencies = map[string]time.Duration{
	reaction.Voice: 30 * time.Millisecond, reaction.TextLock: 40 * time.Millisecond, reaction.Answer: 30 * time.Millisecond,
	reaction.Hangup: 30 * time.Millisecond, reaction.Unread: 50 * time.Millisecond, reaction.Next: 30 * time.Millisecond,
	reaction.Prev: 30 * time.Millisecond, reaction.PlayPause: 20 * time.Millisecond, reaction.Volume: 20 * time.Millisecond,
	reaction.Mute: 20 * time.Millisecond, reaction.Source: 40 * time.Millisecond, reaction.Duck: 40 * time.Millisecond,
	reaction.Camera: 60 * time.Millisecond, reaction.Theme: 50 * time.Millisecond, reaction.Guidance: 50 * time.Millisecond,
	reaction.Ready: 60 * time.Millisecond, reaction.Standby: 40 * time.Millisecond,
}

// Budgets are the default budgets of docs/design.md section 4: the simulator's promise.
var Budgets = map[string]time.Duration{
	reaction.Voice: 300 * time.Millisecond, reaction.TextLock: 200 * time.Millisecond, reaction.Answer: 300 * time.Millisecond,
	reaction.Hangup: 300 * time.Millisecond, reaction.Unread: 500 * time.Millisecond, reaction.Next: 150 * time.Millisecond,
	reaction.Prev: 150 * time.Millisecond, reaction.PlayPause: 100 * time.Millisecond, reaction.Volume: 100 * time.Millisecond,
	reaction.Duck: 200 * time.Millisecond, reaction.Camera: 300 * time.Millisecond, reaction.Theme: time.Second,
	reaction.Ready: 5 * time.Second, reaction.Standby: 2 * time.Second,
	// Beyond the seed design's list: the simulator's other reactions.
	reaction.Mute: 100 * time.Millisecond, reaction.Source: 200 * time.Millisecond, reaction.Guidance: 300 * time.Millisecond,
}

// Settings are the simulator's latencies and faults, and the seed that makes
// random latencies and drops repeatable.
type Settings struct {
	Latency map[string]Latency
	Faults  map[string]Fault
	Seed    uint64
}

// SetLatency parses "KEY=LATENCY" (--latency).
func (s *Settings) SetLatency(kv string) error {
	key, val, ok := strings.Cut(kv, "=")
	if !ok {
		return fmt.Errorf("latency %q: want KEY=DURATION", kv)
	}
	if _, known := DefaultLatencies[key]; !known {
		return fmt.Errorf("latency %q: unknown reaction key %q%s", kv, key, closest(key))
	}
	l, err := ParseLatency(val)
	if err != nil {
		return err
	}
	if s.Latency == nil {
		s.Latency = map[string]Latency{}
	}
	s.Latency[key] = l
	return nil
}

// SetFault parses "KEY=FAULT" (--fault).
func (s *Settings) SetFault(kv string) error {
	key, val, ok := strings.Cut(kv, "=")
	if !ok {
		return fmt.Errorf("fault %q: want KEY=FAULT", kv)
	}
	f, err := ParseFault(val)
	if err != nil {
		return err
	}
	_, reaction := DefaultLatencies[key]
	rule := slices.Contains(rules, key)
	switch {
	case rule && !f.Off:
		return fmt.Errorf("fault %q: %s is a rule of the design and takes off", kv, key)
	case !rule && f.Off:
		return fmt.Errorf("fault %q: off breaks a rule of the design (%s), and %s is none", kv, strings.Join(rules, ", "), key)
	case key == FaultHeartbeat && f.StopAfter == 0:
		return fmt.Errorf("fault %q: the heartbeat takes stop-after:DURATION", kv)
	case key == FaultSim && f.CrashAfter == 0:
		return fmt.Errorf("fault %q: the simulator takes crash-after:DURATION", kv)
	case reaction && (f.StopAfter != 0 || f.CrashAfter != 0):
		return fmt.Errorf("fault %q: a reaction takes drop:P%%", kv)
	case !reaction && !rule && key != FaultHeartbeat && key != FaultSim:
		return fmt.Errorf("fault %q: unknown key %q%s", kv, key, closest(key))
	}
	if s.Faults == nil {
		s.Faults = map[string]Fault{}
	}
	s.Faults[key] = f
	return nil
}

func (s *Settings) latency(key string) Latency {
	if l, ok := s.Latency[key]; ok {
		return l
	}
	return Fixed(DefaultLatencies[key])
}

func closest(key string) string {
	keys := append([]string{FaultHeartbeat, FaultSim}, rules...)
	for k := range DefaultLatencies {
		keys = append(keys, k)
	}
	return suggest.Closest(key, keys)
}
