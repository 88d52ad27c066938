package harness

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/restbus"
)

// The bench watches its own timing, so that a host too busy to run it is
// never taken for a slow DUT. It knows when it was late in three ways:
//
//   - its rest-bus frames against their cycle: the gap between two frames
//     of a played message, on the bus's timestamps, less the cycle time;
//   - its observer against the bus: when the recorder got a frame, less
//     the frame's timestamp (both on the system clock);
//   - its stimuli: a press that reached the bus later than the next cycle,
//     or was held longer than asked (a late release makes a short press a
//     long one).
//
// Each time it is late by more than lateFloor it notes when and why; a
// sample or a failure judged while it was late by more than a tenth of the
// budget at stake is the bench's, not the DUT's (see Bench.Sample and
// Bench.Judge, which the suite kit's fail handler asks).

// lateFloor is the lateness below which the bench takes no note: the
// scheduling jitter of a quiet host, far below any budget.
const lateFloor = time.Millisecond

// lateShare is the share of a budget by which the bench may be late
// before a sample or a failure is no longer the DUT's alone.
const lateShare = 10

// Lateness is how late the bench itself was, at its worst, over a stretch
// of a session, and in what.
type Lateness struct {
	Worst time.Duration
	At    time.Time
	What  string // "its ESP_VehicleSpeed frames against their 20ms cycle"
}

// Late reports whether the bench was late at all (beyond lateFloor).
func (l Lateness) Late() bool { return l.Worst > 0 }

func (l Lateness) String() string {
	if !l.Late() {
		return "the bench kept its timing"
	}
	return fmt.Sprintf("the bench was %v late in %s: the host is overloaded", l.Worst.Round(100*time.Microsecond), l.What)
}

type lateEvent struct {
	at   time.Time
	late time.Duration
	what func() string // formatted only when reported
}

// lateRing is how many notes of lateness the bench keeps: far more than a
// spec makes on a busy host, which is a few per second.
const lateRing = 4096

type playedMsg struct {
	m         *candb.Message
	last      time.Time // the latest frame's timestamp
	restarted time.Time // when it was last silenced or resumed
	silenced  bool      // frames now are someone else's (a replay, a forged frame)
}

// selfTiming keeps the bench's notes of its own lateness.
type selfTiming struct {
	mu     sync.Mutex
	played map[uint32]*playedMsg // by ID, extended IDs with bit 31 set
	notes  [lateRing]lateEvent
	n      int    // notes taken, the newest at notes[(n-1)%lateRing]
	lost   uint64 // the observer's drop count at the latest frame
}

func frameKey(id uint32, extended bool) uint32 {
	if extended {
		return id | 1<<31
	}
	return id
}

// play tells the watch which messages the rest-bus plays.
func (t *selfTiming) play(ms []*candb.Message) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.played = map[uint32]*playedMsg{}
	for _, m := range ms {
		t.played[frameKey(m.ID, m.Extended)] = &playedMsg{m: m}
	}
}

// restart notes that a played message was silenced or resumed at now: the
// gap across it is not lateness, nor are the gaps between the frames that
// others send in its place while it is silenced.
func (t *selfTiming) restart(m *candb.Message, now time.Time, silenced bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p := t.played[frameKey(m.ID, m.Extended)]; p != nil {
		p.restarted, p.silenced = now, silenced
	}
}

