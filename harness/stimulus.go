package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/probe"
)

// Stimulus is a press in progress: the first frame that carried it is its
// time zero.
type Stimulus struct {
	b       *Bench
	msg     *candb.Message
	sig     *candb.Signal
	from    int64 // recorder position when the press began
	dropped uint64
	pressed chan error
}

// Press presses MESSAGE.SIGNAL as the steering-wheel controller does (the
// bit set for three cycles, then released) and returns at once.
func (b *Bench) Press(ctx context.Context, signal string) *Stimulus {
	s := &Stimulus{b: b, from: b.rec.end(), dropped: b.Dropped(), pressed: make(chan error, 1)}
	msg, sig, _, err := candb.ParseAssignment(signal + "=1")
	if err == nil {
		s.msg, s.sig, err = b.DB.Lookup(msg, sig)
	}
	if err != nil {
		s.pressed <- err
		return s
	}
	go func() { s.pressed <- b.rest.Press(ctx, signal, 0) }()
	return s
}

// Match is a predicate on a decoded frame, by signal name.
type Match func(Frame) bool

// Frame is a decoded frame with access by signal name.
type Frame struct {
	canbus.Received
	Message *candb.Message
	Values  []candb.Value
}

// Raw returns a signal's raw value (0 when the frame does not carry it).
func (f Frame) Raw(signal string) uint64 {
	for _, v := range f.Values {
		if v.Signal.Name == signal {
			return v.Raw
		}
	}
	return 0
}

// Physical returns a signal's physical value.
func (f Frame) Physical(signal string) float64 {
	for _, v := range f.Values {
		if v.Signal.Name == signal {
			return v.Physical
		}
	}
	return 0
}

// Choice returns a signal's value-table name.
func (f Frame) Choice(signal string) string {
	for _, v := range f.Values {
		if v.Signal.Name == signal {
			name, _ := v.Choice()
			return name
		}
	}
	return ""
}

// Reaction is one stimulus-to-reaction measurement.
type Reaction struct {
	Stimulus, Reaction canbus.Received
	Latency            time.Duration
	Dropped            uint64
	Err                error
}

// Sample turns the reaction into a latency sample.
func (r Reaction) Sample() latency.Sample {
	return latency.Sample{Latency: r.Latency, StimulusSource: r.Stimulus.Source.String(), ReactionSource: r.Reaction.Source.String(), Dropped: r.Dropped}
}

// stimulus finds the first frame, from the press on, that carries the
// pressed bit, and the recorder position after it.
func (s *Stimulus) stimulus(ctx context.Context) (canbus.Received, int64, error) {
	for seq := s.from; ; {
		f, next, err := s.b.rec.next(ctx, seq)
		if err != nil {
			return f, seq, fmt.Errorf("the press of %s.%s: %w", s.msg.Name, s.sig.Name, err)
		}
		seq = next
		if !f.Own && f.ID == s.msg.ID && f.Extended == s.msg.Extended && s.sig.Raw(f.Payload()) == 1 {
			return f, seq, nil
		}
	}
}

// Until waits for the first frame of message, after the stimulus, that
// satisfies match, and measures from the stimulus frame to it on the bus
// timestamps.
func (s *Stimulus) Until(ctx context.Context, message string, match Match, within time.Duration) Reaction {
	var r Reaction
	if s.msg == nil {
		r.Err = <-s.pressed
		return r
	}
	m, ok := s.b.DB.Message(message)
	if !ok {
		_, _, r.Err = s.b.DB.Lookup(message, "x")
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	stim, seq, err := s.stimulus(ctx)
	if err != nil {
		r.Err = fmt.Errorf("waited %v for %w", within, err)
		return r
	}
	r.Stimulus = stim
	var values []candb.Value
	lastSeen := "nothing"
	for {
		f, next, err := s.b.rec.next(ctx, seq)
		if err != nil {
			r.Err = fmt.Errorf("waited %v for %s matching the expectation; last seen: %s: %w", within, message, lastSeen, err)
			return r
		}
		seq = next
		if f.Own || f.ID != m.ID || f.Extended != m.Extended {
			continue
		}
		values = m.Decode(f.Payload(), values[:0])
		fr := Frame{Received: f, Message: m, Values: values}
		lastSeen = describe(fr)
		if match(fr) {
			r.Reaction = f
			r.Latency = f.Time.Sub(r.Stimulus.Time)
			r.Dropped = s.b.Dropped() - s.dropped
			<-s.pressed
			return r
		}
	}
}

func describe(f Frame) string {
	s := f.Message.Name + "("
	for i, v := range f.Values {
		if i > 0 {
			s += ", "
		}
		s += v.Signal.Name + ": " + v.Format()
	}
	return s + ")"
}

// UntilEvent waits for the first observation of a probe, after the stimulus
// frame, that satisfies match, and measures from the stimulus frame to the
// observation's arrival (user-space clock: an event line carries no kernel
// timestamp, and the sources in the sample say so).
func (s *Stimulus) UntilEvent(ctx context.Context, p *probe.Probe, match func(probe.Observation) bool, within time.Duration) Reaction {
	var r Reaction
	mark := p.Mark()
	if s.msg == nil {
		r.Err = <-s.pressed
		return r
	}
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	stim, _, err := s.stimulus(ctx)
	if err != nil {
		r.Err = fmt.Errorf("waited %v for %w", within, err)
		return r
	}
	r.Stimulus = stim
	o, err := p.Await(ctx, mark, match)
	if err != nil {
		r.Err = err
		return r
	}
	r.Reaction = canbus.Received{Time: o.Time, Source: canbus.SourceUser, Interface: p.Name}
	r.Latency = o.Time.Sub(r.Stimulus.Time)
	r.Dropped = s.b.Dropped() - s.dropped
	<-s.pressed
	return r
}

// NotWithin checks that no frame of message satisfying match follows the
// stimulus within window: a reaction that must not happen (a dropped press,
// a locked feature). It returns an error naming the frame that did.
func (s *Stimulus) NotWithin(ctx context.Context, message string, match Match, window time.Duration) error {
	if s.msg == nil {
		return <-s.pressed
	}
	m, ok := s.b.DB.Message(message)
	if !ok {
		_, _, err := s.b.DB.Lookup(message, "x")
		return err
	}
	waitCtx, cancel := context.WithTimeout(ctx, window+2*time.Second)
	defer cancel()
	stim, seq, err := s.stimulus(waitCtx)
	if err != nil {
		return fmt.Errorf("%w: it never reached the bus", err)
	}
	var values []candb.Value
	for {
		f, next, err := s.b.rec.next(waitCtx, seq)
		if err != nil || f.Time.Sub(stim.Time) > window {
			<-s.pressed
			return nil
		}
		seq = next
		if f.Own || f.ID != m.ID || f.Extended != m.Extended {
			continue
		}
		values = m.Decode(f.Payload(), values[:0])
		fr := Frame{Received: f, Message: m, Values: values}
		if match(fr) {
			<-s.pressed
			return fmt.Errorf("%s reacted %v after the stimulus, within the %v it must not: %s", message, f.Time.Sub(stim.Time).Round(time.Microsecond), window, describe(fr))
		}
	}
}
