package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/cockpit-hil/hil/harness/report"
	"github.com/cockpit-hil/hil/headunit"
	_ "github.com/cockpit-hil/hil/headunit/simdut" // the simulator DUT kind
	"github.com/cockpit-hil/hil/profiles"
	"github.com/cockpit-hil/hil/scenarios"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

const runExamples = `  hil run                                               the whole catalogue against the built-in head unit
  hil run --label-filter music                          only the music specs
  hil run --label-filter '!latency'                     behaviour only, no sampled latency specs
  hil run --sim-latency music.next=400ms                a slow simulator: the music.next specs fail
  hil run --sim-fault heartbeat=stop-after:2s           a heartbeat that stops: the continuous check fails
  hil run --profile ci-vcan --report out                hil sim as a process on vcan0; JUnit and evidence in out/
  hil run --profile profiles/bench-can0.yaml --label-filter '!slow'
                                                        a real head unit on can0

Profiles: a YAML file, or a built-in name: sim (the default: the reference
head unit in this process, on the virtual bus), ci-vcan (hil sim as a process
on vcan0), bench-can0 (a real head unit on can0).
Labels: messaging, music, navigation, vehicle, latency (sampled, serial), slow,
and every reaction key (music.next, vehicle.ready, ...).
--report DIR writes DIR/junit.xml (Ginkgo's), DIR/report.json (every spec,
every key with all its samples), DIR/report.html (one self-contained page:
distribution and timeline per key against its budget, the trace of each
failed spec), DIR/latency.txt and, for each failed spec, its last seconds of
bus traffic under DIR/evidence/. 'hil report DIR...' renders and compares them.
Progress goes to stderr: on a terminal one live line (specs done of all,
failures, the spec running, the time so far), elsewhere a line per spec.
The bench watches its own timing (its rest-bus frames against their cycle,
its stimuli, its observer against the bus): a sample taken while it was late
by more than a tenth of the key's max budget is retaken (the table's
"retaken" column), and a spec that fails, or runs out of retakes, while the
bench was that late is inconclusive, not failed: the host was overloaded,
and nothing is blamed on the head unit. Run it again on a quieter host.
The exit status is 0 when every spec passed, 1 when one failed (the DUT's
verdict), 2 on a usage error, 3 when none failed but one was inconclusive.
`

