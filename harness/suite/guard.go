package suite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/report"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega/gmeasure"
)

// EvidenceWindow is how much of the bus a failed spec gets as evidence.
const EvidenceWindow = 5 * time.Second

// Guard puts the running spec under the bench's continuous checks, makes
// the bench judge its own lateness by the budgets of the keys the spec
// covers (its labels) and gives the spec evidence on failure; call it in
// a BeforeEach (Register does). A violation ends any wait in progress and
// fails the spec with when and what; a failed spec gets the last
// EvidenceWindow of the bus and the probes' lines in its report and, when
// dir is not empty, as files there (next to the JUnit report). The
// samples the spec takes go into its report (the latency table's source).
func Guard(b *harness.Bench, dir string) {
	// Cleanups run last-registered first: the checks fail the spec before
	// the evidence looks at whether it failed.
	b.BeginSpec(ginkgo.CurrentSpecReport().Labels()...)
	b.OnSamples = func(s harness.Samples) { reportSamples(b, s) }
	ginkgo.DeferCleanup(b.EndSpec)
	AttachEvidence(b, EvidenceWindow, dir)
	w := b.Watch(context.Background())
	ginkgo.DeferCleanup(func() {
		if err := w.Stop(); err != nil {
			fail(b, err.Error(), 1)
		}
	})
}

// reportSamples attaches a key's samples to the running spec's report: as
// a gmeasure experiment (Ginkgo prints it) and as the latency entry that
// the run's latency table and report are made from.
func reportSamples(b *harness.Bench, s harness.Samples) {
	if ginkgo.CurrentSpecReport().LeafNodeType == types.NodeTypeInvalid {
		return // sampled outside a spec: the caller has the samples
	}
	exp := gmeasure.NewExperiment(s.Key)
	for _, x := range s.Samples {
		exp.RecordDuration(s.Key, x.Latency)
	}
	ginkgo.AddReportEntry(s.Key, exp, ginkgo.ReportEntryVisibilityFailureOrVerbose)
	ginkgo.AddReportEntry(report.LatencyEntry, report.KeyResult{Key: s.Key, Samples: s.Samples, Retakes: s.Retakes, Budget: b.Budgets[s.Key]}, ginkgo.ReportEntryVisibilityNever)
}

// AttachEvidence makes a failing spec carry the last window of bus traffic:
// its report gets the last second decoded (shown with the failure, and in
// the JUnit report) and the whole window as a candump log and the probes'
// lines (in the JSON report); when dir is not empty, the window is also
// written there (Evidence.Write).
func AttachEvidence(b *harness.Bench, window time.Duration, dir string) {
	ginkgo.DeferCleanup(func() {
		spec := ginkgo.CurrentSpecReport()
		if !spec.Failed() {
			return
		}
		ev := b.Evidence(window)
		shown := b.Evidence(min(window, time.Second))
		ginkgo.AddReportEntry(fmt.Sprintf("bus trace, last %v of %v, decoded", min(window, time.Second), b.Interface), shown.Decoded, ginkgo.ReportEntryVisibilityFailureOrVerbose)
		ginkgo.AddReportEntry("bus trace (candump -L)", ev.Log, ginkgo.ReportEntryVisibilityNever)
		if ev.Observations != "" {
			ginkgo.AddReportEntry("probe observations", ev.Observations, ginkgo.ReportEntryVisibilityNever)
		}
		if dir != "" {
			files, err := ev.Write(dir, spec.FullText())
			if err != nil {
				ginkgo.AddReportEntry("evidence not written", err.Error())
			} else {
				ginkgo.AddReportEntry("evidence", fmt.Sprintf("the last %v (%d frames): %s", window, ev.Frames, strings.Join(files, ", ")), ginkgo.ReportEntryVisibilityFailureOrVerbose)
			}
		}
	})
}

// FailHandler is Gomega's fail handler for suites on a bench (bench
// returns the session, nil before it opens): a failure in a guarded spec
// during which the bench itself was late by more than LateLimit of the
// keys the spec covers is inconclusive, not the DUT's (Bench.Judge). The
// spec is skipped with a message that starts with
// latency.InconclusivePrefix and says what the host did and which failure
// it caused. Any other failure fails the spec as ginkgo.Fail does.
func FailHandler(bench func() *harness.Bench) func(message string, callerSkip ...int) {
	return func(message string, callerSkip ...int) {
		skip := 1
		if len(callerSkip) > 0 {
			skip += callerSkip[0]
		}
		if b := bench(); b != nil {
			fail(b, message, skip+1)
		}
		ginkgo.Fail(message, skip)
	}
}

// fail fails the running spec, or skips it as inconclusive.
func fail(b *harness.Bench, message string, skip int) {
	if err := b.Judge(); err != nil {
		ginkgo.Skip(err.Error()+"\nThe failure it caused: "+message, skip+1)
	}
	ginkgo.Fail(message, skip+1)
}
