package scenarios_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/cockpit-hil/hil/harness/report"
	_ "github.com/cockpit-hil/hil/headunit/simdut" // the simulator DUT kind
	"github.com/cockpit-hil/hil/internal/specs"
	"github.com/cockpit-hil/hil/scenarios"
)

// TestScenariosSuite runs the catalogue against HIL_PROFILE (default:
// profiles/sim.yaml, the built-in head unit on the virtual bus). ci/test
// runs it on vcan against hil sim processes, in parallel with ginkgo -p.
// HIL_REPORT_DIR, when set, receives the failure evidence and latency.txt.
func TestScenariosSuite(t *testing.T) {
	path := os.Getenv("HIL_PROFILE")
	if path == "" {
		root, err := specs.ModuleRoot()
		if err != nil {
			t.Fatal(err)
		}
		path = filepath.Join(root, "profiles", "sim.yaml")
	}
	p, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("HIL_REPORT_DIR")
	c := scenarios.Config{Profile: p}
	if dir != "" {
		c.Evidence = filepath.Join(dir, "evidence")
	}
	c.Results = func(results []report.KeyResult, err error) {
		if err != nil {
			t.Error(err)
			return
		}
		out := os.Stdout
		if dir != "" {
			f, err := os.Create(filepath.Join(dir, "latency.txt"))
			if err != nil {
				t.Error(err)
				return
			}
			defer f.Close()
			out = f
		}
		fmt.Fprintln(out)
		report.WriteTable(out, results)
	}
	scenarios.Configure(c)
	scenarios.Register()
	start := time.Now()
	specs.Run(t, "scenarios")
	if os.Getenv("HIL_LABEL_FILTER") == "" { // the whole catalogue ran
		fmt.Printf("\nMEASURE: catalogue wall time on %s (%s on %s): %.1f s\n", filepath.Base(path), p.DUT.Kind, p.Bus.Interface, time.Since(start).Seconds())
	}
}
