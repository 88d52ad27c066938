package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/e2e"
	"github.com/cockpit-hil/hil/dbc/ref"
)

// Violation is one breach of a continuous check.
type Violation struct {
	Time  time.Time
	Check string // heartbeat, cycle, error-frame, unknown-id, dlc
	What  string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s %s: %s", v.Time.Format("15:04:05.000000"), v.Check, v.What)
}

// Watcher runs the continuous checks over every frame, as CANoe's test
// service library does, until stopped.
type Watcher struct {
	b      *Bench
	cancel context.CancelFunc
	done   chan struct{}
	cur    *cursor // the watcher goroutine's, then Stop's for the last frames

	mu         sync.Mutex
	violations []Violation
	cyclic     []*watched
	busTime    time.Time // the newest frame's timestamp the checks have seen
	running    running
}

// running follows the profile's dut.running condition: while it does not
// hold (standby), only the message that carries it must keep its cycle.
type running struct {
	m   *candb.Message // nil: no condition, every message always
	sig *candb.Signal
	raw uint64
	now bool
}

func (b *Bench) runningCondition() (running, error) {
	r := running{now: true}
	if b.Profile.DUT.Running == "" {
		return r, nil
	}
	m, sig, err := b.lookup(b.Profile.DUT.Running)
	if err != nil {
		return r, fmt.Errorf("profile dut.running: %w", err)
	}
	_, _, val, _ := candb.ParseAssignment(b.Profile.DUT.Running)
	raw, err := sig.Encode(val)
	if err != nil {
		return r, fmt.Errorf("profile dut.running: %w", err)
	}
	r.m, r.sig, r.raw = m, sig, raw
	if f, ok := b.Latest(ref.Message(m.Name)); ok {
		r.now = sig.Raw(f.Payload()) == raw
	}
	return r, nil
}

// required reports whether a message must keep its cycle now.
func (r *running) required(m *candb.Message) bool { return r.m == nil || r.now || m == r.m }

// watched is one cyclic message of the DUT under the silence check.
type watched struct {
	m      *candb.Message
	last   time.Time
	silent bool
	e2e    *e2e.Checker // the message's protection, nil when it has none
}

// Watch starts the continuous checks from now: each cyclic message the DUT
// sends must not go silent for more than 3 periods, and the bus must carry
// no error frames, no unknown IDs and no frames whose length differs from
// their message's. The checks run on every frame, on a 20 ms tick, once
// more when a wait of the bench's ends, and a last time at Stop, so a spec
// shorter than a tick is judged too.
func (b *Bench) Watch(ctx context.Context) *Watcher {
	ctx, cancel := context.WithCancel(ctx)
	w := &Watcher{b: b, cancel: cancel, done: make(chan struct{})}
	start := time.Now()
	for _, m := range b.DB.Messages {
		if slices.Contains(m.Senders, b.Profile.DUT.Node) && m.CycleTime > 0 {
			// Silence counts from the message's last frame, so a message
			// that stopped before the checks began is caught at once.
			last := start
			if f, ok := b.Latest(ref.Message(m.Name)); ok {
				last = f.Time
			}
			c := &watched{m: m, last: last}
			if l, ok := b.Protection[m.Name]; ok && l.Protected() {
				c.e2e = e2e.NewChecker(l)
			}
			w.cyclic = append(w.cyclic, c)
		}
	}
	var err error
	if w.running, err = b.runningCondition(); err != nil {
		// The profile names a signal the DBC lacks: say so as a violation.
		w.add(start, "profile", "%v", err)
	}
	w.cur = b.rec.follow(ctx, b.rec.end())
	b.watch.Store(w)
	go w.run(ctx)
	return w
}

func (w *Watcher) add(t time.Time, check, format string, a ...any) {
	w.violations = append(w.violations, Violation{Time: t, Check: check, What: fmt.Sprintf(format, a...)})
}

// overran notes frames the checks could not read, which they cannot vouch
// for, as a violation of their own, and reports whether err was that.
func (w *Watcher) overran(err error) bool {
	var o *OverrunError
	if !errors.As(err, &o) {
		return false
	}
	w.mu.Lock()
	w.add(time.Now(), "observer", "%v", o)
	w.mu.Unlock()
	return true
}

// observerLag is how far the checks' view of the bus may fall behind the
// wall clock before silence is judged on the wall clock: until then it is
// judged on the bus's own timestamps, so an observer that a busy host
// delays never makes a DUT message look silent.
const observerLag = time.Second

func (w *Watcher) run(ctx context.Context) {
	defer close(w.done)
	// The silence checks run on every tick of the recorder as well as on
	// frames, so a silent bus is noticed too.
	const tick = 20 * time.Millisecond
	ticking := make(chan struct{})
	defer func() { <-ticking }()
	go func() {
		defer close(ticking)
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				w.b.rec.tick()
			}
		}
	}()
	for {
		f, ticked, err := w.cur.nextOrTick()
		if w.overran(err) {
			continue
		}
		if err != nil {
			return
		}
		if ticked {
			w.check(time.Now())
		} else {
			w.frame(f)
		}
	}
}

