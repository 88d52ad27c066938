package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/canlog"
	"github.com/cockpit-hil/hil/dbc/protection"
)

const dumpExamples = `  hil dump vcan0                      every frame, as candump vcan0 prints it
  hil dump -L vcan0                   log format: (1700000000.123456) vcan0 123#DEADBEEF
  hil dump -ta vcan0,123:7FF          absolute timestamps, only ID 0x123
  hil dump vcan0,400~7F0 vcan1 -n 10  two interfaces, IDs outside 0x40x, 10 frames
  hil dump -e vcan0,#FFFFFFFF         error frames, decoded
  hil dump --dbc oem.dbc can0         each line followed by " :: Message(Signal: value, ...)"

Filters as candump: ID:MASK accepts (rxID & MASK) == (ID & MASK), ID~MASK the
opposite, #ERRMASK selects error classes; an 8-digit ID means an extended frame.
Unlike candump, dropped frames are always reported (DROPCOUNT lines, as candump -d).
`

func runDump(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("dump", "[OPTIONS] IFACE[,ID:MASK]...", dumpExamples, stderr)
	var rf receiveFlags
	rf.register(fs)
	logFormat := fs.Bool("L", false, "print the log format (as candump -L)")
	logFile := fs.Bool("l", false, "also write a log file candump-YYYY-MM-DD_HHMMSS.log (as candump -l)")
	stamp := fs.String("t", "", "timestamp `TYPE`: a (absolute), A (date), d (delta), z (from zero)")
	ascii := fs.Bool("a", false, "print printable bytes after the data")
	dbcPath := fs.String("dbc", "", "decode frames with the DBC `FILE` (\"builtin\" for the reference network)")
	e2eSpec := fs.String("e2e", "", "with --dbc, check E2E protection by `SPEC`: a preset ("+strings.Join(protection.Presets(), ", ")+") or a file")
	errorView := fs.Bool("e", false, "print error frames decoded (receive them with IFACE,#ERRMASK)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := checkIfaces(fs, pos); err != nil {
		return err
	}
	screen := canlog.Screen{ASCII: *ascii, ErrorInfo: *errorView}
	switch *stamp {
	case "":
	case "a", "A", "d", "z":
		screen.Timestamp = canlog.Timestamp((*stamp)[0])
	default:
		return usageError(fs, "-t %q: want a, A, d or z", *stamp)
	}
	rx, err := openReceiver(pos, rf)
	if err != nil {
		return err
	}
	defer rx.close()
	screen.Width = rx.width
	var ann *annotator
	if *dbcPath != "" {
		path := *dbcPath
		if path == "builtin" {
			path = ""
		}
		db, err := loadDBC(path, stderr)
		if err != nil {
			return err
		}
		if ann, err = newAnnotator(db, *e2eSpec); err != nil {
			return err
		}
	}

	out := bufio.NewWriterSize(stdout, 64<<10)
	var logOut *bufio.Writer
	if *logFile {
		name := time.Now().Format("candump-2006-01-02_150405.log")
		f, err := os.Create(name)
		if err != nil {
			return fmt.Errorf("create log file: %w", err)
		}
		defer f.Close()
		fmt.Fprintf(stderr, "\nEnabling Logfile '%s'\n\n", name)
		logOut = bufio.NewWriterSize(f, 64<<10)
	}
	var line []byte
	frame := func(r *canbus.Received) error {
		if logOut != nil {
			line = canlog.AppendLog(line[:0], r, rx.width)
			if _, err := logOut.Write(line); err != nil {
				return wrapWrite(err)
			}
		}
		if *logFormat {
			line = canlog.AppendLog(line[:0], r, rx.width)
		} else {
			line = screen.Append(line[:0], r)
		}
		if ann != nil {
			if a := ann.annotate(r); a != "" {
				line = append(append(line[:len(line)-1], a...), '\n')
			}
		}
		_, err := out.Write(line)
		return wrapWrite(err)
	}
	drop := func(name string, n, total uint64) error {
		line = canlog.AppendDrop(line[:0], name, uint32(n), uint32(total))
		if logOut != nil {
			logOut.Write(line)
		}
		_, err := out.Write(line)
		return wrapWrite(err)
	}
	flush := func() error {
		if logOut != nil {
			if err := logOut.Flush(); err != nil {
				return wrapWrite(err)
			}
		}
		return wrapWrite(out.Flush())
	}
	err = rx.run(ctx, frame, drop, flush)
	if ferr := flush(); err == nil {
		err = ferr
	}
	return err
}
