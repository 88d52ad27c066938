package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cockpit-hil/hil/can/candial"
	"github.com/cockpit-hil/hil/headunit"
	"github.com/cockpit-hil/hil/headunit/reaction"
	"golang.org/x/sync/errgroup"
)

// simExamples is sim's help after its flags; the keys and rules come
// from the reference head unit itself.
func simExamples() string {
	return `  hil sim --bus vcan0                                   the reference head unit on vcan0
  hil sim --bus vcan0 --events 127.0.0.1:7070           with its event stream (JSON lines)
  hil sim --bus vcan0 --latency music.next=400ms        make a reaction slow (fixed)
  hil sim --bus vcan0 --latency music.next=uniform:50ms-200ms --seed 7
  hil sim --bus vcan0 --fault music.next=drop:30% --fault heartbeat=stop-after:10s
  hil sim --bus vcan0 --fault counter-check=off         break a rule of the design
  hil sim --bus vcan0 --fault sim=crash-after:5s        exits with status 1 after 5 s

` + wrapText("Reaction keys: "+strings.Join(reaction.Keys(), ", ")+".", 78) + `
Latencies: 400ms | uniform:MIN-MAX | normal:MEAN,SD. Faults: KEY=drop:P%,
heartbeat=stop-after:DURATION, sim=crash-after:DURATION, RULE=off for the
` + wrapText("rules "+strings.Join(headunit.Rules(), ", ")+" (docs/design.md, section 8).", 78) + `
It needs the rest of the car on the bus (hil restbus): the power mode ON boots it.
SIGINT or SIGTERM end it cleanly with status 0.
`
}

// wrapText breaks text into lines of at most width columns, at spaces.
func wrapText(text string, width int) string {
	var b strings.Builder
	col := 0
	for i, w := range strings.Fields(text) {
		if i > 0 && col+1+len(w) > width {
			b.WriteByte('\n')
			col = 0
		} else if i > 0 {
			b.WriteByte(' ')
			col++
		}
		b.WriteString(w)
		col += len(w)
	}
	return b.String()
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runSim(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("sim", "[--bus IFACE] [--events ADDR] [--latency KEY=DURATION]... [--fault KEY=FAULT]... [--seed N]", simExamples(), stderr)
	bus := fs.String("bus", "vcan0", "the `IFACE` to run on (vcan0, can0, udp:GROUP:PORT)")
	events := fs.String("events", "", "serve the event stream on `ADDR` (HOST:PORT, :PORT on loopback, or unix:PATH)")
	seed := fs.Uint64("seed", 1, "`N` makes random latencies and drops repeatable")
	var latencies, faults multiFlag
	fs.Var(&latencies, "latency", "`KEY=DURATION` of a reaction (repeatable)")
	fs.Var(&faults, "fault", "`KEY=FAULT` to inject (repeatable)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected %q", pos[0])
	}
	set := headunit.Settings{Seed: *seed}
	for _, l := range latencies {
		if err := set.SetLatency(l); err != nil {
			return usageError(fs, "%v", err)
		}
	}
	for _, f := range faults {
		if err := set.SetFault(f); err != nil {
			return usageError(fs, "%v", err)
		}
	}
	b, err := candial.Open(*bus)
	if err != nil {
		return err
	}
	defer b.Close()
	var opts []headunit.Option
	var srv *headunit.EventServer
	if *events != "" {
		if srv, err = headunit.ListenEvents(*events); err != nil {
			return err
		}
		defer srv.Close()
		opts = append(opts, headunit.WithEvents(srv.Publish))
	}
	unit := headunit.New(b, set, opts...)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return unit.Run(gctx) })
	if srv != nil {
		g.Go(func() error { return srv.Serve(gctx, unit) })
		fmt.Fprintf(stderr, "hil sim: events on %s\n", srv.Addr())
	}
	fmt.Fprintf(stderr, "hil sim: reference head unit on %s\n", *bus)
	err = g.Wait()
	if errors.Is(err, headunit.ErrCrash) {
		return &exitError{code: 1, err: err}
	}
	if err == nil && ctx.Err() != nil {
		return errServerStopped
	}
	return err
}

// errServerStopped marks a server ended by SIGINT or SIGTERM: its normal end.
var errServerStopped = errors.New("stopped by signal")