// frame runs the per-frame checks and notes the frame's message as alive.
func (w *Watcher) frame(f *canbus.Received) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inspect(f)
	if f.Time.After(w.busTime) {
		w.busTime = f.Time
	}
	for _, c := range w.cyclic {
		if f.ID == c.m.ID && f.Extended == c.m.Extended && !f.Error {
			c.last, c.silent = f.Time, false
			if c.e2e == nil || int(f.Len) < c.m.Length {
				continue
			}
			// A receiver of the DUT's frame would drop it: so does the check.
			var ce *e2e.CheckError
			if err := c.e2e.Accept(f.Payload()); errors.As(err, &ce) {
				w.add(f.Time, "e2e", "%s %s breaks its E2E protection (%s): %s", c.m.Name, f.Frame.String(), c.e2e.Scheme(), ce.Reason())
			}
		}
	}
	if r := &w.running; r.m != nil && f.ID == r.m.ID && f.Extended == r.m.Extended && !f.Error && int(f.Len) >= r.m.Length {
		now := r.sig.Raw(f.Payload()) == r.raw
		if now && !r.now {
			// Running again: the other messages' silence counts from here.
			for _, c := range w.cyclic {
				if c.m != r.m && c.last.Before(f.Time) {
					c.last, c.silent = f.Time, false
				}
			}
		}
		r.now = now
	}
}

// check runs the silence checks as of the bus time the checks have seen,
// or wall-clock now less observerLag when that is later.
func (w *Watcher) check(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	ref := w.busTime
	if lagging := now.Add(-observerLag); lagging.After(ref) {
		ref = lagging
	}
	for _, c := range w.cyclic {
		if !c.silent && w.running.required(c.m) && ref.Sub(c.last) > 3*c.m.CycleTime {
			c.silent = true
			check := "cycle"
			if strings.Contains(c.m.Name, "Heartbeat") {
				check = "heartbeat"
			}
			w.add(ref, check, "%s silent for %v, more than 3 periods of %v (last frame at %s)",
				c.m.Name, ref.Sub(c.last).Round(time.Millisecond), c.m.CycleTime, c.last.Format("15:04:05.000000"))
		}
	}
}

func (w *Watcher) inspect(f *canbus.Received) {
	if f.Error {
		if info, ok := canbus.DecodeError(&f.Frame); ok {
			w.add(f.Time, "error-frame", "%s on %s", info, f.Interface)
		}
		return
	}
	m, ok := w.b.DB.MessageByID(f.ID, f.Extended)
	switch {
	case !ok:
		w.add(f.Time, "unknown-id", "%s on %s is in no message of %s", f.Frame.String(), f.Interface, w.b.DB.File)
	case int(f.Len) != m.Length && !f.Remote:
		w.add(f.Time, "dlc", "%s is %d bytes, %s has %d", f.Frame.String(), f.Len, m.Name, m.Length)
	}
}

// Violations returns what the checks found so far.
func (w *Watcher) Violations() []Violation {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.violations)
}

// Stop ends the checks, after a last look at the bus up to now, and
// returns an error listing every violation.
func (w *Watcher) Stop() error {
	w.cancel()
	<-w.done
	w.b.syncObserver(100 * time.Millisecond) // the frames sent until now, judged too
	for {
		// The cursor's context has ended: it returns what is recorded, then the error.
		f, ticked, err := w.cur.nextOrTick()
		if w.overran(err) {
			continue
		}
		if err != nil {
			break
		}
		if !ticked {
			w.frame(f)
		}
	}
	w.cur.close()
	w.check(time.Now())
	w.b.watch.CompareAndSwap(w, nil)
	vs := w.Violations()
	if len(vs) == 0 {
		return nil
	}
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.String()
	}
	return fmt.Errorf("continuous checks failed:\n  %s", strings.Join(lines, "\n  "))
}

// violation is the first violation of the bench's running watcher, if any,
// so a wait in progress can end with it rather than with a timeout.
func (b *Bench) violation() *Violation {
	w := b.watch.Load()
	if w == nil {
		return nil
	}
	return w.first()
}

// settle runs the silence checks once more as of now, when a wait ends,
// and returns the first violation, if any.
func (b *Bench) settle() *Violation {
	w := b.watch.Load()
	if w == nil {
		return nil
	}
	w.check(time.Now())
	return w.first()
}

func (w *Watcher) first() *Violation {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.violations) == 0 {
		return nil
	}
	v := w.violations[0]
	return &v
}

// Violation is the first breach the running continuous checks found, as an
// error, or nil: a wait of the test's own (Eventually) can end with it.
func (b *Bench) Violation() error {
	if v := b.violation(); v != nil {
		return fmt.Errorf("a continuous check failed: %v", v)
	}
	return nil
}
