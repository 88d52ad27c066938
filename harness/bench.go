// Package harness is what a test author touches: a Bench, built from a
// profile, owns the bus, the device under test, the rest of the car and an
// observer that records every frame; it presses buttons and sets vehicle
// state, waits for the DUT's reactions by signal name, and measures their
// latency from the bus timestamps of the stimulus frame and the reaction
// frame, never from the poll clock of the waiting code.
//
// It imports neither Ginkgo nor the reference head unit: harness/suite
// wires a bench into a Ginkgo suite, and a DUT kind is a driver registered
// by the package that provides it (RegisterDUT; headunit/simdut for the
// simulator).
package harness

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/candial"
	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/e2e"
	"github.com/cockpit-hil/hil/dbc/ref"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/probe"
	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/cockpit-hil/hil/harness/restbus"
)

// Bench is one bench session.
type Bench struct {
	Profile *profile.Profile
	DB      *candb.Database
	Budgets latency.Budgets
	// Timing are the behaviour parameters of the budget file's timing
	// section (music.volume.hold_delay, ...).
	Timing latency.Timing
	// Protection is each protected message's E2E layout (the profile's
	// e2e:), by name: how the rest-bus seals its frames and the
	// continuous checks judge the DUT's.
	Protection map[string]e2e.Layout
	// Interface is the bus this session uses: the profile's, moved to this
	// Ginkgo process's own interface when suites run in parallel.
	Interface string

	runDir  string          // private directory: sockets, the DUT's files
	virtual *canbus.Virtual // the session's own bus, for the interface "virtual"
	obs     canbus.Bus
	restBus canbus.Bus
	rest    *restbus.Sim
	rec     *recorder
	runCtx  context.Context // the session's life: ends at Close
	stop    context.CancelFunc
	done    []chan error
	dut     *probe.Probe // a process DUT's output
	control *probe.Probe // the DUT's event stream, for control lines
	probes  map[string]*probe.Probe
	running RunningDUT // a driver's DUT (the simulator in process)
	watch   atomic.Pointer[Watcher]
	self    selfTiming
	spec    atomic.Pointer[guardedSpec] // between BeginSpec and EndSpec

	// OnSamples, when set, is given every set of samples Sample and
	// SampleTogether take, as they return: the suite kit (harness/suite)
	// reports them to the running spec for the latency table.
	OnSamples func(Samples)
}

// guardedSpec is the spec a bench judges its own lateness for.
type guardedSpec struct {
	began time.Time
	keys  []string
	sure  atomic.Pointer[string] // a failure of the DUT's the bench's lateness cannot explain
}

// BeginSpec starts a spec the bench judges its own lateness against
// (Judge): from now, by LateLimit of the reaction keys it covers. The suite
// kit calls it for every spec it guards.
func (b *Bench) BeginSpec(keys ...string) {
	b.spec.Store(&guardedSpec{began: time.Now(), keys: keys})
}

// EndSpec ends the spec BeginSpec started.
func (b *Bench) EndSpec() { b.spec.Store(nil) }

// Options tune a bench beyond its profile.
type Options struct {
	// RecorderFrames is how many of the latest frames the observer keeps.
	RecorderFrames int
	// ObserverQueue is the observer's receive queue on the virtual bus
	// (a small queue forces drops, for the negative control).
	ObserverQueue int
	// Process is the parallel process number (1-based) that picks the
	// interface (Isolate); 0 is 1. The suite kit gives Ginkgo's.
	Process int
	// Hil is the hil binary that a profile's DUT argv "hil" runs (hil run
	// gives its own executable, whatever its file name); HIL_BIN, when set,
	// comes first, and without either "hil" is looked up on PATH.
	Hil string
}

