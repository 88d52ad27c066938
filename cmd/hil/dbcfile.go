package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/codegen"
	"github.com/cockpit-hil/hil/dbc/e2e"
	"github.com/cockpit-hil/hil/dbc/protection"
)

// loadDBC loads --dbc FILE; "" means the built-in reference network.
// Repairs go to stderr once, so a person knows what was read generously.
func loadDBC(path string, stderr io.Writer) (*candb.Database, error) {
	var db *candb.Database
	var err error
	if path == "" {
		db, err = candb.Parse("infotainment.dbc (built in)", dbc.Infotainment)
	} else {
		db, err = candb.Load(path)
	}
	if err != nil {
		return nil, err
	}
	if n := len(db.Repairs); n > 0 {
		fmt.Fprintf(stderr, "hil: %s read with %d repair(s) (hil dbc check -v %s lists them)\n", db.File, n, db.File)
	}
	return db, nil
}

// annotator makes what cantools decode --single-line appends to a candump
// line: " :: Message(Signal: value unit, ...)", or cantools' words for an
// unknown ID or a frame too short for its message; with E2E protection
// given (--e2e), a protected message's line ends " :: E2E ok" or
// " :: E2E bad (REASON)".
type annotator struct {
	db        *candb.Database
	values    []candb.Value
	b         strings.Builder
	protected map[string]e2e.Layout      // by message name
	checks    map[[2]string]*e2e.Checker // by interface and message: each sender's counter
}

// newAnnotator decodes by db and, with spec (a preset or a file, "" for
// none), checks each protected message's E2E protection.
func newAnnotator(db *candb.Database, spec string) (*annotator, error) {
	a := &annotator{db: db}
	if spec == "" {
		return a, nil
	}
	c, err := protection.Load(spec)
	if err != nil {
		return nil, err
	}
	if a.protected, err = c.Layouts(db); err != nil {
		return nil, err
	}
	a.checks = map[[2]string]*e2e.Checker{}
	return a, nil
}

// e2eVerdict is what the protection of m says of a frame, "" when m is
// not protected.
func (a *annotator) e2eVerdict(iface string, m *candb.Message, data []byte) string {
	l, ok := a.protected[m.Name]
	if !ok {
		return ""
	}
	key := [2]string{iface, m.Name}
	c := a.checks[key]
	if c == nil {
		c = e2e.NewChecker(l)
		a.checks[key] = c
	}
	var ce *e2e.CheckError
	if err := c.Accept(data); errors.As(err, &ce) {
		return " :: E2E bad (" + ce.Reason() + ")"
	} else if err != nil {
		return " :: E2E bad (" + err.Error() + ")"
	}
	return " :: E2E ok"
}

func (a *annotator) annotate(r *canbus.Received) string {
	f := &r.Frame
	if f.Error || f.Remote {
		return ""
	}
	m, ok := a.db.MessageByID(f.ID, f.Extended)
	if !ok {
		return fmt.Sprintf(" :: Unknown frame id %d (0x%x)", f.ID, f.ID)
	}
	a.b.Reset()
	a.b.WriteString(" :: ")
	if int(f.Len) < m.Length {
		fmt.Fprintf(&a.b, "unpack requires at least %d bits to unpack (got %d)", 8*m.Length, 8*int(f.Len))
		return a.b.String()
	}
	a.values = m.Decode(f.Payload(), a.values[:0])
	a.b.WriteString(m.Name)
	a.b.WriteByte('(')
	for i, v := range a.values {
		if i > 0 {
			a.b.WriteString(", ")
		}
		a.b.WriteString(v.Signal.Name)
		a.b.WriteString(": ")
		a.b.WriteString(v.Format())
	}
	a.b.WriteByte(')')
	a.b.WriteString(a.e2eVerdict(r.Interface, m, f.Payload()))
	return a.b.String()
}

const dbcExamples = `  hil dbc check oem.dbc other.dbc          one verdict per file; exit status 1 if any fails
  hil dbc check -v oem.dbc                 also list what was repaired, line by line
  hil dbc generate oem.dbc -o oemcan/oem.dbc.go   Go codecs (einride's cantool, Go toolchain needed)
                                           and typed references in oemref/oem.refs.go
  hil dbc normalise oem.dbc -o clean.dbc   a clean DBC that strict parsers read

Verdicts: "ok", "ok with N repairs" (read the way cantools reads it; -v says
what), or "file:line: reason" for a file that cannot be read. generate
normalises the file first, so files einride's parser refuses still generate;
where einride's codecs cannot carry the network (CAN FD, extended
multiplexing, 64-bit floats) it says exactly why. Beside the codecs it
writes the typed message and signal references for the harness
(bench.Press(ctx, oemref.SWC.NextBtn): a misspelling does not compile), in
the package NETWORKref next to the codecs' directory, or --refs FILE.
`

func runDBC(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "generate" || args[0] == "normalise" || args[0] == "normalize") {
		return runDBCWrite(ctx, args[0], args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintf(stderr, "usage: hil dbc check [-v] FILE... | hil dbc generate FILE -o OUT.go | hil dbc normalise FILE -o OUT.dbc\n\n%s", dbcExamples)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return errUsage
	}
	fs := newFlags("dbc check", "[-v] FILE...", dbcExamples, stderr)
	verbose := fs.Bool("v", false, "list the repairs")
	files, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageError(fs, "no DBC file given")
	}
	failed := 0
	for _, f := range files {
		db, err := candb.Load(f)
		switch {
		case err != nil:
			failed++
			fmt.Fprintln(stdout, err)
		case len(db.Repairs) == 0:
			fmt.Fprintf(stdout, "%s: ok\n", f)
		default:
			plural := "s"
			if len(db.Repairs) == 1 {
				plural = ""
			}
			fmt.Fprintf(stdout, "%s: ok with %d repair%s\n", f, len(db.Repairs), plural)
			if *verbose {
				for _, r := range db.Repairs {
					fmt.Fprintf(stdout, "  %s:%d: %s\n", f, r.Line, r.What)
				}
			}
		}
	}
	if failed > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d of %d files cannot be read", failed, len(files))}
	}
	return nil
}

func runDBCWrite(ctx context.Context, verb string, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("dbc "+verb, "FILE -o OUT", dbcExamples, stderr)
	out := fs.String("o", "", "write to `FILE` (- for stdout with normalise)")
	var refs *string
	if verb == "generate" {
		refs = fs.String("refs", "", "write the typed references to `FILE` (default: NETWORKref/NETWORK.refs.go beside the codecs' directory)")
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *out == "" {
		return usageError(fs, "want one DBC file and -o OUT")
	}
	db, err := loadDBC(pos[0], stderr)
	if err != nil {
		return err
	}
	if verb == "generate" {
		if err := codegen.Generate(ctx, db, *out); err != nil {
			return err
		}
		network := codegen.Network(db.File)
		refsFile := *refs
		if refsFile == "" {
			refsFile = filepath.Join(filepath.Dir(filepath.Dir(*out)), network+"ref", network+".refs.go")
		}
		if err := codegen.Refs(db, network+"ref", refsFile); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s and %s\n", *out, refsFile)
		return nil
	}
	if *out == "-" {
		return db.Write(stdout)
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := db.Write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
