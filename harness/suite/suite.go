// Package suite is the Ginkgo kit for suites on a bench. Register opens
// the bench a profile describes before the first spec and closes it after
// the last; it guards every spec with the bench's continuous checks, its
// own timing (a failure while the bench itself was late is inconclusive,
// not the DUT's) and the bus evidence of a failure; and at the end it
// collects the latency results and checks that every reaction key of the
// budget file has a spec. Its helpers make specs read like requirements:
//
//	It("advances the track", suite.Covers("music.next"), func(ctx SpecContext) {
//		Expect(kit.Press(ctx, "SWC_Buttons.NextBtn")).To(kit.Within("music.next", next))
//	})
//
// The catalogue (package scenarios) is written on this kit alone, as an
// outside suite is (examples/oem).
package suite

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cockpit-hil/hil/dbc/ref"
	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/cockpit-hil/hil/harness/report"
	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	gtypes "github.com/onsi/gomega/types"
)

// Config is what a suite is pointed at.
type Config struct {
	Profile *profile.Profile
	Options harness.Options
	// Evidence is the directory where a failed spec's bus trace and probe
	// lines are written ("" keeps them in the report only).
	Evidence string
	// Results receives the latency results at the end of the suite (on
	// the first parallel process), for the latency table.
	Results func([]report.KeyResult, error)
	// Baseline, when set, runs before every spec, under its guard: it
	// puts the DUT in the state every spec starts from.
	Baseline func(ctx context.Context)
	// SamplesPerKey is how many samples Sampled takes of a key (0 is
	// DefaultSamplesPerKey).
	SamplesPerKey int
}

// DefaultSamplesPerKey is how many stimuli a latency spec samples unless
// the Config says otherwise.
const DefaultSamplesPerKey = 20

// Suite is one Ginkgo process's bench, with the helpers its specs use.
// The embedded Bench is nil until the suite's BeforeSuite has opened it:
// use it in specs and in the Baseline, not when the tree is declared.
type Suite struct {
	*harness.Bench
	config     Config
	registered bool
}

// Configure points the suite at a bench; call it before RunSpecs.
func (s *Suite) Configure(c Config) { s.config = c }

// Config is what Configure gave.
func (s *Suite) Config() Config { return s.config }

// Register declares the suite's set-up in the running process's Ginkgo
// suite: the BeforeSuite that opens the bench, the per-spec guard and
// baseline, and the latency table and catalogue check at the end. Call it
// once, before RunSpecs (again, it does nothing).
func (s *Suite) Register() {
	if s.registered {
		return
	}
	s.registered = true
	BeforeSuite(func(ctx SpecContext) {
		c := s.config
		Expect(c.Profile).NotTo(BeNil(), "the suite was not configured with a profile (Suite.Configure)")
		if c.Options.Process <= 0 {
			c.Options.Process = GinkgoParallelProcess()
		}
		b, err := harness.Open(ctx, c.Profile, c.Options)
		Expect(err).NotTo(HaveOccurred(), "open the bench of %s", c.Profile.Name)
		DeferCleanup(b.Close)
		s.Bench = b
		// From now on a failure while the bench itself was late is
		// inconclusive, not the DUT's.
		RegisterFailHandler(FailHandler(func() *harness.Bench { return s.Bench }))
		AddReportEntry("bench", fmt.Sprintf("%s on %s", c.Profile.Name, b.Interface), ReportEntryVisibilityFailureOrVerbose)
	}, NodeTimeout(2*time.Minute))

	BeforeEach(func(ctx SpecContext) {
		Guard(s.Bench, s.config.Evidence)
		if s.config.Baseline != nil {
			s.config.Baseline(ctx)
		}
	}, NodeTimeout(30*time.Second))

	ReportAfterSuite("latency table and catalogue check", func(r Report) {
		c := s.config
		if c.Profile == nil {
			return
		}
		budgets, err := harness.LoadBudgets(c.Profile)
		Expect(err).NotTo(HaveOccurred())
		if c.Results != nil {
			c.Results(report.Collect(r, budgets))
		}
		if !r.SuiteSucceeded && !anySpecRan(r) {
			return // nothing ran: the failure that stopped it is the news
		}
		Expect(MissingKeys(r, budgets)).To(BeEmpty(), "reaction keys of %s without a spec in the suite", c.Profile.Budgets)
	})
}

// anySpecRan reports whether a spec of the report got to run.
func anySpecRan(r Report) bool {
	for _, s := range r.SpecReports {
		if s.LeafNodeType == types.NodeTypeIt && s.State != types.SpecStateSkipped && s.State != types.SpecStatePending {
			return true
		}
	}
	return false
}