// Open starts a bench session from a profile and waits until the DUT is ready.
func Open(ctx context.Context, p *profile.Profile, o Options) (_ *Bench, err error) {
	b := &Bench{Profile: p}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w%s", err, b.dutOutput())
			b.Close()
		}
	}()
	if b.DB, err = loadDB(p); err != nil {
		return nil, err
	}
	if b.Budgets, err = LoadBudgets(p); err != nil {
		return nil, err
	}
	if b.Protection, err = LoadProtection(p, b.DB); err != nil {
		return nil, err
	}
	if b.Timing, err = LoadTiming(p); err != nil {
		return nil, err
	}
	o.Process = max(o.Process, 1)
	addr, err := candial.Parse(p.Bus.Interface)
	if err != nil {
		return nil, fmt.Errorf("open bench: bus.interface: %w", err)
	}
	if addr, err = addr.Isolate(o.Process); err != nil {
		return nil, err
	}
	b.Interface = addr.String()
	if b.runDir, err = os.MkdirTemp("", "hil-bench-"); err != nil {
		return nil, fmt.Errorf("open bench: %w", err)
	}
	if err := applyBus(ctx, p.Bus, addr); err != nil {
		return nil, err
	}
	if b.Interface == "virtual" {
		// One session, one bus, named as a trace names it: evidence from
		// it replays with canplayer -I trace.log vcan0=virtual.
		b.virtual = canbus.NewVirtual("virtual")
	}
	// The observer sees error frames too: the continuous checks report them.
	obsOpts := []canbus.Option{canbus.WithErrorMask(canbus.ErrMaskAll)}
	if o.ObserverQueue > 0 {
		obsOpts = append(obsOpts, canbus.WithQueueLen(o.ObserverQueue))
	} else {
		obsOpts = append(obsOpts, canbus.WithQueueLen(1<<16), canbus.WithReceiveBuffer(8<<20))
	}
	obs, err := b.dial(obsOpts...)
	if err != nil {
		return nil, err
	}
	b.obs = obs
	restBus, err := b.dial()
	if err != nil {
		return nil, err
	}
	b.restBus = restBus
	runCtx, stop := context.WithCancel(context.Background())
	b.runCtx, b.stop = runCtx, stop
	capacity := o.RecorderFrames
	if capacity <= 0 {
		capacity = 1 << 16
	}
	b.rec = newRecorder(capacity)
	b.rec.arrived = func(f *canbus.Received, at time.Time) { b.self.frame(f, at, b.Dropped()) }
	go b.rec.run(runCtx, b.obs)
	if err := b.startDUT(runCtx, o.Hil); err != nil {
		return nil, err
	}
	readyCtx, cancel := context.WithTimeout(ctx, b.readyTimeout())
	defer cancel()
	if b.dut != nil {
		// A DUT that exits will not become ready: stop waiting at once.
		go func() {
			select {
			case <-b.dut.Done():
				cancel()
			case <-readyCtx.Done():
			}
		}()
	}
	if err := b.openProbes(readyCtx); err != nil {
		return nil, err
	}
	if b.rest, err = restbus.StartProtected(runCtx, b.restBus, b.DB, p.DUT.Node, b.Protection); err != nil {
		return nil, err
	}
	var played []*candb.Message
	for _, name := range b.rest.Messages() {
		m, _ := b.DB.Message(name)
		played = append(played, m)
	}
	b.self.play(played)
	if err := b.awaitReady(readyCtx); err != nil {
		return nil, err
	}
	return b, nil
}

// dial opens a connection to the session's bus.
func (b *Bench) dial(opts ...canbus.Option) (canbus.Bus, error) {
	if b.virtual != nil {
		return b.virtual.Open(opts...), nil
	}
	return candial.Open(b.Interface, opts...)
}

// expand fills the placeholders a profile may use in argv and addresses:
// ${BUS} the session's interface, ${RUN} its private directory.
func (b *Bench) expand(s string) string {
	return strings.NewReplacer("${BUS}", b.Interface, "${RUN}", b.runDir).Replace(s)
}

func (b *Bench) readyTimeout() time.Duration {
	if t := b.Profile.DUT.ReadyTimeout; t != "" {
		if d, err := time.ParseDuration(t); err == nil {
			return d
		}
	}
	return 30 * time.Second
}

