// Command hil is cockpit-hil's one CLI: bus tools that bench engineers know
// from can-utils (dump, send, record, replay), with the same flag letters and
// byte-identical output, the reference head unit (sim), the rest of the car
// (restbus), and the scenario catalogue compiled in (run).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error
}

var commands = []command{
	{"dump", "print received frames as candump does", runDump},
	{"send", "send one frame in cansend syntax", runSend},
	{"encode", "print a frame built by signal names, or re-sealed, without a bus", runEncode},
	{"record", "write received frames to a log file as candump -L does", runRecord},
	{"replay", "play a log back with its timing as canplayer does", runReplay},
	{"link", "show or set a CAN interface: bitrate, modes, state, counters", runLink},
	{"decode", "append decoded signals to candump output, as cantools decode does", runDecode},
	{"dbc", "check, normalise or generate Go codecs from DBC files", runDBC},
	{"init", "write a Go module with a suite for your head unit and DBC", runInit},
	{"sim", "run the reference head unit on a bus", runSim},
	{"restbus", "play the rest of the car from a DBC, driven from stdin", runRestbus},
	{"run", "run the scenario suites against a bench profile, with a latency table", runRun},
	{"report", "render report.json as HTML; compare several runs", runReport},
	{"doctor", "check an interface and the head unit on it before a run", runDoctor},
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: hil COMMAND [OPTIONS] [ARGS]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nInterfaces: vcan0, can0 or any SocketCAN name; virtual (in-process bus);\nudp:GROUP:PORT (UDP multicast between processes on this host).\n\n'hil COMMAND -h' shows a command's options and examples.\n")
}

// exitError carries an exit status other than 1.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// errUsage marks a command-line mistake; the command has printed its usage.
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		ctx, sig := withSignals(context.Background())
		err := c.run(ctx, args[1:], stdin, stdout, stderr)
		if errors.Is(err, errServerStopped) {
			sig()
			return 0
		}
		if s := sig(); s != 0 && (err == nil || ctx.Err() != nil) {
			// As can-utils: everything received so far is written, then the
			// exit status tells which signal ended the run.
			return 128 + int(s)
		}
		var ee *exitError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		case errors.As(err, &ee):
			fmt.Fprintf(stderr, "hil %s: %v\n", c.name, ee.err)
			return ee.code
		}
		fmt.Fprintf(stderr, "hil %s: %v\n", c.name, err)
		return 1
	}
	fmt.Fprintf(stderr, "hil: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// withSignals cancels ctx on SIGINT or SIGTERM and reports which came.
func withSignals(parent context.Context) (context.Context, func() syscall.Signal) {
	ctx, cancel := context.WithCancel(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	var got syscall.Signal
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case s := <-ch:
			got = s.(syscall.Signal)
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() syscall.Signal {
		signal.Stop(ch)
		cancel()
		<-done
		return got
	}
}

// parseArgs parses flags wherever they stand, before or after positional
// arguments, as can-utils' getopt does ("hil dump vcan0 -n 10").
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	args = splitAttached(fs, args)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, errUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// splitAttached turns getopt's attached values ("-ta", "-n10") into two
// arguments for one-letter flags that take a value.
func splitAttached(fs *flag.FlagSet, args []string) []string {
	out := make([]string, 0, len(args))
	for _, a := range args {
		if len(a) > 2 && a[0] == '-' && a[1] != '-' && !strings.Contains(a, "=") {
			if f := fs.Lookup(a[1:2]); f != nil && fs.Lookup(a[1:]) == nil {
				if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !bf.IsBoolFlag() {
					out = append(out, a[:2], a[2:])
					continue
				}
			}
		}
		out = append(out, a)
	}
	return out
}

// newFlags makes a command's flag set with a usage text of the can-utils
// kind: synopsis, options, examples.
func newFlags(name, synopsis, examples string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: hil %s %s\n\noptions:\n", name, synopsis)
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprintf(stderr, "\nexamples:\n%s", examples)
		}
	}
	return fs
}

func usageError(fs *flag.FlagSet, format string, a ...any) error {
	fmt.Fprintf(fs.Output(), "hil %s: %s\n\n", fs.Name(), fmt.Sprintf(format, a...))
	fs.Usage()
	return errUsage
}

// splitIface splits candump's "vcan0,123:7FF" into name and filter spec.
func splitIface(arg string) (name, filters string) {
	name, filters, _ = strings.Cut(arg, ",")
	return name, filters
}