func runRun(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("run", "[--profile FILE|NAME] [--label-filter EXPR] [--focus REGEXP] [--report DIR] [--sim-latency KEY=DURATION]... [--sim-fault KEY=FAULT]... [-v]", runExamples, stderr)
	profileArg := fs.String("profile", "sim", "the bench `PROFILE`: a YAML file or a built-in name")
	labels := fs.String("label-filter", "", "run only specs whose labels match `EXPR` (Ginkgo's syntax: music && !latency)")
	focus := fs.String("focus", "", "run only specs whose text matches `REGEXP`")
	reportDir := fs.String("report", "", "write the JUnit report, latency table and failure evidence to `DIR`")
	verbose := fs.Bool("v", false, "print every spec as it runs")
	failFast := fs.Bool("fail-fast", false, "stop at the first failed spec")
	seed := fs.Int64("seed", 0, "`N` orders the specs as a run with that seed did (0: a new order)")
	var latencies, faults multiFlag
	fs.Var(&latencies, "sim-latency", "`KEY=DURATION` for the simulator's reaction (repeatable)")
	fs.Var(&faults, "sim-fault", "`KEY=FAULT` to inject into the simulator (repeatable)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError(fs, "unexpected %q", pos[0])
	}
	p, err := loadRunProfile(*profileArg)
	if err != nil {
		return usageError(fs, "%v", err)
	}
	if err := applySimSettings(p, latencies, faults); err != nil {
		return usageError(fs, "%v", err)
	}

	suite, reporter := ginkgo.GinkgoConfiguration()
	suite.LabelFilter = *labels
	if *focus != "" {
		suite.FocusStrings = []string{*focus}
	}
	suite.FailFast = *failFast
	if *seed != 0 {
		suite.RandomSeed = *seed
	}
	reporter.Verbose = *verbose
	reporter.SilenceSkips = true // a label filter's skipped specs are not news
	reporter.NoColor = !isTerminal(stdout)
	cfg := scenarios.Config{Profile: p}
	if exe, err := os.Executable(); err == nil {
		cfg.Options.Hil = exe // a profile's "hil" is this binary, whatever its name
	}
	var results []report.KeyResult
	var resultsErr error
	cfg.Results = func(r []report.KeyResult, err error) { results, resultsErr = r, err }
	if *reportDir != "" {
		if err := os.MkdirAll(*reportDir, 0o755); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		reporter.JUnitReport = filepath.Join(*reportDir, "junit.xml")
		cfg.Evidence = filepath.Join(*reportDir, "evidence")
	}
	var summary ginkgo.Report
	ginkgo.ReportAfterSuite("hil run summary", func(r ginkgo.Report) { summary = r })
	prog := &progress{w: stderr, live: isTerminal(stdout) && !*verbose}
	prog.register()

	start := time.Now()
	passed := scenarios.Run(&runT{}, cfg, suite, reporter)
	wall := time.Since(start)
	prog.end()

	if resultsErr != nil {
		fmt.Fprintf(stderr, "hil run: latency results: %v\n", resultsErr)
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\nLatency by reaction key (%s, %s on %s; budgets from %s):\n", p.Name, p.DUT.Kind, p.Bus.Interface, p.Budgets)
	if len(results) == 0 {
		table.WriteString("  no latency samples (the label filter left out the latency specs)\n")
	} else {
		report.WriteTable(&table, results)
	}
	fmt.Fprint(stdout, table.String())
	if *reportDir != "" {
		if err := writeReports(*reportDir, table.String(), summary, results, p); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nreport: %s (open in a browser), %s, %s\n", filepath.Join(*reportDir, "report.html"),
			filepath.Join(*reportDir, "report.json"), filepath.Join(*reportDir, "junit.xml"))
	}
	failed := failedSpecs(summary)
	fmt.Fprintln(stdout, "\n"+countLine(summary, wall))
	if !passed {
		if !anyRan(summary) && len(failed) > 0 {
			return fmt.Errorf("no spec ran: the bench did not open: %s", strings.TrimPrefix(failed[0], "[BeforeSuite]: open the bench of "+p.Name+": "))
		}
		if len(failed) == 0 {
			return errors.New("the suite failed (see above)")
		}
		return fmt.Errorf("%d specs failed:\n  %s", len(failed), strings.Join(failed, "\n  "))
	}
	if inc := inconclusiveSpecs(summary); len(inc) > 0 {
		return &exitError{code: exitInconclusive, err: fmt.Errorf("%d specs inconclusive, none failed: the bench itself was late (the host is overloaded; run again on a quieter one):\n  %s",
			len(inc), strings.Join(inc, "\n  "))}
	}
	return nil
}

// exitInconclusive is hil run's exit status when no spec failed but one
// could not be judged.
const exitInconclusive = 3

// inconclusiveSpecs names the inconclusive specs with the first line of why.
func inconclusiveSpecs(r ginkgo.Report) []string {
	var out []string
	for _, s := range r.SpecReports {
		if report.IsInconclusive(s) {
			why, _, _ := strings.Cut(s.Failure.Message, "\n")
			out = append(out, s.FullText()+": "+strings.TrimPrefix(why, latency.InconclusivePrefix))
		}
	}
	return out
}

// writeReports writes latency.txt, report.json and report.html next to
// Ginkgo's junit.xml.
func writeReports(dir, table string, summary ginkgo.Report, results []report.KeyResult, p *profile.Profile) error {
	if err := os.WriteFile(filepath.Join(dir, "latency.txt"), []byte(table), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	name, src, err := harness.DBCSource(p)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	r := report.Build(summary, results, p, name, src)
	if err := writeFile(filepath.Join(dir, "report.json"), r.WriteJSON); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, "report.html"), func(w io.Writer) error { return report.WriteHTML(w, r) })
}

// writeFile creates path and fills it with write.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("report %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// runT is the one thing RunSpecs needs of a *testing.T.
type runT struct{ failed bool }

func (t *runT) Fail() { t.failed = true }

