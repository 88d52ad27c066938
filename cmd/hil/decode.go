package main

import (
	"bufio"
	"context"
	"io"
	"os"
	"strings"

	"github.com/cockpit-hil/hil/can/canlog"
)

const decodeExamples = `  candump vcan0 | hil decode --dbc oem.dbc          live, any candump style
  hil decode --dbc oem.dbc drive.log                 a log file
  hil decode drive.log                               the built-in reference network

Each line is printed as it came, followed by " :: Message(Signal: value unit, ...)"
as cantools decode --single-line prints it (" :: Unknown frame id ..." for IDs
the DBC lacks). Lines that are not frames pass through unchanged.
`

func runDecode(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("decode", "[--dbc FILE] [LOG]", decodeExamples, stderr)
	dbcPath := fs.String("dbc", "", "the DBC `FILE` (default: the built-in reference network)")
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
	in := stdin
	if len(pos) == 1 && pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	a := annotator{db: db}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if ctx.Err() != nil {
			return nil
		}
		line := strings.TrimRight(sc.Text(), "\r")
		out.WriteString(line)
		if rec, err := canlog.ParseLineLoose(line); err == nil && rec.Kind == canlog.FrameLine {
			out.WriteString(a.annotate(&rec.Frame))
		}
		out.WriteByte('\n')
		if len(sc.Bytes()) == 0 || !bufferedInput(in) {
			out.Flush()
		}
	}
	return sc.Err()
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
