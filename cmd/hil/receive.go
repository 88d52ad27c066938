package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/candial"
)

// receiveFlags are the receive options dump and record share, with
// candump's letters.
type receiveFlags struct {
	count   int
	timeout int
	rcvbuf  int
}

func (rf *receiveFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&rf.count, "n", 0, "terminate after receiving `COUNT` frames")
	fs.IntVar(&rf.timeout, "T", 0, "terminate after `MSECS` without a frame")
	fs.IntVar(&rf.rcvbuf, "r", 0, "set the socket receive buffer to `BYTES`")
}

// receiver merges the frames of one or more buses, as candump reads
// several sockets, and reports drops as they appear.
type receiver struct {
	buses []canbus.Bus
	names []string
	width int // longest interface name, for candump's alignment
	flags receiveFlags
}

func openReceiver(args []string, rf receiveFlags) (*receiver, error) {
	r := &receiver{flags: rf}
	for _, arg := range args {
		name, spec := splitIface(arg)
		filters, errMask, err := canbus.ParseFilters(spec)
		if err != nil {
			r.close()
			return nil, err
		}
		opts := []canbus.Option{canbus.WithFilters(filters...), canbus.WithErrorMask(errMask)}
		if rf.rcvbuf > 0 {
			opts = append(opts, canbus.WithReceiveBuffer(rf.rcvbuf))
		}
		bus, err := candial.Open(name, opts...)
		if err != nil {
			r.close()
			return nil, err
		}
		r.buses = append(r.buses, bus)
		r.names = append(r.names, name)
		r.width = max(r.width, len(name))
	}
	return r, nil
}

func (r *receiver) close() {
	for _, b := range r.buses {
		b.Close()
	}
}

type item struct {
	rx  canbus.Received
	bus int
	err error
}

// run calls frame for every received frame and drop when a bus reports
// new drops; flush when no frame is waiting. It ends at COUNT frames, after
// MSECS of silence, or when ctx ends (which is not an error).
func (r *receiver) run(ctx context.Context, frame func(*canbus.Received) error, drop func(name string, n, total uint64) error, flush func() error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan item, 1024)
	done := make(chan struct{})
	for i, b := range r.buses {
		go func() {
			defer func() { done <- struct{}{} }()
			for {
				rx, err := b.Receive(ctx)
				select {
				case ch <- item{rx: rx, bus: i, err: err}:
				case <-ctx.Done():
					return
				}
				if err != nil {
					return
				}
			}
		}()
	}
	defer func() {
		cancel()
		for range r.buses {
			<-done
		}
	}()
	lastDrops := make([]uint64, len(r.buses))
	var silence <-chan time.Time
	var timer *time.Timer
	if r.flags.timeout > 0 {
		timer = time.NewTimer(time.Duration(r.flags.timeout) * time.Millisecond)
		defer timer.Stop()
		silence = timer.C
	}
	received := 0
	// Drops are checked whenever the queue runs dry and at the end, not per
	// frame: asking the kernel costs a system call.
	checkDrops := func() error {
		for i, b := range r.buses {
			if d := b.Stats().Dropped; d != lastDrops[i] {
				if err := drop(r.names[i], d-lastDrops[i], d); err != nil {
					return err
				}
				lastDrops[i] = d
			}
		}
		return nil
	}
	defer checkDrops()
	for {
		var it item
		select {
		case it = <-ch:
		default:
			if err := checkDrops(); err != nil {
				return err
			}
			if err := flush(); err != nil {
				return err
			}
			select {
			case it = <-ch:
			case <-ctx.Done():
				return nil
			case <-silence:
				return nil
			}
		}
		if it.err != nil {
			if ctx.Err() != nil && errors.Is(it.err, ctx.Err()) {
				return nil
			}
			return it.err
		}
		if err := frame(&it.rx); err != nil {
			return err
		}
		received++
		if r.flags.count > 0 && received >= r.flags.count {
			return checkDrops()
		}
		if timer != nil {
			timer.Reset(time.Duration(r.flags.timeout) * time.Millisecond)
		}
	}
}

// dropped sums the drops of every bus.
func (r *receiver) dropped() uint64 {
	var d uint64
	for _, b := range r.buses {
		d += b.Stats().Dropped
	}
	return d
}

func checkIfaces(fs *flag.FlagSet, pos []string) error {
	if len(pos) == 0 {
		return usageError(fs, "no interface given")
	}
	for _, p := range pos {
		if name, _ := splitIface(p); name == "" {
			return usageError(fs, "empty interface name in %q", p)
		}
	}
	return nil
}

func wrapWrite(err error) error {
	if err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}
