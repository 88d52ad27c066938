package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/internal/scaffold"
)

const initExamples = `  hil init hu-suite --dbc oem.dbc --dut HU                  a suite for the head unit HU on a bench (can0)
  hil init hu-suite --dbc oem.dbc --dut HU --kind process   one the bench starts (set dut.argv in profile.yaml)
  hil init ivi --dbc builtin:infotainment --dut IVI --kind simulator --hil ~/src/hil
                                                            the reference head unit, in process

It writes a Go module: go.mod, the DBC under dbc/, typed references of every
message and signal (NETWORKref/) and einride codecs (NETWORKcan/), a bench
profile, a budget file and suite_test.go, a Ginkgo suite on the kit
(harness/suite) with a spec per message the DUT sends: a cycle-time check for
a cyclic message, a pending spec to fill in for one sent on an event. Then:
cd DIR && go test ./...

--hil DIR makes go.mod use a hil checkout (a replace directive); run from
inside a checkout, it is that checkout. The Go toolchain is needed (codecs,
go mod tidy).
`

func runInit(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("init", "DIR --dbc FILE --dut NODE [--kind KIND] [--bus IFACE] [--module PATH] [--hil DIR]", initExamples, stderr)
	dbcPath := fs.String("dbc", "", "the network's DBC `FILE` (builtin:infotainment for the reference network)")
	node := fs.String("dut", "", "the DUT's `NODE` in the DBC")
	kind := fs.String("kind", "bench", "dut.kind: simulator, process or bench")
	bus := fs.String("bus", "", "the bus `IFACE` (default: virtual for a simulator, can0 otherwise)")
	module := fs.String("module", "", "the module `PATH` (default example.com/DIR)")
	hil := fs.String("hil", "", "a hil checkout `DIR` for go.mod's replace (default: the checkout hil runs in, if any)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *dbcPath == "" || *node == "" {
		return usageError(fs, "want DIR, --dbc FILE and --dut NODE")
	}
	o := scaffold.Options{Dir: pos[0], Module: *module, Node: *node, Kind: *kind, Bus: *bus, Tidy: true}
	if *dbcPath == "builtin:infotainment" {
		o.DBCName, o.DBC = "infotainment.dbc", dbc.Infotainment
	} else if o.DBC, err = os.ReadFile(*dbcPath); err != nil {
		return fmt.Errorf("init: %w", err)
	} else {
		o.DBCName = filepath.Base(*dbcPath)
	}
	if o.Hil = *hil; o.Hil == "" {
		o.Hil = checkout()
	}
	if o.Hil != "" {
		// Relative to the module, so a module kept beside its checkout
		// (examples/oem) moves with it.
		hil, herr := filepath.Abs(o.Hil)
		dir, derr := filepath.Abs(o.Dir)
		if herr != nil || derr != nil {
			return fmt.Errorf("init: %w", errors.Join(herr, derr))
		}
		if o.Hil, err = filepath.Rel(dir, hil); err != nil {
			o.Hil = hil
		}
	}
	files, err := scaffold.Write(ctx, o)
	if err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintf(stdout, "wrote %s\n", f)
	}
	fmt.Fprintf(stdout, "\nnext: cd %s && go test ./...\n", o.Dir)
	return nil
}

// checkout is the hil module's directory when hil runs inside a checkout
// of it, "" otherwise.
func checkout() string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Path}} {{.Dir}}").Output()
	if err != nil {
		return ""
	}
	path, dir, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	if path != "github.com/cockpit-hil/hil" {
		return ""
	}
	return dir
}
