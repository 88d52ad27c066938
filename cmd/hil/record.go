package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/canlog"
)

const recordExamples = `  hil record -o drive.log vcan0           until Ctrl-C
  hil record -o - -n 1000 can0            1000 frames to stdout
  hil record -o idle.log -T 2000 vcan0    until 2 s without a frame

  hil record -o drive.asc vcan0           Vector ASC, for CANoe and CANalyzer

The file holds what candump -L prints, byte for byte, plus a DROPCOUNT line
(as candump -l -d writes) wherever the kernel dropped frames. With --format
asc (the default for a FILE ending in .asc) it is a Vector ASC trace as
python-can writes it, drops noted as comments. At the end
"recorded N frames, dropped D" goes to stderr.
`

func runRecord(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("record", "-o FILE [OPTIONS] IFACE[,ID:MASK]...", recordExamples, stderr)
	var rf receiveFlags
	rf.register(fs)
	outName := fs.String("o", "", "write the log to `FILE` (- for stdout)")
	format := fs.String("format", "", "`FORMAT` of the file: log (candump -L) or asc (Vector); default by the file name")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if *outName == "" {
		return usageError(fs, "no output file (-o FILE)")
	}
	if _, err := canlog.NewWriter(io.Discard, *format, *outName, 0); err != nil {
		return usageError(fs, "--format: %v", err) // before any interface opens
	}
	if err := checkIfaces(fs, pos); err != nil {
		return err
	}
	rx, err := openReceiver(pos, rf)
	if err != nil {
		return err
	}
	defer rx.close()
	var w io.Writer = stdout
	if *outName != "-" {
		f, err := os.Create(*outName)
		if err != nil {
			return fmt.Errorf("create %s: %w", *outName, err)
		}
		defer f.Close()
		w = f
	}
	out := bufio.NewWriterSize(w, 256<<10)
	tw, _ := canlog.NewWriter(out, *format, *outName, rx.width) // checked above
	recorded := 0
	frame := func(r *canbus.Received) error {
		recorded++
		return wrapWrite(tw.Write(r))
	}
	drop := func(name string, n, total uint64) error {
		return wrapWrite(tw.Dropped(name, uint32(n), uint32(total)))
	}
	flush := func() error { return wrapWrite(errors.Join(tw.Flush(), out.Flush())) }
	finish := func() error { return wrapWrite(errors.Join(tw.Close(), out.Flush())) }
	err = rx.run(ctx, frame, drop, flush)
	if ferr := finish(); err == nil {
		err = ferr
	}
	if f, ok := w.(*os.File); ok && w != stdout {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("close %s: %w", *outName, cerr)
		}
	}
	fmt.Fprintf(stderr, "recorded %d frames, dropped %d\n", recorded, rx.dropped())
	return err
}