// frame takes note of one recorded frame, read at arrived, when the
// observer had lost dropped frames in all.
func (t *selfTiming) frame(f *canbus.Received, arrived time.Time, dropped uint64) {
	if f.Source == canbus.SourceHardware {
		return // the adapter's clock is not the system's
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if dropped != t.lost {
		// The frames lost leave gaps that are not the rest-bus's: judge
		// its cycles again from the next frames on. (The loss itself
		// makes a sample the bench's, see Bench.Sample.)
		t.lost = dropped
		for _, p := range t.played {
			p.last = time.Time{}
		}
	}
	if lag := arrived.Sub(f.Time); lag > lateFloor {
		t.note(arrived, lag, func() string { return "its observer, which read the bus's frames late" })
	}
	if f.Error || f.Remote {
		return
	}
	p := t.played[frameKey(f.ID, f.Extended)]
	if p == nil {
		return
	}
	if !p.silenced && !p.last.IsZero() && p.last.After(p.restarted) {
		if late := f.Time.Sub(p.last) - p.m.CycleTime; late > lateFloor {
			m := p.m
			t.note(f.Time, late, func() string {
				return fmt.Sprintf("its %s frames against their %v cycle", m.Name, m.CycleTime)
			})
		}
	}
	p.last = f.Time
}

// stimulus notes a stimulus of the bench that was late.
func (t *selfTiming) stimulus(at time.Time, late time.Duration, what string) {
	if late <= lateFloor {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.note(at, late, func() string { return what })
}

func (t *selfTiming) note(at time.Time, late time.Duration, what func() string) {
	t.notes[t.n%lateRing] = lateEvent{at: at, late: late, what: what}
	t.n++
}

// since is the bench's worst lateness noted at or after from, and as of
// now: a played message whose next frame is already overdue is late too,
// though the gap shows only when that frame comes (a host that stalled
// the bench until just now).
func (t *selfTiming) since(from, now time.Time) Lateness {
	t.mu.Lock()
	defer t.mu.Unlock()
	var overdue Lateness
	for _, p := range t.played {
		if p.silenced || p.last.IsZero() || !p.last.After(p.restarted) {
			continue
		}
		if late := now.Sub(p.last) - p.m.CycleTime; late > lateFloor && late > overdue.Worst {
			overdue = Lateness{Worst: late, At: now, What: fmt.Sprintf("its %s frames against their %v cycle (the next one overdue)", p.m.Name, p.m.CycleTime)}
		}
	}
	var worst *lateEvent
	for i := t.n - 1; i >= max(0, t.n-lateRing); i-- {
		e := &t.notes[i%lateRing]
		// Notes are taken in the order frames arrive, which a late
		// observer may make a little out of time order: look back past
		// from by a second before stopping.
		if e.at.Before(from.Add(-observerLag)) {
			break
		}
		if !e.at.Before(from) && (worst == nil || e.late > worst.late) {
			worst = e
		}
	}
	if worst == nil || overdue.Worst > worst.late {
		return overdue
	}
	return Lateness{Worst: worst.late, At: worst.at, What: worst.what()}
}

// LateSince is how late the bench itself was, at its worst, from a moment
// on, as far as its observer has read the bus: what a sample or a failure
// since then may owe to the host.
func (b *Bench) LateSince(from time.Time) Lateness { return b.self.since(from, time.Now()) }

// LateLimit is how late the bench may be while it judges key: a tenth of
// the key's max budget (the smallest budget of the file for a key without
// one, or "").
func (b *Bench) LateLimit(keys ...string) time.Duration {
	var limit time.Duration
	for _, k := range keys {
		if bu, ok := b.Budgets[k]; ok && (limit == 0 || bu.Max < limit) {
			limit = bu.Max
		}
	}
	if limit == 0 {
		for _, bu := range b.Budgets {
			if limit == 0 || bu.Max < limit {
				limit = bu.Max
			}
		}
	}
	return limit / lateShare
}

// syncObserver lets the recorder catch up with the bus as of now, for at
// most d: a frame sent until now is seen within microseconds on a quiet
// host, and the rest-bus puts one on the bus at least every cycle.
func (b *Bench) syncObserver(d time.Duration) {
	ctx, cancel := context.WithTimeout(b.runCtx, d)
	defer cancel()
	b.rec.sync(ctx, time.Now())
}

// noteSureFailure marks the running spec as failed by the DUT whatever
// the host did (a sure budget breach).
func (b *Bench) noteSureFailure(why string) {
	if spec := b.spec.Load(); spec != nil {
		spec.sure.CompareAndSwap(nil, &why)
	}
}

// noteHold notes a press that the bench held longer than asked (d, or
// restbus.DefaultPressCycles cycles), on the bus's timestamps: from its
// first frame with the signal set to the first with it released, which
// may each come up to a cycle after the bench set them.
func (b *Bench) noteHold(s *Stimulus, m *candb.Message, sig *candb.Signal, d time.Duration) {
	if d <= 0 {
		d = restbus.DefaultPressCycles * m.CycleTime
	}
	b.syncObserver(observerLag)
	var pressed time.Time
	for _, f := range b.rec.from(s.from) {
		if !isMessage(&f, m) || f.Source == canbus.SourceHardware {
			continue
		}
		switch down := sig.Raw(f.Payload()) == 1; {
		case down && pressed.IsZero():
			pressed = f.Time
		case !down && !pressed.IsZero():
			held := f.Time.Sub(pressed)
			b.self.stimulus(f.Time, held-d-m.CycleTime, fmt.Sprintf("releasing %s (held %v of %v)", sig.Name, held.Round(time.Millisecond), d))
			return
		}
	}
}

// Inconclusive is the error of a judgement the bench could not make
// because it was itself late, or its observer lost frames: never the
// DUT's failure.
type Inconclusive struct {
	What  string // what could not be judged ("" for the running spec)
	Late  Lateness
	Limit time.Duration // how late the bench could have been
	Lost  uint64        // frames its observer lost instead
}

func (e *Inconclusive) Error() string {
	if e.What == "" {
		return latency.InconclusivePrefix + e.cause()
	}
	return latency.InconclusivePrefix + e.What + ": " + e.cause()
}

func (e *Inconclusive) cause() string {
	var causes []string
	if e.Late.Worst > e.Limit {
		causes = append(causes, fmt.Sprintf("%s, more than the %v it may be (a tenth of the budget)", e.Late, e.Limit))
	}
	if e.Lost > 0 {
		causes = append(causes, fmt.Sprintf("the bench's observer lost %d frames (its receive queue overflowed): the host is overloaded", e.Lost))
	}
	return strings.Join(causes, "; ")
}

// Judge says whose a failure of the running spec (BeginSpec) would be, now: an
// *Inconclusive when the bench itself was later during the spec than
// LateLimit of the keys the spec covers, nil when it would be the DUT's:
// also when a sample of the spec missed its max budget by more than the
// bench was late as it was taken.
func (b *Bench) Judge() error {
	if e := b.inconclusive(); e != nil {
		return e
	}
	return nil
}

func (b *Bench) inconclusive() *Inconclusive {
	spec := b.spec.Load()
	if spec == nil {
		return nil // not in a guarded spec
	}
	if spec.sure.Load() != nil {
		return nil // the spec has failed by more than the bench was late
	}
	began, limit := spec.began, b.LateLimit(spec.keys...)
	// The frames that show a stall come after it: let the observer read
	// up to now.
	b.syncObserver(observerLag)
	if late := b.LateSince(began); late.Worst > limit {
		return &Inconclusive{Late: late, Limit: limit}
	}
	return nil
}
