// Package headunit is the reference head unit: a device under test that
// behaves like an infotainment head unit's messaging, music and navigation
// services on the bus (docs/design.md section 4). It decodes its inputs with the
// generated codecs, refuses frames whose CRC is wrong or whose counter did not
// advance, falls back safely when an input stops, boots and shuts down with
// the power mode, and sends IVI_MediaStatus, IVI_MessagingStatus and
// IVI_NavStatus every 100 ms and at once on change, and IVI_Heartbeat every
// 100 ms. Its reaction latencies and faults are settings, so a harness can be
// shown to fail when a budget is missed.
package headunit

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc/e2e"
	ic "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"go.einride.tech/can/pkg/generated"
)

// ErrCrash is returned by Run when the crash fault fires.
var ErrCrash = errors.New("simulated crash (fault sim=crash-after)")

// Event is one thing a service did, as the event stream reports it.
type Event struct {
	Time    time.Time
	Service string // messaging, music, navigation, vehicle
	Event   string // track_changed, call_state, ...
	Fields  map[string]any
}

// Option configures a Unit.
type Option func(*Unit)

// WithEvents calls fn, from the unit's own goroutine, for every event.
func WithEvents(fn func(Event)) Option { return func(u *Unit) { u.onEvent = fn } }

// Unit is one running head unit.
type Unit struct {
	bus     canbus.Bus
	set     Settings
	rnd     *rand.Rand
	onEvent func(Event)
	cmds    chan func(time.Time)
	done    chan struct{} // closed when Run returns
	start   time.Time

	inputs map[uint32]*input
	pend   pending
	seq    uint64

	// Inputs as last accepted.
	speed        float64
	speedValid   bool
	speedLost    bool
	gear         ic.TCU_Gear_Gear
	buttons      ic.SWC_Buttons
	power        ic.BCM_PowerMode_PowerMode
	parkingBrake bool
	night        bool
	volDir       int
	volRepeat    time.Time

	// Desired states already scheduled, so a state is scheduled once.
	wantLocked, wantDucked, wantCamera, wantNight bool
	running                                       bool

	// What the outputs show.
	media ic.IVI_MediaStatus
	msg   ic.IVI_MessagingStatus
	nav   ic.IVI_NavStatus
	hb    ic.IVI_Heartbeat
	outs  []*output

	ignored atomic.Uint64
	busTime time.Time // the newest frame's bus timestamp read so far
}

// counterUnchecked reports whether the counter-check=off fault is set.
func (u *Unit) counterUnchecked() bool { return u.broken(RuleCounterCheck) }

// broken reports whether a rule's fault (RULE=off) is set.
func (u *Unit) broken(rule string) bool { return u.set.Faults[rule].Off }

// Ignored counts the input frames refused for a wrong CRC or a counter that
// did not advance.
func (u *Unit) Ignored() uint64 { return u.ignored.Load() }

type input struct {
	name     string
	period   time.Duration
	check    *e2e.Checker
	lastSeen time.Time // bus timestamp of its last accepted frame
	lost     bool
}

type output struct {
	m       generated.Message
	layout  e2e.Layout
	period  time.Duration
	next    time.Time
	last    []byte
	counter uint8
	stopAt  time.Time // heartbeat fault
}

// New makes a head unit on bus; Run starts it.
func New(bus canbus.Bus, set Settings, opts ...Option) *Unit {
	u := &Unit{bus: bus, set: set, rnd: rand.New(rand.NewPCG(set.Seed, set.Seed^0x9E3779B97F4A7C15)),
		cmds: make(chan func(time.Time), 16), done: make(chan struct{}), inputs: map[uint32]*input{}}
	for _, o := range opts {
		o(u)
	}
	for _, m := range []generated.Message{ic.NewESP_VehicleSpeed(), ic.NewTCU_Gear(), ic.NewSWC_Buttons(), ic.NewBCM_PowerMode()} {
		d := m.Descriptor()
		l, _ := e2e.LayoutOf(d, e2e.DefaultNames)
		u.inputs[d.ID] = &input{name: d.Name, period: d.CycleTime, check: e2e.NewChecker(l)}
	}
	u.media.Reset()
	u.msg.Reset()
	u.nav.Reset()
	u.hb.Reset()
	u.hb.SetPowerState(ic.IVI_Heartbeat_PowerState_Standby)
	u.nav.SetDisplay(ic.IVI_NavStatus_Display_Off)
	u.media.SetVolume(15)
	u.speedValid, u.speedLost = false, true
	u.wantLocked = true
	u.msg.SetTextInputLocked(true)
	for _, m := range []generated.Message{&u.media, &u.msg, &u.nav, &u.hb} {
		d := m.Descriptor()
		l, _ := e2e.LayoutOf(d, e2e.DefaultNames)
		u.outs = append(u.outs, &output{m: m, layout: l, period: d.CycleTime})
	}
	return u
}

