package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/ref"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/probe"
	"go.einride.tech/can"
)

// Stimulus is something the bench did to the DUT: a press, a change of
// vehicle state, a one-off frame, a replayed trace or a control action. Its
// time zero is the bus timestamp of the first frame that carried it, or, for
// a control action that has no frame, the moment it was issued.
type Stimulus struct {
	b       *Bench
	ctx     context.Context
	what    string
	from    int64  // recorder position when the stimulus began
	dropped uint64 // observer drops when it began
	// carried recognises the frame that carries the stimulus; nil means the
	// stimulus has no frame and issued is its time zero.
	carried func(*canbus.Received) bool
	issued  canbus.Received
	// began is when the bench gave the stimulus; due is how long after
	// that its frame may come on a bench that keeps its timing (a signal
	// change goes out with the message's next cycle), negative when that
	// is not the bench's to say (a trace plays at its own times).
	began time.Time
	due   time.Duration

	done    chan error // the action's end (a press's release)
	once    sync.Once
	doneErr error
	// answers returns what the DUT replied to a control line with an
	// error ({"error": "..."} on its event stream), for a failure message.
	answers func() []string
}

func (b *Bench) stimulus(ctx context.Context, what string) *Stimulus {
	return &Stimulus{b: b, ctx: ctx, what: what, from: b.rec.end(), dropped: b.Dropped(), done: make(chan error, 1), began: time.Now(), due: -1}
}

// failed is a stimulus that could not be given.
func (s *Stimulus) failed(err error) *Stimulus {
	s.done <- err
	return s
}

// Err waits until the stimulus has been given (a press released, a trace
// played) and says whether that failed.
func (s *Stimulus) Err() error {
	s.once.Do(func() { s.doneErr = <-s.done })
	return s.doneErr
}

func (s *Stimulus) String() string { return s.what }

// Press presses MESSAGE.SIGNAL as the steering-wheel controller does (the
// bit set for three cycles, then released) and returns at once:
// bench.Press(ctx, ivi.SWC_Buttons.NextBtn), or "SWC_Buttons.NextBtn".
func (b *Bench) Press(ctx context.Context, signal ref.Signal) *Stimulus {
	return b.Hold(ctx, signal, 0)
}

// Hold holds MESSAGE.SIGNAL down for d (three cycles when d is 0), then
// releases it; it returns at once.
func (b *Bench) Hold(ctx context.Context, button ref.Signal, d time.Duration) *Stimulus {
	signal := string(button)
	s := b.stimulus(ctx, "the press of "+signal)
	if d > 0 {
		s.what = fmt.Sprintf("holding %s for %v", signal, d)
	}
	m, sig, err := b.lookup(signal + "=1")
	if err != nil {
		return s.failed(err)
	}
	s.carried = func(f *canbus.Received) bool { return isMessage(f, m) && sig.Raw(f.Payload()) == 1 }
	s.due = m.CycleTime
	go func() {
		err := b.rest.Press(ctx, signal, d)
		if err == nil {
			b.noteHold(s, m, sig, d)
		}
		s.done <- err
	}()
	return s
}

// Change sets vehicle state (MESSAGE.SIGNAL=VALUE...) through the rest-bus;
// its time zero is the first frame that carries every new value of its
// message: bench.Change(ctx, ivi.TCU_Gear.Gear.Is("R")), or "TCU_Gear.Gear=R".
func (b *Bench) Change(ctx context.Context, changes ...ref.Assignment) *Stimulus {
	assignments := names(changes)
	s := b.stimulus(ctx, "setting "+strings.Join(assignments, ", "))
	type want struct {
		sig *candb.Signal
		raw uint64
	}
	var m *candb.Message
	var wants []want
	for _, a := range assignments {
		am, sig, err := b.lookup(a)
		if err != nil {
			return s.failed(err)
		}
		if m != nil && am != m {
			return s.failed(fmt.Errorf("%s: one stimulus changes one message (%s), not %s too", a, m.Name, am.Name))
		}
		_, _, val, _ := candb.ParseAssignment(a)
		raw, err := sig.Encode(val)
		if err != nil {
			return s.failed(err)
		}
		m = am
		wants = append(wants, want{sig, raw})
	}
	if m == nil {
		return s.failed(fmt.Errorf("change: no assignment"))
	}
	s.due = m.CycleTime
	s.carried = func(f *canbus.Received) bool {
		if !isMessage(f, m) {
			return false
		}
		for _, w := range wants {
			if w.sig.Raw(f.Payload()) != w.raw {
				return false
			}
		}
		return true
	}
	s.done <- b.rest.Set(assignments...)
	return s
}