// openProbes starts the profile's event and command probes (the CAN probe
// is the recorder) and the control connection to the DUT's event stream.
func (b *Bench) openProbes(ctx context.Context) error {
	b.probes = map[string]*probe.Probe{}
	streams := 0
	dutEvents := b.expand(b.Profile.DUT.Events)
	if b.running != nil && b.running.Events() != "" {
		dutEvents = b.running.Events()
	}
	if dutEvents != "" {
		var err error
		if b.control, err = dialEvents(ctx, "dut-control", dutEvents); err != nil {
			return err
		}
		streams++
	}
	for _, pr := range b.Profile.Probes {
		var p *probe.Probe
		var err error
		switch pr.Kind {
		case profile.EventProbe:
			addr := b.expand(pr.Address)
			if addr == "" {
				addr = dutEvents
			}
			if addr == "" {
				return fmt.Errorf("probe %s: no event stream address (probe address or dut.events)", pr.Name)
			}
			p, err = dialEvents(ctx, pr.Name, addr)
			streams++
		case profile.CommandProbe:
			argv := make([]string, len(pr.Argv))
			for i, a := range pr.Argv {
				argv[i] = b.expand(a)
			}
			p, err = probe.Command(context.Background(), pr.Name, argv)
		default:
			continue
		}
		if err != nil {
			return err
		}
		b.probes[pr.Name] = p
	}
	// Connections registered before the car wakes see the boot.
	if b.running != nil && b.running.Clients() >= 0 {
		for b.running.Clients() < streams && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
	}
	return nil
}

