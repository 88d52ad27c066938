// Package harness is what a test author touches: a Bench, built from a
// profile, owns the bus, the device under test, the rest of the car and an
// observer that records every frame; it presses buttons and sets vehicle
// state, waits for the DUT's reactions by signal name, and measures their
// latency from the bus timestamps of the stimulus frame and the reaction
// frame, never from the poll clock of the waiting code.
package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/candial"
	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/probe"
	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/cockpit-hil/hil/harness/restbus"
	"github.com/cockpit-hil/hil/headunit"
)

// Bench is one bench session.
type Bench struct {
	Profile *profile.Profile
	DB      *candb.Database
	Budgets latency.Budgets

	obs     canbus.Bus
	restBus canbus.Bus
	rest    *restbus.Sim
	rec     *recorder
	stop    context.CancelFunc
	done    []chan error
	proc    *exec.Cmd
	probes  map[string]*probe.Probe
	events  *headunit.EventServer
}

// Options tune a bench beyond its profile.
type Options struct {
	// RecorderFrames is how many of the latest frames the observer keeps.
	RecorderFrames int
	// ObserverQueue is the observer's receive queue on the virtual bus
	// (a small queue forces drops, for the negative control).
	ObserverQueue int
}

// Open starts a bench session from a profile and waits until the DUT is ready.
func Open(ctx context.Context, p *profile.Profile, o Options) (b *Bench, err error) {
	b = &Bench{Profile: p}
	defer func() {
		if err != nil {
			b.Close()
		}
	}()
	if b.DB, err = loadDB(p); err != nil {
		return nil, err
	}
	if b.Budgets, err = latency.LoadBudgets(p.Path(p.Budgets)); err != nil {
		return nil, err
	}
	iface := p.Bus.Interface
	if iface == "virtual" {
		iface = fmt.Sprintf("virtual:bench-%p", b) // one session, one bus
	}
	// The observer sees error frames too: the continuous checks report them.
	obsOpts := []canbus.Option{canbus.WithErrorMask(canbus.ErrMaskAll)}
	if o.ObserverQueue > 0 {
		obsOpts = append(obsOpts, canbus.WithQueueLen(o.ObserverQueue))
	} else {
		obsOpts = append(obsOpts, canbus.WithQueueLen(1<<16), canbus.WithReceiveBuffer(8<<20))
	}
	if b.obs, err = candial.Open(iface, obsOpts...); err != nil {
		return nil, err
	}
	if b.restBus, err = candial.Open(iface); err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.Background())
	b.stop = stop
	capacity := o.RecorderFrames
	if capacity <= 0 {
		capacity = 1 << 16
	}
	b.rec = newRecorder(capacity)
	go b.rec.run(runCtx, b.obs)
	if err := b.startDUT(runCtx, iface); err != nil {
		return nil, err
	}
	if err := b.openProbes(ctx); err != nil {
		return nil, err
	}
	if b.rest, err = restbus.Start(runCtx, b.restBus, b.DB, p.DUT.Node); err != nil {
		return nil, err
	}
	return b, b.awaitReady(ctx)
}

// openProbes starts the profile's event and command probes (the CAN probe
// is the recorder). For the in-process simulator the bench serves its event
// stream on a private Unix socket.
func (b *Bench) openProbes(ctx context.Context) error {
	b.probes = map[string]*probe.Probe{}
	for _, pr := range b.Profile.Probes {
		var p *probe.Probe
		var err error
		switch pr.Kind {
		case profile.EventProbe:
			addr := pr.Address
			if addr == "" {
				addr = b.Profile.DUT.Events
			}
			if addr == "" && b.events != nil {
				addr = b.events.Addr()
			}
			if addr == "" {
				return fmt.Errorf("probe %s: no event stream address (probe address or dut.events)", pr.Name)
			}
			p, err = probe.Events(ctx, pr.Name, addr)
		case profile.CommandProbe:
			p, err = probe.Command(context.Background(), pr.Name, pr.Argv)
		default:
			continue
		}
		if err != nil {
			return err
		}
		b.probes[pr.Name] = p
	}
	// Connections registered before the car wakes see the boot.
	if b.events != nil {
		deadline := time.Now().Add(2 * time.Second)
		for b.events.Clients() < len(b.probes) && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
	}
	return nil
}

// Probe returns the profile's probe of that name.
func (b *Bench) Probe(name string) (*probe.Probe, bool) {
	p, ok := b.probes[name]
	return p, ok
}

func loadDB(p *profile.Profile) (*candb.Database, error) {
	d := p.DBC[0]
	if d == "builtin:infotainment" {
		return candb.Parse("infotainment.dbc (built in)", dbc.Infotainment)
	}
	return candb.Load(p.Path(d))
}