// Set changes vehicle state through the rest-bus: MESSAGE.SIGNAL=VALUE.
// The next cycle of each message carries it.
func (b *Bench) Set(assignments ...ref.Assignment) error { return b.rest.Set(names(assignments)...) }

// names are references as the strings the rest-bus and the DBC take.
func names[T ~string](refs []T) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = string(r)
	}
	return out
}

// Message is a generated codec that encodes itself (dbc/infotainmentcan).
type Message interface {
	Codec
	MarshalFrame() (can.Frame, error)
}

// SetMessage sets every signal of a rest-bus message from a generated
// codec, typed: bench.SetMessage(ivi.NewESP_VehicleSpeed().SetVehicleSpeed(42.5)).
// The rest-bus keeps filling in the counter and CRC.
func (b *Bench) SetMessage(m Message) error {
	f, err := m.MarshalFrame()
	if err != nil {
		return fmt.Errorf("set %s: %w", m.Descriptor().Name, err)
	}
	return b.rest.SetPayload(m.Descriptor().Name, f.Data[:f.Length])
}

// Send sends one frame in cansend syntax, a one-off stimulus.
func (b *Bench) Send(ctx context.Context, frame string) *Stimulus {
	s := b.stimulus(ctx, "the frame "+frame)
	f, err := canbus.ParseFrame(frame)
	if err != nil {
		return s.failed(err)
	}
	s.carried = func(r *canbus.Received) bool {
		return r.ID == f.ID && r.Extended == f.Extended && r.Len == f.Len && r.Data == f.Data
	}
	s.due = 0
	s.done <- b.restBus.Send(ctx, f)
	return s
}

