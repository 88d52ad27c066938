package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cockpit-hil/hil/can/canlog"
	"github.com/cockpit-hil/hil/dbc/protection"
)

const decodeExamples = `  candump vcan0 | hil decode --dbc oem.dbc          live, any candump style
  hil decode --dbc oem.dbc drive.log                 a log file
  hil decode drive.log                               the built-in reference network
  hil decode --dbc oem.dbc capture.asc               a Vector ASC trace (CANoe, CANalyzer)
  hil decode --dbc vw_mqb.dbc --e2e vw-mqb drive.log  each protected frame judged: E2E ok or E2E bad (why)

Each line is printed as it came, followed by " :: Message(Signal: value unit, ...)"
as cantools decode --single-line prints it (" :: Unknown frame id ..." for IDs
the DBC lacks). Lines that are not frames pass through unchanged. A Vector
ASC trace (told by its "date"/"base" header, or a .asc name) is printed frame
by frame as candump log lines, each decoded. With --e2e, a protected
message's line ends " :: E2E ok" or " :: E2E bad (CRC 0x6B, want 0x5A)",
"(counter 3 repeated)", "(counter 15 out of range 0..14)"; the counter is
followed per interface and message.
`

func runDecode(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("decode", "[--dbc FILE] [LOG]", decodeExamples, stderr)
	dbcPath := fs.String("dbc", "", "the DBC `FILE` (default: the built-in reference network)")
	e2eSpec := fs.String("e2e", "", "check E2E protection by `SPEC`: a preset ("+strings.Join(protection.Presets(), ", ")+") or a file")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageError(fs, "one log at a time")
	}
	db, err := loadDBC(*dbcPath, stderr)
	if err != nil {
		return err
	}
	in, name := stdin, "stdin"
	if len(pos) == 1 && pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in, name = f, pos[0]
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	a, err := newAnnotator(db, *e2eSpec)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(in, 64<<10)
	if canlog.IsASC(br, name) {
		return decodeRecords(ctx, canlog.NewASCReader(br, name), out, a, stderr)
	}
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if ctx.Err() != nil {
			return nil
		}
		line := strings.TrimRight(sc.Text(), "\r")
		out.WriteString(line)
		if rec, err := canlog.ParseLineLoose(line); err == nil && rec.Kind == canlog.FrameLine {
			out.WriteString(a.annotate(&rec.Received))
		}
		out.WriteByte('\n')
		if len(sc.Bytes()) == 0 || !bufferedInput(in) {
			out.Flush()
		}
	}
	return sc.Err()
}

// decodeRecords decodes a trace that is not candump text (Vector ASC):
// each frame as a candump log line, then its decoding.
func decodeRecords(ctx context.Context, r canlog.RecordReader, out *bufio.Writer, a *annotator, stderr io.Writer) error {
	var line []byte
	for ctx.Err() == nil {
		rec, err := r.Next()
		var le *canlog.LineError
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.As(err, &le):
			fmt.Fprintf(stderr, "hil decode: skipped: %v\n", le)
			continue
		case err != nil:
			return err
		}
		if rec.Kind != canlog.FrameLine {
			continue
		}
		line = canlog.AppendLog(line[:0], &rec.Received, 0)
		out.Write(line[:len(line)-1])
		out.WriteString(a.annotate(&rec.Received))
		out.WriteByte('\n')
	}
	return nil
}

// bufferedInput reports whether input is a file (flush at the end) rather
// than a pipe from candump (flush every line, so decoding is live).
func bufferedInput(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return true
	}
	st, err := f.Stat()
	return err == nil && st.Mode().IsRegular()
}
