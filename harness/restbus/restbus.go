// Package restbus plays the rest of the car: every message of a DBC that the
// device under test does not send goes out at its cycle time (GenMsgCycleTime)
// with its alive counter and CRC, as the real ECUs would send it. On
// SocketCAN the kernel's BCM keeps the period; elsewhere a user-space ticker
// does. Changing a signal replaces the frames in place: the period does not
// restart and the counter sequence does not break.
package restbus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/e2e"
)

// DefaultPressCycles is how many cycles of its message a press holds a
// button, as a steering-wheel controller sends a short press.
const DefaultPressCycles = 3

// Sim is a running rest-bus simulation.
type Sim struct {
	db  *candb.Database
	bus canbus.Bus
	dut string

	mu      sync.Mutex
	played  map[string]*message
	stopped bool
}

type message struct {
	m      *candb.Message
	data   []byte
	layout e2e.Layout
	cyc    canbus.Cyclic
	// first is the counter of the sequence's first frame: an update keeps
	// the sender's place in the sequence, so it must keep the counters
	// the places had.
	first int
}

// Start plays every cyclic message not sent by dut, starting from each
// signal's initial value and then the given MESSAGE.SIGNAL=VALUE
// assignments, protected as the reference network protects them.
func Start(ctx context.Context, bus canbus.Bus, db *candb.Database, dut string, initial ...string) (*Sim, error) {
	return StartProtected(ctx, bus, db, dut, nil, initial...)
}

// StartProtected is Start with each message's E2E protection given, by
// message name (dbc/protection's Layouts); a message it lacks is sent
// unprotected. With nil it is Start.
func StartProtected(ctx context.Context, bus canbus.Bus, db *candb.Database, dut string, layouts map[string]e2e.Layout, initial ...string) (*Sim, error) {
	s := &Sim{db: db, bus: bus, dut: dut, played: map[string]*message{}}
	for _, m := range db.Messages {
		if slices.Contains(m.Senders, dut) || m.CycleTime <= 0 || m.Length > canbus.MaxFDLen {
			continue
		}
		l, err := layouts[m.Name], error(nil)
		if layouts == nil {
			l, err = m.E2E(e2e.DefaultNames)
		}
		if err != nil {
			s.Stop()
			return nil, fmt.Errorf("start rest-bus: %w", err)
		}
		s.played[m.Name] = &message{m: m, data: m.Initial(), layout: l}
	}
	if len(s.played) == 0 {
		return nil, fmt.Errorf("start rest-bus: %s has no cyclic message that %s does not send", db.File, dut)
	}
	if err := s.assign(initial); err != nil {
		return nil, err
	}
	for _, p := range s.played {
		var err error
		p.cyc, err = canbus.StartCyclic(ctx, bus, p.m.CycleTime, p.frames()...)
		if err != nil {
			s.Stop()
			return nil, fmt.Errorf("start rest-bus %s: %w", p.m.Name, err)
		}
	}
	return s, nil
}

// Messages lists the played messages' names.
func (s *Sim) Messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for n := range s.played {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Kernel reports whether the transport keeps the periods (SocketCAN's
// BCM) rather than a goroutine.
func (s *Sim) Kernel() bool { return canbus.KernelCyclic(s.bus) }

func (p *message) frames() []canbus.Frame { return p.framesFrom(p.first) }

// framesFrom is the message's counter sequence starting at first.
func (p *message) framesFrom(first int) []canbus.Frame {
	seq := p.layout.Sequence(p.data, first)
	frames := make([]canbus.Frame, len(seq))
	for i, d := range seq {
		frames[i] = canbus.Frame{ID: p.m.ID, Extended: p.m.Extended, FD: p.m.FD, Len: uint8(len(d))}
		copy(frames[i].Data[:], d)
	}
	return frames
}

func (s *Sim) assign(assignments []string) error {
	for _, a := range assignments {
		msg, sig, val, err := candb.ParseAssignment(a)
		if err != nil {
			return err
		}
		m, sg, err := s.db.Lookup(msg, sig)
		if err != nil {
			return err
		}
		p := s.played[m.Name]
		if p == nil {
			return fmt.Errorf("%s: %s is not played by the rest-bus (sent by %v, cycle time %v)", a, m.Name, m.Senders, m.CycleTime)
		}
		raw, err := sg.Encode(val)
		if err != nil {
			return err
		}
		sg.SetRaw(p.data, raw)
	}
	return nil
}

// Set changes signals (MESSAGE.SIGNAL=VALUE); the next cycle carries them.
func (s *Sim) Set(assignments ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return errors.New("rest-bus stopped")
	}
	if err := s.assign(assignments); err != nil {
		return err
	}
	touched := map[*message]bool{}
	for _, a := range assignments {
		msg, _, _, _ := candb.ParseAssignment(a)
		touched[s.played[msg]] = true
	}
	for p := range touched {
		if p.cyc == nil {
			continue // silenced: Resume sends the new values
		}
		if err := p.cyc.Update(p.frames()...); err != nil {
			return fmt.Errorf("update %s: %w", p.m.Name, err)
		}
	}
	return nil
}

// SetPayload replaces every signal of a played message with those of data
// (a payload encoded elsewhere, by a generated codec); the counter and CRC
// stay the rest-bus's own. The next cycle carries it.
func (s *Sim) SetPayload(message string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return errors.New("rest-bus stopped")
	}
	p := s.played[message]
	if p == nil {
		return fmt.Errorf("set %s: not played by the rest-bus", message)
	}
	if len(data) != len(p.data) {
		return fmt.Errorf("set %s: %d bytes, the message has %d", message, len(data), len(p.data))
	}
	copy(p.data, data)
	if p.cyc == nil {
		return nil // silenced: Resume sends the new values
	}
	if err := p.cyc.Update(p.frames()...); err != nil {
		return fmt.Errorf("update %s: %w", message, err)
	}
	return nil
}