// Control carries out an action that no CAN frame causes (an incoming call,
// an incoming message): a bench DUT runs the profile's argv for it, with
// ${KEY} replaced by the KEY=VALUE params; a simulator or process DUT gets
// it as a control line on its event stream. Its time zero is the moment it
// was issued, on the user-space clock, and its samples say so.
func (b *Bench) Control(ctx context.Context, action string, params ...string) *Stimulus {
	s := b.stimulus(ctx, "the control "+strings.Join(append([]string{action}, params...), " "))
	kv := map[string]string{}
	for _, p := range params {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return s.failed(fmt.Errorf("control %s: parameter %q is not KEY=VALUE", action, p))
		}
		kv[k] = v
	}
	s.issued = canbus.Received{Time: time.Now(), Source: canbus.SourceUser, Interface: "control"}
	if argv, ok := b.Profile.DUT.Controls[action]; ok {
		args := make([]string, len(argv))
		for i, a := range argv {
			args[i] = b.expand(a)
			for k, v := range kv {
				args[i] = strings.ReplaceAll(args[i], "${"+k+"}", v)
			}
		}
		s.issued.Time = time.Now()
		out, err := exec.CommandContext(ctx, args[0], args[1:]...).CombinedOutput()
		if err != nil {
			err = fmt.Errorf("control %s: %q: %w: %s", action, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
		s.done <- err
		return s
	}
	if b.control == nil {
		return s.failed(fmt.Errorf("control %s: the DUT has no event stream and the profile no dut.controls.%s command", action, action))
	}
	cmd := map[string]any{"cmd": action}
	for k, v := range kv {
		if n, err := strconv.ParseFloat(v, 64); err == nil {
			cmd[k] = n
		} else {
			cmd[k] = v
		}
	}
	line, _ := json.Marshal(cmd)
	ctl, mark := b.control, b.control.Mark()
	s.answers = func() []string {
		var out []string
		for _, o := range ctl.From(mark) {
			if e, ok := o.Fields["error"]; ok {
				out = append(out, fmt.Sprint(e))
			}
		}
		return out
	}
	s.issued.Time = time.Now()
	s.done <- b.control.Send(string(line))
	return s
}

func (b *Bench) lookup(assignment string) (*candb.Message, *candb.Signal, error) {
	msg, sig, _, err := candb.ParseAssignment(assignment)
	if err != nil {
		return nil, nil, err
	}
	return b.DB.Lookup(msg, sig)
}

func isMessage(f *canbus.Received, m *candb.Message) bool {
	return !f.Own && !f.Error && f.ID == m.ID && f.Extended == m.Extended
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
	return latency.Sample{Latency: r.Latency, StimulusSource: r.Stimulus.Source.String(), ReactionSource: r.Reaction.Source.String(), Dropped: r.Dropped, At: r.Stimulus.Time}
}

// zero finds the stimulus's time zero and returns a cursor just after it;
// the caller closes the cursor.
func (s *Stimulus) zero(ctx context.Context) (canbus.Received, *cursor, error) {
	c := s.b.rec.follow(ctx, s.from)
	if s.carried == nil {
		if err := s.Err(); err != nil {
			c.close()
			return s.issued, nil, err
		}
		return s.issued, c, nil
	}
	for {
		f, err := c.next()
		if err != nil {
			c.close()
			if derr := s.Err(); derr != nil {
				err = derr
			}
			return canbus.Received{}, nil, fmt.Errorf("%s never reached the bus: %w", s.what, err)
		}
		if s.carried(f) {
			if s.due >= 0 && f.Source != canbus.SourceHardware {
				s.b.self.stimulus(f.Time, f.Time.Sub(s.began)-s.due, "putting "+s.what+" on the bus")
			}
			return *f, c, nil
		}
	}
}

// Start waits up to within for the stimulus's time zero (the bus frame
// that first carried it) and returns that frame.
func (s *Stimulus) Start(ctx context.Context, within time.Duration) (canbus.Received, error) {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	f, c, err := s.zero(ctx)
	if err != nil {
		return f, err
	}
	c.close()
	return f, nil
}

// Until waits up to within for the first frame after the stimulus that
// meets the expectation, and measures from the stimulus to it on the bus
// timestamps. When none comes, the error shows the last frames of the
// message ("Got stuck at") and what was expected ("Waiting for").
func (s *Stimulus) Until(ctx context.Context, exp Expectation, within time.Duration) Reaction {
	var r Reaction
	m, err := exp.resolve(s.b.DB)
	if err != nil {
		r.Err = err
		s.Err()
		return r
	}
	// The window is judged on the bus's timestamps: the wait ends at the
	// first frame past it, so an observer that a busy host delays reads
	// on to the reaction that came in time. The wall clock ends it only
	// on a bus that shows nothing, observerLag after the window.
	ctx, cancel := context.WithTimeout(ctx, within+observerLag)
	defer cancel()
	stim, c, err := s.zero(ctx)
	if err != nil {
		r.Err = fmt.Errorf("waited %v: %w", within, err)
		return r
	}
	defer c.close()
	r.Stimulus = stim
	var stuck stuckAt
	var last any
	for {
		f, err := c.next()
		if err == nil && f.Time.Sub(stim.Time) > within {
			err = errPastWindow
		}
		if err != nil {
			s.Err()
			r.Err = &NoReaction{Stimulus: s.what, At: stim, Within: within, Expected: exp, Stuck: stuck.lines(), Waiting: exp.waitingFor(last), cause: err}
			if s.answers != nil {
				r.Err.(*NoReaction).Answers = s.answers()
			}
			return r
		}
		if v := s.b.violation(); v != nil {
			s.Err()
			r.Err = fmt.Errorf("waiting for %s after %s: a continuous check failed: %v", exp, s.what, v)
			return r
		}
		if !isMessage(f, m) || int(f.Len) < m.Length {
			continue
		}
		actual := exp.actual(f, m)
		last = actual
		stuck.add(f.Time.Sub(stim.Time), f, m)
		if ok, _ := exp.matcher.Match(actual); ok {
			r.Reaction = *f
			r.Latency = f.Time.Sub(stim.Time)
			r.Dropped = s.b.Dropped() - s.dropped
			if err := s.Err(); err != nil {
				r.Err = err
			} else if v := s.b.settle(); v != nil {
				r.Err = fmt.Errorf("%s came after %s, but a continuous check failed: %v", exp, s.what, v)
			}
			return r
		}
	}
}

// errPastWindow ends a wait at the bus's first frame past its window.
var errPastWindow = errors.New("the bus went past the window")

// NoReaction is the error of a reaction that did not come in time.
type NoReaction struct {
	Stimulus string
	At       canbus.Received
	Within   time.Duration
	Expected Expectation
	Stuck    []string // the last frames of the expected message, decoded
	Waiting  string
	Answers  []string // the DUT's error replies to a control line
	cause    error
}

func (e *NoReaction) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no reaction within %v of %s (stimulus frame at %s, %s clock)\n", e.Within, e.Stimulus, e.At.Time.Format("15:04:05.000000"), e.At.Source)
	b.WriteString("Got stuck at:\n")
	if len(e.Stuck) == 0 {
		fmt.Fprintf(&b, "    no %s frame after the stimulus\n", e.Expected.message)
	}
	for _, l := range e.Stuck {
		b.WriteString("    " + l + "\n")
	}
	b.WriteString("Waiting for:\n    " + strings.ReplaceAll(e.Waiting, "\n", "\n    "))
	for _, a := range e.Answers {
		b.WriteString("\nThe DUT answered the control: " + a)
	}
	return b.String()
}