// dialEvents connects to an event stream, retrying while the DUT starts:
// a Unix socket's file appears at bind, before the DUT listens.
func dialEvents(ctx context.Context, name, addr string) (*probe.Probe, error) {
	for {
		p, err := probe.Events(ctx, name, addr)
		if err == nil {
			return p, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (the DUT did not open its event stream in time)", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Probe returns the profile's probe of that name; "dut" is a process DUT's
// own output.
func (b *Bench) Probe(name string) (*probe.Probe, bool) {
	if name == "dut" && b.dut != nil {
		return b.dut, true
	}
	p, ok := b.probes[name]
	return p, ok
}

// loadDB loads every DBC of the profile's list as one network.
func loadDB(p *profile.Profile) (*candb.Database, error) {
	var dbs []*candb.Database
	for _, d := range p.DBC {
		name, src, err := dbcSource(p, d)
		if err != nil {
			return nil, err
		}
		db, err := candb.Parse(name, src)
		if err != nil {
			return nil, err
		}
		dbs = append(dbs, db)
	}
	if len(dbs) == 0 {
		return nil, fmt.Errorf("load DBC: profile %s lists no DBC", p.Name)
	}
	return candb.Merge(dbs...)
}

// DBCSource returns the names and text of the profile's DBCs, for the
// report's version of the network: the names joined with " + ", the
// texts one after the other.
func DBCSource(p *profile.Profile) (string, []byte, error) {
	var names []string
	var all []byte
	for _, d := range p.DBC {
		name, src, err := dbcSource(p, d)
		if err != nil {
			return "", nil, err
		}
		names, all = append(names, name), append(all, src...)
	}
	return strings.Join(names, " + "), all, nil
}

func dbcSource(p *profile.Profile, d string) (string, []byte, error) {
	if d == "builtin:infotainment" {
		return "infotainment.dbc (built in)", dbc.Infotainment, nil
	}
	src, err := p.ReadFile(d)
	if err != nil {
		return "", nil, fmt.Errorf("load DBC: %w", err)
	}
	return p.Path(d), src, nil
}

// LoadBudgets reads the profile's budget file.
func LoadBudgets(p *profile.Profile) (latency.Budgets, error) {
	src, err := p.ReadFile(p.Budgets)
	if err != nil {
		return nil, fmt.Errorf("load budgets: %w", err)
	}
	return latency.ParseBudgets(p.Path(p.Budgets), src)
}

// LoadTiming reads the timing section of the profile's budget file.
func LoadTiming(p *profile.Profile) (latency.Timing, error) {
	src, err := p.ReadFile(p.Budgets)
	if err != nil {
		return nil, fmt.Errorf("load budgets: %w", err)
	}
	return latency.ParseTiming(p.Path(p.Budgets), src)
}

// simArgs are the profile's dut.sim settings as hil sim's flags, for a
// process DUT that is hil sim (which checks them itself).
func (b *Bench) simArgs() []string {
	var args []string
	sim := b.Profile.DUT.Sim
	for _, k := range slices.Sorted(maps.Keys(sim.Latency)) {
		args = append(args, "--latency", k+"="+sim.Latency[k])
	}
	for _, k := range slices.Sorted(maps.Keys(sim.Faults)) {
		args = append(args, "--fault", k+"="+sim.Faults[k])
	}
	if sim.Seed != 0 {
		args = append(args, "--seed", strconv.FormatUint(sim.Seed, 10))
	}
	return args
}

// startDUT starts the profile's DUT: a process the bench runs, nothing for
// a head unit already running, or a registered driver's (RegisterDUT).
func (b *Bench) startDUT(ctx context.Context, hil string) error {
	switch kind := b.Profile.DUT.Kind; kind {
	case profile.Process:
		simArgs := b.simArgs()
		argv := make([]string, 0, len(b.Profile.DUT.Argv)+len(simArgs))
		for _, a := range b.Profile.DUT.Argv {
			argv = append(argv, b.expand(a))
		}
		argv = append(argv, simArgs...)
		argv[0] = resolveHil(argv[0], hil)
		var err error
		if b.dut, err = probe.Command(ctx, "dut", argv); err != nil {
			return fmt.Errorf("start DUT: %w", err)
		}
	case profile.Bench:
	default:
		d, err := driverFor(kind)
		if err != nil {
			return err
		}
		if b.running, err = d.StartDUT(ctx, DUTEnv{Profile: b.Profile, Dial: func() (canbus.Bus, error) { return b.dial() }, RunDir: b.runDir}); err != nil {
			return fmt.Errorf("start DUT (%s): %w", kind, err)
		}
	}
	return nil
}

// resolveHil finds the hil binary for a profile that names it: HIL_BIN,
// the one the caller gives (hil run's own executable), this very program
// when its file is named hil, or hil on PATH.
func resolveHil(name, given string) string {
	if name != "hil" {
		return name
	}
	if p := os.Getenv("HIL_BIN"); p != "" {
		return p
	}
	if given != "" {
		return given
	}
	if exe, err := os.Executable(); err == nil && filepath.Base(exe) == "hil" {
		return exe
	}
	return name
}

// dutOutput is the tail of a process DUT's output, for an error about it.
func (b *Bench) dutOutput() string {
	if b.dut == nil {
		return ""
	}
	exited := ""
	select {
	case <-b.dut.Done():
		exited = "; the DUT exited"
	default:
	}
	lines := b.dut.Lines()
	if len(lines) == 0 {
		return exited + "; the DUT printed nothing"
	}
	if len(lines) > 20 {
		// The first lines say why it stopped; the last say where it was.
		lines = append(append(lines[:5:5], "..."), lines[len(lines)-15:]...)
	}
	return exited + "; the DUT's last output:\n  " + strings.Join(lines, "\n  ")
}

// awaitReady waits until the DUT is up: every *Ready signal of its messages
// is 1 (ready: heartbeat, the default), or its event stream shows an event
// (ready: event:SERVICE.EVENT[:FIELD=VALUE]).
func (b *Bench) awaitReady(ctx context.Context) error {
	if b.Profile.DUT.Ready == "none" {
		return nil
	}
	if ev, ok := strings.CutPrefix(b.Profile.DUT.Ready, "event:"); ok {
		return b.awaitReadyEvent(ctx, ev)
	}
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
	c := b.rec.follow(ctx, 0)
	defer c.close()
	for {
		f, err := c.next()
		if err != nil {
			return fmt.Errorf("wait for %s to be ready (its heartbeat's ready bits): %w", b.Profile.DUT.Node, err)
		}
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

func (b *Bench) awaitReadyEvent(ctx context.Context, spec string) error {
	if b.control == nil {
		return fmt.Errorf("wait for %s to be ready: ready: event:%s needs the DUT's event stream (dut.events)", b.Profile.DUT.Node, spec)
	}
	match, err := readyEvent(spec)
	if err != nil {
		return err
	}
	if _, err := b.control.Await(ctx, 0, match); err != nil {
		return fmt.Errorf("wait for %s to be ready (event %s): %w", b.Profile.DUT.Node, spec, err)
	}
	return nil
}

// readyEvent reads a readiness event, SERVICE.EVENT[:FIELD=VALUE] (the
// profile has checked its form), as a match on the event stream.
func readyEvent(spec string) (func(probe.Observation) bool, error) {
	name, cond, _ := strings.Cut(spec, ":")
	service, event, ok := strings.Cut(name, ".")
	if !ok || service == "" || event == "" {
		return nil, fmt.Errorf("ready event %q: want SERVICE.EVENT[:FIELD=VALUE], e.g. vehicle.power_state:state=Running", spec)
	}
	if cond == "" {
		return probe.Event(service, event), nil
	}
	field, value, ok := strings.Cut(cond, "=")
	if !ok {
		return nil, fmt.Errorf("ready event %q: condition %q is not FIELD=VALUE", spec, cond)
	}
	return probe.Event(service, event, field, value), nil
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
	if b.control != nil {
		b.control.Close()
	}
	if b.dut != nil {
		b.dut.Close()
	}
	if b.running != nil {
		errs = append(errs, b.running.Close())
	}
	if b.stop != nil {
		b.stop()
	}
	for _, d := range b.done {
		if err := <-d; err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	if b.runDir != "" {
		os.RemoveAll(b.runDir)
	}
	for _, bus := range []canbus.Bus{b.restBus, b.obs} {
		if bus != nil {
			bus.Close()
		}
	}
	return errors.Join(errs...)
}

// Silence stops the rest-bus sending a message, as when its ECU fails;
// Resume starts it again with its current signals.
//
// It returns once the bench has recorded the message's last frame: a spec
// that goes on to send a frame in its place (a forged counter) reads it
// with Latest, even when a busy host keeps the observer behind the bus.
func (b *Bench) Silence(name ref.Message) error {
	message := string(name)
	if m, ok := b.DB.Message(message); ok {
		b.self.restart(m, time.Now(), true)
	}
	if err := b.rest.Silence(message); err != nil {
		return err
	}
	b.syncObserver(observerLag)
	return nil
}

// Resume restarts a silenced message. Its alive counter continues from the
// message's last frame on the bus, the rest-bus's own or a one-off frame
// sent in its place (Send, Replay), so the DUT takes the first resumed
// frame as it would any other: restarting at 0 could repeat the counter of
// that last frame, and the DUT would rightly ignore it.
func (b *Bench) Resume(name ref.Message) error {
	message := string(name)
	m, ok := b.DB.Message(message)
	if !ok || !b.rest.Silenced(message) {
		return b.rest.Resume(b.runCtx, message) // a no-op, or an error naming the message
	}
	var last []byte
	if f, ok := b.lastOnBus(m); ok {
		last = f.Payload()
	}
	b.self.restart(m, time.Now(), false)
	return b.rest.ResumeAfter(b.runCtx, message, last)
}

// lastOnBus is the last frame of m on the bus: the recorder is first let
// catch up with the frames sent until now, for at most 100 ms.
func (b *Bench) lastOnBus(m *candb.Message) (canbus.Received, bool) {
	b.syncObserver(100 * time.Millisecond)
	return b.rec.latest(func(f *canbus.Received) bool {
		return f.ID == m.ID && f.Extended == m.Extended && !f.Error && !f.Remote
	})
}

// Dropped is how many frames the observer has lost so far.
func (b *Bench) Dropped() uint64 { return b.obs.Stats().Dropped }

// CycleTimes measures the intervals between n+1 consecutive frames of a
// message from now on, by their bus timestamps, for HoldCycleTime.
func (b *Bench) CycleTimes(ctx context.Context, name ref.Message, n int) (CycleTimes, error) {
	message := string(name)
	c := CycleTimes{Message: message}
	m, ok := b.DB.Message(message)
	if !ok {
		_, _, err := b.DB.Lookup(message, "x")
		return c, err
	}
	c.Nominal = m.CycleTime
	var prev time.Time
	cur := b.rec.follow(ctx, b.rec.end())
	defer cur.close()
	for len(c.Intervals) < n {
		f, ticked, err := cur.nextOrTick()
		if err == nil && ticked {
			// A message that stopped is the continuous checks' to report.
			if v := b.violation(); v != nil {
				err = fmt.Errorf("a continuous check failed: %v", v)
			}
		}
		if err != nil {
			return c, fmt.Errorf("cycle time of %s: %d of %d intervals: %w", message, len(c.Intervals), n, err)
		}
		if ticked || !isMessage(f, m) {
			continue
		}
		if !prev.IsZero() {
			c.Intervals = append(c.Intervals, f.Time.Sub(prev))
			c.Times = append(c.Times, f.Time)
		}
		prev = f.Time
	}
	return c, nil
}