// Press holds MESSAGE.SIGNAL at 1 for hold (DefaultPressCycles cycles of its
// message when hold is 0), then releases it to 0 and returns once the
// release has been on the bus for two cycles: a receiver sees presses as
// edges, so the next press must follow a released frame.
func (s *Sim) Press(ctx context.Context, signal string, hold time.Duration) error {
	if err := s.Set(signal + "=1"); err != nil {
		return fmt.Errorf("press %s: %w", signal, err)
	}
	msg, _, _ := cutDot(signal)
	s.mu.Lock()
	cycle := s.played[msg].m.CycleTime
	s.mu.Unlock()
	if hold <= 0 {
		hold = DefaultPressCycles * cycle
	}
	sleep(ctx, hold)
	if err := s.Set(signal + "=0"); err != nil {
		return fmt.Errorf("release %s: %w", signal, err)
	}
	sleep(ctx, 2*cycle)
	return ctx.Err()
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func cutDot(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// Silence stops sending one message, as when its ECU fails or its wire
// breaks; Resume starts it again with its current signals.
func (s *Sim) Silence(message string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.played[message]
	if p == nil {
		return fmt.Errorf("silence %s: not played by the rest-bus", message)
	}
	if p.cyc == nil {
		return nil
	}
	err := p.cyc.Stop()
	p.cyc = nil
	return err
}

// Silenced reports whether a played message is silenced.
func (s *Sim) Silenced(message string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.played[message]
	return p != nil && p.cyc == nil
}

// Resume restarts a silenced message; its counter sequence starts at 0.
// A receiver that saw the message before it fell silent may take the
// first resumed frame for a repeat: use ResumeAfter where the last frame
// on the bus is known.
func (s *Sim) Resume(ctx context.Context, message string) error {
	return s.ResumeAfter(ctx, message, nil)
}

// ResumeAfter restarts a silenced message so that its alive counter
// continues from last, the payload of the message's last frame on the bus
// (the rest-bus's own, or a one-off frame sent in its place): a receiver
// that checks the counter sees it advance, as after any other frame. With
// last nil the sequence starts at 0.
func (s *Sim) ResumeAfter(ctx context.Context, message string, last []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.played[message]
	if p == nil {
		return fmt.Errorf("resume %s: not played by the rest-bus", message)
	}
	if p.cyc != nil {
		return nil
	}
	p.first = 0
	if last != nil && p.layout.HasCounter() {
		p.first = (p.layout.Counter(last) + 1) % p.layout.Counters()
	}
	var err error
	p.cyc, err = canbus.StartCyclic(ctx, s.bus, p.m.CycleTime, p.frames()...)
	if err != nil {
		return fmt.Errorf("resume %s: %w", message, err)
	}
	return nil
}

// Stop ends every cyclic transmission. The bus stays open: its owner closes it.
func (s *Sim) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return nil
	}
	s.stopped = true
	var errs []error
	for _, p := range s.played {
		if p.cyc != nil {
			errs = append(errs, p.cyc.Stop())
		}
	}
	return errors.Join(errs...)
}