func (e *NoReaction) Unwrap() error { return e.cause }

// stuckAt keeps the last few frames a waiter saw, decoded only when the
// wait fails: describing every frame would cost more than matching it.
type stuckAt struct {
	seen [stuckLines]struct {
		after time.Duration
		f     canbus.Received
		m     *candb.Message
	}
	n int
}

const stuckLines = 3

func (s *stuckAt) add(after time.Duration, f *canbus.Received, m *candb.Message) {
	e := &s.seen[s.n%stuckLines]
	e.after, e.f, e.m = after, *f, m
	s.n++
}

func (s *stuckAt) lines() []string {
	var out []string
	for i := max(0, s.n-stuckLines); i < s.n; i++ {
		e := &s.seen[i%stuckLines]
		out = append(out, fmt.Sprintf("%+9.3fms %s", float64(e.after)/float64(time.Millisecond), describeFrame(&e.f, e.m)))
	}
	return out
}

func describeFrame(f *canbus.Received, m *candb.Message) string {
	return describe(Frame{Received: *f, Message: m, Values: m.Decode(f.Payload(), nil)})
}

func describe(f Frame) string {
	var b strings.Builder
	b.WriteString(f.Message.Name + "(")
	for i, v := range f.Values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(v.Signal.Name + ": " + v.Format())
	}
	b.WriteString(")")
	return b.String()
}

// UntilEvent waits for the first observation of a probe, after the stimulus,
// that satisfies match, and measures from the stimulus to the observation's
// arrival (user-space clock: an event line carries no kernel timestamp, and
// the sources in the sample say so).
func (s *Stimulus) UntilEvent(ctx context.Context, p *probe.Probe, match func(probe.Observation) bool, within time.Duration) Reaction {
	var r Reaction
	mark := p.Mark()
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	stim, c, err := s.zero(ctx)
	if err != nil {
		r.Err = fmt.Errorf("waited %v: %w", within, err)
		return r
	}
	c.close()
	r.Stimulus = stim
	o, err := p.Await(ctx, mark, match)
	if err != nil {
		s.Err()
		r.Err = fmt.Errorf("no reaction within %v of %s: %w", within, s.what, err)
		return r
	}
	r.Reaction = canbus.Received{Time: o.Time, Source: canbus.SourceUser, Interface: p.Name}
	r.Latency = o.Time.Sub(r.Stimulus.Time)
	r.Dropped = s.b.Dropped() - s.dropped
	if err := s.Err(); err != nil {
		r.Err = err
	}
	return r
}

// NotWithin checks that no frame meeting the expectation follows the
// stimulus within window: a reaction that must not happen (a dropped press,
// a locked feature). The error names the frame that did.
func (s *Stimulus) NotWithin(ctx context.Context, exp Expectation, window time.Duration) error {
	m, err := exp.resolve(s.b.DB)
	if err != nil {
		s.Err()
		return err
	}
	waitCtx, cancel := context.WithTimeout(ctx, window+2*time.Second)
	defer cancel()
	stim, c, err := s.zero(waitCtx)
	if err != nil {
		return err
	}
	defer c.close()
	for {
		f, err := c.next()
		if err != nil {
			// No frame past the window: nothing proves the window quiet.
			s.Err()
			return fmt.Errorf("watching %v after %s for %s: the bus showed no frame past the window: %w", window, s.what, exp, err)
		}
		if f.Time.Sub(stim.Time) > window {
			if err := s.Err(); err != nil {
				return err
			}
			if v := s.b.settle(); v != nil {
				return fmt.Errorf("no %s within %v of %s, but a continuous check failed: %v", exp, window, s.what, v)
			}
			return nil
		}
		if !isMessage(f, m) || int(f.Len) < m.Length {
			continue
		}
		if ok, _ := exp.matcher.Match(exp.actual(f, m)); ok {
			s.Err()
			return fmt.Errorf("%s reacted %v after %s, within the %v it must not: %s",
				m.Name, f.Time.Sub(stim.Time).Round(time.Microsecond), s.what, window, describeFrame(f, m))
		}
	}
}
