package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/candial"
	"github.com/cockpit-hil/hil/can/canlog"
)

const replayExamples = `  hil replay -I drive.log                  frames go to the interfaces they were logged on
  hil replay -I drive.log vcan0=can0       frames logged on can0 go to vcan0
  hil replay -I drive.log -l 3 -s 2        three passes, pauses over 2 s skipped
  hil replay -I drive.log -g 10            one frame every 10 ms, timestamps ignored
  hil replay -I capture.asc vcan0=can0     a Vector ASC trace (its channel 1 is can0)
  candump -L can0 | hil replay vcan1=can0  live bridge from a candump pipe

Timing: frames go out at their logged offsets from the first frame, scheduled
on the monotonic clock. canplayer instead polls every -g ms (default 1 ms); here
-g means a fixed gap between frames in place of the timestamps. With
assignments, frames from interfaces that are not assigned are skipped, as
canplayer does. Lines that are not frames are skipped with a warning naming
the line; a trace none of whose lines is a frame is an error. The format
(candump log or Vector ASC) is told by the file's header, or a .asc name.
`

func runReplay(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("replay", "[OPTIONS] [DEST=SRC]...", replayExamples, stderr)
	in := fs.String("I", "", "read the log from `FILE` (default stdin)")
	loopsText := fs.String("l", "1", "play the file `NUM` times (i: forever)")
	gapMs := fs.Int("g", 0, "fixed gap of `MSECS` between frames instead of the timestamps")
	noTiming := fs.Bool("t", false, "ignore timestamps: send frames as fast as possible")
	skip := fs.Int("s", 0, "skip pauses in the timestamps longer than `SECS`")
	verbose := fs.Bool("v", false, "print each frame sent")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	loops := 1
	if *loopsText == "i" {
		loops = -1
	} else if loops, err = strconv.Atoi(*loopsText); err != nil || loops < 1 {
		return usageError(fs, "-l %q: want a positive count or i", *loopsText)
	}
	assign := map[string]string{}
	for _, a := range pos {
		dest, src, ok := strings.Cut(a, "=")
		if !ok || dest == "" || src == "" {
			return usageError(fs, "assignment %q: want DEST=SRC", a)
		}
		assign[src] = dest
	}
	if *in == "" && loops != 1 {
		return usageError(fs, "-l needs -I FILE: stdin can be read once")
	}

	buses := map[string]canbus.Bus{}
	defer func() {
		for _, b := range buses {
			b.Close()
		}
	}()
	busFor := func(logIface string) (canbus.Bus, string, error) {
		dest := logIface
		if len(assign) > 0 {
			var ok bool
			if dest, ok = assign[logIface]; !ok {
				return nil, "", nil
			}
		}
		if b := buses[dest]; b != nil {
			return b, dest, nil
		}
		b, err := candial.Open(dest)
		if err != nil {
			return nil, "", err
		}
		buses[dest] = b
		return b, dest, nil
	}
	screen := canlog.Screen{}
	var line []byte
	player := canlog.Player{
		Gap:              time.Duration(*gapMs) * time.Millisecond,
		IgnoreTimestamps: *noTiming,
		SkipGap:          time.Duration(*skip) * time.Second,
		Errors:           func(e *canlog.LineError) { fmt.Fprintf(stderr, "hil replay: skipped: %v\n", e) },
		Send: func(ctx context.Context, rec *canlog.Record) error {
			bus, dest, err := busFor(rec.Interface)
			if err != nil || bus == nil {
				return err
			}
			if err := bus.Send(ctx, rec.Frame); err != nil {
				return err
			}
			if *verbose {
				fmt.Fprintf(stdout, "%s (%s) ", dest, rec.Interface)
				shown := rec.Received
				shown.Interface = ""
				line = screen.Append(line[:0], &shown)
				stdout.Write(line[3:]) // without the interface column
			}
			return nil
		},
	}
	for pass := 0; loops < 0 || pass < loops; pass++ {
		src, name, closeSrc, err := openTrace(*in, stdin)
		if err != nil {
			return err
		}
		_, err = player.Play(ctx, canlog.Open(src, name))
		closeSrc()
		if errors.Is(err, context.Canceled) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func openTrace(path string, stdin io.Reader) (io.Reader, string, func(), error) {
	if path == "" || path == "-" {
		return stdin, "stdin", func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", nil, fmt.Errorf("open trace: %w", err)
	}
	return f, path, func() { f.Close() }, nil
}