// Run runs the head unit until ctx ends (nil) or the crash fault fires (ErrCrash).
func (u *Unit) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer close(u.done)
	frames := make(chan canbus.Received, 256)
	readErr := make(chan error, 1)
	go func() {
		for {
			r, err := u.bus.Receive(ctx)
			if err != nil {
				readErr <- err
				return
			}
			select {
			case frames <- r:
			case <-ctx.Done():
				readErr <- ctx.Err()
				return
			}
		}
	}()
	u.start = time.Now()
	for _, in := range u.inputs {
		in.lastSeen = u.start
	}
	if f, ok := u.set.Faults[FaultHeartbeat]; ok {
		u.outs[3].stopAt = u.start.Add(f.StopAfter)
	}
	var crashAt time.Time
	if f, ok := u.set.Faults[FaultSim]; ok {
		crashAt = u.start.Add(f.CrashAfter)
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		if !crashAt.IsZero() && !now.Before(crashAt) {
			return ErrCrash
		}
		u.fire(now)
		u.watchInputs(now)
		u.fire(now)
		if err := u.transmit(ctx, now); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wake := u.nextWake(now, crashAt)
		timer.Reset(time.Until(wake))
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("head unit: %w", err)
		case r := <-frames:
			u.receive(&r, time.Now())
		case cmd := <-u.cmds:
			cmd(time.Now())
		case <-timer.C:
		}
	}
}

func (u *Unit) nextWake(now, crashAt time.Time) time.Time {
	wake := now.Add(time.Second)
	earlier := func(t time.Time) {
		if !t.IsZero() && t.Before(wake) {
			wake = t
		}
	}
	if len(u.pend) > 0 {
		earlier(u.pend[0].due)
	}
	for _, o := range u.outs {
		earlier(o.next)
	}
	for _, in := range u.inputs {
		if !in.lost {
			// Due by the bus's time, which the next frame brings (and
			// wakes the unit); by then past on the wall clock, the
			// wall-clock judgement a second later.
			due := in.lastSeen.Add(3 * in.period)
			if !due.After(now) {
				due = due.Add(time.Second)
			}
			earlier(due)
		}
	}
	if u.volDir != 0 {
		earlier(u.volRepeat)
	}
	earlier(crashAt)
	return wake
}

// Control commands, from any goroutine: states no CAN frame causes.

// command hands fn to the unit's goroutine; it is dropped once Run returned.
func (u *Unit) command(fn func(time.Time)) {
	select {
	case u.cmds <- fn:
	case <-u.done:
	}
}

// IncomingCall makes the phone ring.
func (u *Unit) IncomingCall() { u.command(u.incomingCall) }

// IncomingMessage delivers a text message from someone.
func (u *Unit) IncomingMessage(from string) {
	u.command(func(now time.Time) { u.incomingMessage(now, from) })
}

// StartGuidance starts route guidance towards a maneuver distance metres away.
func (u *Unit) StartGuidance(maneuver ic.IVI_NavStatus_NextManeuver, distance uint16) {
	u.command(func(now time.Time) { u.startGuidance(now, maneuver, distance) })
}

// StopGuidance ends route guidance.
func (u *Unit) StopGuidance() { u.command(u.stopGuidance) }

func (u *Unit) emit(now time.Time, service, event string, kv ...any) {
	if u.onEvent == nil {
		return
	}
	fields := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		fields[kv[i].(string)] = kv[i+1]
	}
	u.onEvent(Event{Time: now, Service: service, Event: event, Fields: fields})
}

// react schedules a reaction after the key's latency, unless the key's drop
// fault loses it.
func (u *Unit) react(now time.Time, key string, apply func(time.Time)) {
	if f, ok := u.set.Faults[key]; ok && f.Drop > 0 && u.rnd.Float64() < f.Drop {
		return
	}
	u.seq++
	heap.Push(&u.pend, scheduled{due: now.Add(u.set.latency(key).Sample(u.rnd)), seq: u.seq, apply: apply})
}

func (u *Unit) fire(now time.Time) {
	for len(u.pend) > 0 && !u.pend[0].due.After(now) {
		r := heap.Pop(&u.pend).(scheduled)
		r.apply(r.due)
	}
}

// transmit sends every output whose period is due or whose content changed;
// a change restarts its period.
func (u *Unit) transmit(ctx context.Context, now time.Time) error {
	for _, o := range u.outs {
		if !o.stopAt.IsZero() && !now.Before(o.stopAt) {
			o.next = time.Time{}
			continue
		}
		f, err := o.m.MarshalFrame()
		if err != nil {
			return err
		}
		data := f.Data[:f.Length]
		if o.next.IsZero() || !now.Before(o.next) || !bytes.Equal(data, o.last) {
			o.last = append(o.last[:0], data...)
			o.layout.Seal(data, int(o.counter))
			o.counter = uint8((int(o.counter) + 1) % o.layout.Counters())
			if err := u.bus.Send(ctx, canbus.FromEinride(f)); err != nil {
				return fmt.Errorf("head unit send %s: %w", o.m.Descriptor().Name, err)
			}
			o.next = now.Add(o.period)
		}
	}
	return nil
}

// scheduled is a reaction the unit has decided on, due at a time.
type scheduled struct {
	due   time.Time
	seq   uint64
	apply func(time.Time)
}

// pending is a heap of reactions by due time, in scheduling order on ties.
type pending []scheduled

func (p pending) Len() int { return len(p) }
func (p pending) Less(i, j int) bool {
	if p[i].due.Equal(p[j].due) {
		return p[i].seq < p[j].seq
	}
	return p[i].due.Before(p[j].due)
}
func (p pending) Swap(i, j int)     { p[i], p[j] = p[j], p[i] }
func (p *pending) Push(x any)       { *p = append(*p, x.(scheduled)) }
func (p *pending) push(r scheduled) { heap.Push(p, r) }
func (p *pending) Pop() any {
	old := *p
	r := old[len(old)-1]
	*p = old[:len(old)-1]
	return r
}