// loadRunProfile reads a profile file, or a built-in one by name.
func loadRunProfile(arg string) (*profile.Profile, error) {
	if _, err := os.Stat(arg); err == nil {
		return profile.Load(arg)
	}
	name := strings.TrimSuffix(arg, ".yaml")
	if !strings.ContainsAny(name, `/\`) {
		if p, err := profile.LoadFS(profiles.FS, name+".yaml"); err == nil || !errors.Is(err, os.ErrNotExist) {
			return p, err
		}
	}
	entries, _ := profiles.FS.ReadDir(".")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	return nil, fmt.Errorf("profile %s: no such file, and not a built-in profile (%s)", arg, strings.Join(names, ", "))
}

// applySimSettings passes --sim-latency and --sim-fault to the profile's
// simulator, built in or launched, after checking them as hil sim would.
func applySimSettings(p *profile.Profile, latencies, faults []string) error {
	if len(latencies)+len(faults) == 0 {
		return nil
	}
	if p.DUT.Kind == profile.Bench {
		return fmt.Errorf("profile %s: the DUT is a real head unit; --sim-latency and --sim-fault set the simulator", p.Name)
	}
	var check headunit.Settings
	set := func(m *map[string]string, kv string, parse func(string) error) error {
		if err := parse(kv); err != nil {
			return err
		}
		k, v, _ := strings.Cut(kv, "=")
		if *m == nil {
			*m = map[string]string{}
		}
		(*m)[k] = v
		return nil
	}
	for _, l := range latencies {
		if err := set(&p.DUT.Sim.Latency, l, check.SetLatency); err != nil {
			return err
		}
	}
	for _, f := range faults {
		if err := set(&p.DUT.Sim.Faults, f, check.SetFault); err != nil {
			return err
		}
	}
	return nil
}

// countLine is the run's closing line. It counts the specs by what
// happened to each: a spec that never ran (the bench did not open, the run
// stopped early) is neither passed nor failed, and the line says so.
func countLine(r ginkgo.Report, wall time.Duration) string {
	var ran, passed, failed, inconclusive int
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		switch {
		case report.IsInconclusive(s):
			ran++
			inconclusive++
		case s.State == types.SpecStatePassed:
			ran++
			passed++
		case s.State.Is(types.SpecStateFailureStates):
			ran++
			failed++
		}
	}
	// A suite node that failed (the bench did not open) fails the run.
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt && s.Failed() {
			failed++
		}
	}
	line := fmt.Sprintf("%d specs ran in %v: %d passed, %d failed", ran, wall.Round(time.Millisecond), passed, failed)
	if inconclusive > 0 {
		line += fmt.Sprintf(", %d inconclusive", inconclusive)
	}
	if notRun := r.PreRunStats.SpecsThatWillRun - ran; notRun > 0 {
		line += fmt.Sprintf(" (%d of %d specs did not run)", notRun, r.PreRunStats.SpecsThatWillRun)
	}
	return line
}

// anyRan reports whether a spec got to run.
func anyRan(r ginkgo.Report) bool {
	for _, s := range r.SpecReports {
		if s.LeafNodeType == types.NodeTypeIt && (s.State == types.SpecStatePassed || s.State.Is(types.SpecStateFailureStates) || report.IsInconclusive(s)) {
			return true
		}
	}
	return false
}

// failedSpecs names the failed specs with the first line of why.
func failedSpecs(r ginkgo.Report) []string {
	var out []string
	for _, s := range r.SpecReports {
		if !s.Failed() {
			continue
		}
		name := s.FullText()
		if name == "" {
			name = "[" + s.LeafNodeType.String() + "]"
		}
		out = append(out, name+": "+firstReason(s.Failure.Message))
	}
	return slices.Compact(out)
}

// firstReason is the line of a failure message that says why, past
// Gomega's preamble ("Unexpected error:", "<*fmt.wrapError | 0x...>:"); an
// assertion's own description ("the DUT runs") is kept in front of it.
func firstReason(msg string) string {
	var said []string
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "<") || strings.HasSuffix(line, "error:") || strings.HasPrefix(line, "Told to stop trying") {
			continue
		}
		said = append(said, line)
		if strings.Contains(line, ":") {
			break
		}
	}
	if len(said) == 0 {
		return msg
	}
	return strings.Join(said, ": ")
}

// isTerminal reports whether w is a character device (a terminal), where
// colours are welcome; CI logs and files get plain text.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
