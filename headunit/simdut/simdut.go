// Package simdut runs the reference head unit in the bench's own process,
// as the DUT of kind simulator (profiles/sim.yaml). Import it for its side
// effect, where a suite wants the simulator:
//
//	import _ "github.com/cockpit-hil/hil/headunit/simdut"
//
// It serves the unit's event stream on a private socket, so controls and
// event probes work as on a DUT of its own process.
package simdut

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"slices"

	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/cockpit-hil/hil/headunit"
)

func init() { harness.RegisterDUT(profile.Simulator, driver{}) }

type driver struct{}

func (driver) StartDUT(ctx context.Context, env harness.DUTEnv) (harness.RunningDUT, error) {
	set, err := Settings(env.Profile.DUT.Sim)
	if err != nil {
		return nil, err
	}
	bus, err := env.Dial()
	if err != nil {
		return nil, err
	}
	events, err := headunit.ListenEvents("unix:" + filepath.Join(env.RunDir, "events.sock"))
	if err != nil {
		bus.Close()
		return nil, err
	}
	unit := headunit.New(bus, set, headunit.WithEvents(events.Publish))
	ctx, stop := context.WithCancel(ctx)
	d := &dut{events: events, stop: stop, ran: make(chan error, 1), served: make(chan error, 1)}
	go func() {
		d.ran <- unit.Run(ctx)
		bus.Close()
	}()
	go func() { d.served <- events.Serve(ctx, unit) }()
	return d, nil
}

// Settings are the simulator settings of a profile's dut.sim.
func Settings(sim profile.Sim) (headunit.Settings, error) {
	set := headunit.Settings{Seed: sim.Seed}
	for _, k := range slices.Sorted(maps.Keys(sim.Latency)) {
		if err := set.SetLatency(k + "=" + sim.Latency[k]); err != nil {
			return set, err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(sim.Faults)) {
		if err := set.SetFault(k + "=" + sim.Faults[k]); err != nil {
			return set, err
		}
	}
	return set, nil
}

type dut struct {
	events      *headunit.EventServer
	stop        context.CancelFunc
	ran, served chan error
}

func (d *dut) Events() string { return d.events.Addr() }
func (d *dut) Clients() int   { return d.events.Clients() }

func (d *dut) Close() error {
	d.stop()
	var errs []error
	for _, c := range []chan error{d.ran, d.served} {
		if err := <-c; err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	errs = append(errs, d.events.Close())
	return errors.Join(errs...)
}