// Covers labels a spec with the reaction keys it proves, so that
// --label-filter music.next selects it, the bench judges its own lateness
// by those keys' budgets, and the catalogue check (MissingKeys) sees them.
func Covers(keys ...string) Labels { return Label(keys...) }

// MissingKeys returns the budget file's keys that no spec of the report
// covers (skipped specs count: a label filter does not shrink the suite).
func MissingKeys(r Report, budgets latency.Budgets) []string {
	have := map[string]bool{}
	for _, spec := range r.SpecReports {
		for _, l := range spec.Labels() {
			have[l] = true
		}
	}
	var missing []string
	for key := range budgets {
		if !have[key] {
			missing = append(missing, key)
		}
	}
	slices.Sort(missing)
	return missing
}

// Healthy ends an Eventually at once when the continuous checks have
// failed: waiting longer for a DUT that broke its contract tells nothing
// more.
func (s *Suite) Healthy() {
	if err := s.Violation(); err != nil {
		StopTrying(err.Error()).Now()
	}
}

// Current is the DUT's most recent frame of a message; the spec fails
// when there is none yet.
func (s *Suite) Current(message ref.Message) harness.Frame {
	GinkgoHelper()
	f, ok := s.Latest(message)
	Expect(ok).To(BeTrue(), "no %s frame from the DUT yet", message)
	return f
}

// budget is a key's budget; the spec fails when the budget file lacks it.
func (s *Suite) budget(key string) latency.Budget {
	GinkgoHelper()
	b, ok := s.Budgets[key]
	Expect(ok).To(BeTrue(), "the budget file has no %s", key)
	return b
}

// Budget is a key's p95 budget, the time a single reaction is allowed.
func (s *Suite) Budget(key string) time.Duration {
	GinkgoHelper()
	return s.budget(key).P95
}

// Quiet is how long a reaction that must not happen is watched for: the
// key's max budget, by which it would have come.
func (s *Suite) Quiet(key string) time.Duration {
	GinkgoHelper()
	return s.budget(key).Max
}

// Within expects one reaction within the key's max budget, the most any
// single reaction may take (p95 is a bound on a sampled set: one reaction
// in twenty may exceed it); a failure names the key.
func (s *Suite) Within(key string, exp harness.Expectation) gtypes.GomegaMatcher {
	GinkgoHelper()
	return harness.ReactWithin(s.Quiet(key), exp, key)
}

// Patience is how long a sampled spec waits for one reaction of a key:
// twice its max budget, so a late reaction is measured (and fails the
// budget with its latency) rather than reported as none.
func (s *Suite) Patience(key string) time.Duration {
	GinkgoHelper()
	return 2 * s.Quiet(key)
}

// Slowest is the longest max budget of some keys, and one period of the
// slowest cyclic message the DUT sends: how long a state that several
// reactions set takes to show.
func (s *Suite) Slowest(keys ...string) time.Duration {
	GinkgoHelper()
	var d, period time.Duration
	for _, k := range keys {
		d = max(d, s.Quiet(k))
	}
	for _, m := range s.DB.Messages {
		if slices.Contains(m.Senders, s.Profile.DUT.Node) {
			period = max(period, m.CycleTime)
		}
	}
	return d + period
}

// Timing is a behaviour parameter of the budget file's timing section.
func (s *Suite) Timing(name string) time.Duration {
	GinkgoHelper()
	d, ok := s.Bench.Timing[name]
	Expect(ok).To(BeTrue(), "the budget file %s has no timing.%s", s.Profile.Budgets, name)
	return d
}

func (s *Suite) samplesPerKey() int {
	if s.config.SamplesPerKey > 0 {
		return s.config.SamplesPerKey
	}
	return DefaultSamplesPerKey
}

// Sampled gathers the suite's samples of one key and asserts its budget.
func (s *Suite) Sampled(ctx context.Context, key string, measure func(ctx context.Context) harness.Reaction) {
	GinkgoHelper()
	set, err := s.Sample(ctx, key, s.samplesPerKey(), measure)
	Expect(err).NotTo(HaveOccurred())
	Expect(set).To(harness.MeetBudget())
}

// SampledTogether gathers the suite's samples of each of keys that one
// round of stimuli measures at once (a reaction per key, in order) and
// asserts their budgets.
func (s *Suite) SampledTogether(ctx context.Context, keys []string, round func(ctx context.Context) []harness.Reaction) {
	GinkgoHelper()
	sets, err := s.SampleTogether(ctx, keys, s.samplesPerKey(), round)
	Expect(err).NotTo(HaveOccurred())
	for _, set := range sets {
		Expect(set).To(harness.MeetBudget())
	}
}
