package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

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
	if *format == "" {
		*format = "log"
		if strings.HasSuffix(strings.ToLower(*outName), ".asc") {
			*format = "asc"
		}
	}
	if *format != "log" && *format != "asc" {
		return usageError(fs, "--format %q: want log or asc", *format)
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
	var line []byte
	recorded := 0
	frame := func(r *canbus.Received) error {
		line = canlog.AppendLog(line[:0], r, rx.width)
		recorded++
		_, err := out.Write(line)
		return wrapWrite(err)
	}
	drop := func(name string, n, total uint64) error {
		line = canlog.AppendDrop(line[:0], name, uint32(n), uint32(total))
		_, err := out.Write(line)
		return wrapWrite(err)
	}
	flush := func() error { return wrapWrite(out.Flush()) }
	finish := flush
	if *format == "asc" {
		asc := canlog.NewASCWriter(out)
		frame = func(r *canbus.Received) error {
			recorded++
			return wrapWrite(asc.Write(r))
		}
		drop = func(name string, n, total uint64) error {
			return wrapWrite(asc.Comment(fmt.Sprintf("%s dropped %d frames (%d in all)", name, n, total)))
		}
		flush = func() error { return wrapWrite(errors.Join(asc.Flush(), out.Flush())) }
		finish = func() error { return wrapWrite(errors.Join(asc.Close(), out.Flush())) }
	}
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