func (b *Bench) startDUT(ctx context.Context, iface string) error {
	switch b.Profile.DUT.Kind {
	case profile.Simulator:
		var set headunit.Settings
		set.Seed = b.Profile.DUT.Sim.Seed
		for k, v := range b.Profile.DUT.Sim.Latency {
			if err := set.SetLatency(k + "=" + v); err != nil {
				return err
			}
		}
		for k, v := range b.Profile.DUT.Sim.Faults {
			if err := set.SetFault(k + "=" + v); err != nil {
				return err
			}
		}
		dutBus, err := candial.Open(iface)
		if err != nil {
			return err
		}
		var opts []headunit.Option
		if slices.ContainsFunc(b.Profile.Probes, func(p profile.Probe) bool { return p.Kind == profile.EventProbe }) {
			dir, err := os.MkdirTemp("", "hil-bench")
			if err != nil {
				return err
			}
			if b.events, err = headunit.ListenEvents("unix:" + filepath.Join(dir, "events.sock")); err != nil {
				return err
			}
			opts = append(opts, headunit.WithEvents(b.events.Publish))
		}
		unit := headunit.New(dutBus, set, opts...)
		done := make(chan error, 1)
		b.done = append(b.done, done)
		go func() {
			done <- unit.Run(ctx)
			dutBus.Close()
		}()
		if b.events != nil {
			served := make(chan error, 1)
			b.done = append(b.done, served)
			go func() { served <- b.events.Serve(ctx, unit) }()
		}
	case profile.Process:
		argv := b.Profile.DUT.Argv
		b.proc = exec.CommandContext(ctx, argv[0], argv[1:]...)
		if err := b.proc.Start(); err != nil {
			return fmt.Errorf("start DUT %q: %w", strings.Join(argv, " "), err)
		}
	}
	return nil
}

// awaitReady waits until every *Ready signal of the DUT's messages is 1.
func (b *Bench) awaitReady(ctx context.Context) error {
	timeout := 30 * time.Second
	if t := b.Profile.DUT.ReadyTimeout; t != "" {
		timeout, _ = time.ParseDuration(t)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var readyMsgs []*candb.Message
	for _, m := range b.DB.Messages {
		if slices.Contains(m.Senders, b.Profile.DUT.Node) && slices.ContainsFunc(m.Signals, func(s *candb.Signal) bool { return strings.HasSuffix(s.Name, "Ready") }) {
			readyMsgs = append(readyMsgs, m)
		}
	}
	if len(readyMsgs) == 0 {
		return nil
	}
	var values []candb.Value
	for seq := int64(0); ; {
		f, next, err := b.rec.next(ctx, seq)
		if err != nil {
			return fmt.Errorf("wait for %s to be ready: %w", b.Profile.DUT.Node, err)
		}
		seq = next
		for _, m := range readyMsgs {
			if f.ID != m.ID || f.Extended != m.Extended {
				continue
			}
			values = m.Decode(f.Payload(), values[:0])
			ready := true
			for _, v := range values {
				if strings.HasSuffix(v.Signal.Name, "Ready") && v.Raw != 1 {
					ready = false
				}
			}
			if ready {
				return nil
			}
		}
	}
}

// Close ends the session: rest-bus, DUT, observer.
func (b *Bench) Close() error {
	var errs []error
	if b.rest != nil {
		errs = append(errs, b.rest.Stop())
	}
	for _, p := range b.probes {
		p.Close()
	}
	if b.stop != nil {
		b.stop()
	}
	for _, d := range b.done {
		if err := <-d; err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	if b.proc != nil {
		b.proc.Wait()
	}
	if b.events != nil {
		b.events.Close()
		os.RemoveAll(filepath.Dir(strings.TrimPrefix(b.events.Addr(), "unix:")))
	}
	for _, bus := range []canbus.Bus{b.restBus, b.obs} {
		if bus != nil {
			bus.Close()
		}
	}
	return errors.Join(errs...)
}

// Set changes vehicle state through the rest-bus: MESSAGE.SIGNAL=VALUE.
func (b *Bench) Set(assignments ...string) error { return b.rest.Set(assignments...) }

// Dropped is how many frames the observer has lost so far.
func (b *Bench) Dropped() uint64 { return b.obs.Stats().Dropped }

// SendFrame sends one frame in cansend syntax (a one-off stimulus).
func (b *Bench) SendFrame(ctx context.Context, frame string) error {
	f, err := canbus.ParseFrame(frame)
	if err != nil {
		return err
	}
	return b.restBus.Send(ctx, f)
}

// CycleTimes measures the intervals between n+1 consecutive frames of a
// message, from the bus timestamps, for a cycle-time check.
func (b *Bench) CycleTimes(ctx context.Context, message string, n int) ([]time.Duration, error) {
	m, ok := b.DB.Message(message)
	if !ok {
		_, _, err := b.DB.Lookup(message, "x")
		return nil, err
	}
	var out []time.Duration
	var prev time.Time
	for seq := b.rec.end(); len(out) < n; {
		f, next, err := b.rec.next(ctx, seq)
		if err != nil {
			return out, fmt.Errorf("cycle time of %s: %d of %d intervals: %w", message, len(out), n, err)
		}
		seq = next
		if f.ID != m.ID || f.Extended != m.Extended || f.Own {
			continue
		}
		if !prev.IsZero() {
			out = append(out, f.Time.Sub(prev))
		}
		prev = f.Time
	}
	return out, nil
}
