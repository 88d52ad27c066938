// Package unit is the OEM head unit this example's suite tests: a stand-in
// for a supplier's unit, written from the network's DBC alone. It registers
// itself as the DUT kind "oem-unit" (harness.RegisterDUT), so the suite runs
// it in process on the bench's bus, as the reference head unit runs as the
// kind "simulator". A unit of its own process or on a bench needs no driver:
// profile.yaml's dut.kind process or bench.
//
// Its contract: HU_Media every 100 ms and at once on a change, with
// HU_Ready set once it has booted; HU_Alive every 100 ms with a counter;
// a press of SWM_Keys.NextKey (the key's bit rising) is the next track,
// PrevKey the one before, never below 0.
package unit

import (
	"context"
	"errors"
	"time"

	"example.com/oem/oemcan"
	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/harness"
	"go.einride.tech/can"
)

// Kind is the dut.kind that runs this unit.
const Kind = "oem-unit"

// Boot is how long the unit takes to set HU_Ready.
const Boot = 200 * time.Millisecond

func init() { harness.RegisterDUT(Kind, driver{}) }

type driver struct{}

func (driver) StartDUT(ctx context.Context, env harness.DUTEnv) (harness.RunningDUT, error) {
	bus, err := env.Dial()
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(ctx)
	r := &running{stop: stop, done: make(chan error, 1)}
	go func() {
		err := run(ctx, bus)
		bus.Close()
		r.done <- err
	}()
	return r, nil
}

type running struct {
	stop context.CancelFunc
	done chan error
}

func (r *running) Events() string { return "" } // no event stream
func (r *running) Clients() int   { return -1 }

func (r *running) Close() error {
	r.stop()
	if err := <-r.done; !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// run is the unit: its receive loop hands key frames to the main loop,
// which sends on its cycle and on a change.
func run(ctx context.Context, bus canbus.Bus) error {
	keys := make(chan oemcan.SWM_Keys, 16)
	received := make(chan error, 1)
	go func() { received <- receive(ctx, bus, keys) }()
	defer func() { <-received }()

	media := oemcan.NewHU_Media()
	alive := oemcan.NewHU_Alive()
	var was oemcan.SWM_Keys
	booted := time.After(Boot)
	// Each message keeps its own cycle: a change restarts HU_Media's.
	mediaCycle, aliveCycle := time.NewTicker(100*time.Millisecond), time.NewTicker(100*time.Millisecond)
	defer mediaCycle.Stop()
	defer aliveCycle.Stop()
	send := func(m interface{ MarshalFrame() (can.Frame, error) }) error {
		f, err := m.MarshalFrame()
		if err != nil {
			return err
		}
		out := canbus.Frame{ID: f.ID, Len: f.Length}
		copy(out.Data[:], f.Data[:f.Length])
		return bus.Send(ctx, out)
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-received:
			received <- err // for the deferred wait
			return err
		case <-booted:
			media.SetHU_Ready(true)
			if err := send(media); err != nil {
				return err
			}
		case k := <-keys:
			track := media.Track()
			if k.NextKey() && !was.NextKey() && track < 255 {
				track++
			}
			if k.PrevKey() && !was.PrevKey() && track > 0 {
				track--
			}
			was = k
			if track != media.Track() && media.HU_Ready() {
				media.SetTrack(track)
				if err := send(media); err != nil { // at once on a change
					return err
				}
				mediaCycle.Reset(100 * time.Millisecond)
			}
		case <-mediaCycle.C:
			if err := send(media); err != nil {
				return err
			}
		case <-aliveCycle.C:
			alive.SetAliveCounter((alive.AliveCounter() + 1) % 16)
			if err := send(alive); err != nil {
				return err
			}
		}
	}
}

// receive decodes every SWM_Keys frame on the bus.
func receive(ctx context.Context, bus canbus.Bus, keys chan<- oemcan.SWM_Keys) error {
	id := oemcan.NewSWM_Keys().Descriptor().ID
	for {
		r, err := bus.Receive(ctx)
		if err != nil {
			return err
		}
		if r.ID != id || r.Extended || r.Remote || r.Error {
			continue
		}
		var k oemcan.SWM_Keys
		f := can.Frame{ID: r.ID, Length: r.Len}
		copy(f.Data[:], r.Payload())
		if k.UnmarshalFrame(f) != nil {
			continue
		}
		select {
		case keys <- k:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
