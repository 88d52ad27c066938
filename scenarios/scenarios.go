// Package scenarios is the catalogue of Ginkgo specs that prove a head
// unit's messaging, music and navigation services and its vehicle-state
// behaviour, each reaction against its latency budget. The specs speak only
// through the harness (frames on the bus, the DUT's event stream for control
// actions), so they run unchanged against the built-in simulator, a `hil sim`
// process on vcan and a real head unit on a bench.
//
// `hil run` (cmd/hil, through Run) and this package's own test declare the
// specs with Register and run them against the profile given to Configure.
package scenarios

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/profile"
	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	gtypes "github.com/onsi/gomega/types"
)

// Config is what a run of the catalogue is pointed at.
type Config struct {
	Profile *profile.Profile
	Options harness.Options
	// Evidence is the directory where a failed spec's bus trace and probe
	// lines are written ("" keeps them in the report only).
	Evidence string
	// Results receives the latency results at the end of the suite (on
	// the first parallel process), for the latency table.
	Results func([]harness.KeyResult, error)
}

var config Config

// Configure points the catalogue at a bench; call it before RunSpecs.
func Configure(c Config) { config = c }

// SamplesPerKey is how many stimuli a latency spec samples.
const SamplesPerKey = 20

// bench is this Ginkgo process's bench: one per process, opened before the
// first spec and closed after the last.
var bench *harness.Bench

// queued are the catalogue's containers, declared by Register: importing
// the package (as the hil binary does) adds nothing to a Ginkgo suite.
var queued []func()

// later queues a top-level container for Register.
func later(container func(string, ...any) bool, text string, args ...any) bool {
	queued = append(queued, func() { container(text, args...) })
	return true
}

var registered bool

// Register declares the catalogue in the running process's Ginkgo suite:
// the suite set-up that opens the bench, the per-spec guard and baseline,
// the specs, and the latency table and catalogue check at the end. Call it
// once, before RunSpecs.
func Register() {
	if registered {
		return
	}
	registered = true
	BeforeSuite(func(ctx SpecContext) {
		Expect(config.Profile).NotTo(BeNil(), "scenarios.Configure was not called with a profile")
		b, err := harness.Open(ctx, config.Profile, config.Options)
		Expect(err).NotTo(HaveOccurred(), "open the bench of %s", config.Profile.Name)
		DeferCleanup(b.Close)
		bench = b
		// From now on a failure while the bench itself was late is
		// inconclusive, not the DUT's.
		RegisterFailHandler(harness.FailHandler(func() *harness.Bench { return bench }))
		AddReportEntry("bench", fmt.Sprintf("%s on %s", config.Profile.Name, b.Interface), ReportEntryVisibilityFailureOrVerbose)
	}, NodeTimeout(2*time.Minute))

	BeforeEach(func(ctx SpecContext) {
		harness.Guard(bench, config.Evidence)
		baseline(ctx)
	}, NodeTimeout(30*time.Second))

	ReportAfterSuite("latency table and catalogue check", func(r Report) {
		if config.Profile == nil {
			return
		}
		budgets, err := harness.LoadBudgets(config.Profile)
		Expect(err).NotTo(HaveOccurred())
		if config.Results != nil {
			config.Results(harness.Collect(r, budgets))
		}
		if !r.SuiteSucceeded && !anySpecRan(r) {
			return // nothing ran: the failure that stopped it is the news
		}
		Expect(MissingKeys(r, budgets)).To(BeEmpty(), "reaction keys of %s without a spec in the catalogue", config.Profile.Budgets)
	})
	for _, q := range queued {
		q()
	}
}

// baseline puts the car and the head unit in the state every spec starts
// from: powered and running, parked with the brake applied at standstill,
// day, every input arriving, no call, no voice session, no guidance. It
// only acts where the state differs, so it is cheap between specs.
func baseline(ctx context.Context) {
	GinkgoHelper()
	for _, m := range []string{"ESP_VehicleSpeed", "TCU_Gear", "SWC_Buttons", "BCM_PowerMode"} {
		Expect(bench.Resume(m)).To(Succeed())
	}
	Expect(bench.Set("BCM_PowerMode.PowerMode=ON", "BCM_PowerMode.ParkingBrake=Applied", "BCM_PowerMode.NightMode=0",
		"TCU_Gear.Gear=P", "ESP_VehicleSpeed.VehicleSpeed=0", "ESP_VehicleSpeed.SpeedValid=Valid")).To(Succeed())
	Eventually(func(g Gomega) {
		healthy()
		hb := latest("IVI_Heartbeat")
		g.Expect(hb.Choice("PowerState")).To(Equal("Running"))
	}).WithContext(ctx).WithTimeout(patience("vehicle.ready")).Should(Succeed(), "the DUT runs")
	if latest("IVI_MessagingStatus").Choice("CallState") != "Idle" {
		Expect(bench.Press(ctx, "SWC_Buttons.PhoneHangupBtn")).To(within("messaging.hangup", messaging("CallState", "Idle")))
	}
	if latest("IVI_MessagingStatus").Choice("VoiceSession") != "Idle" {
		Expect(bench.Press(ctx, "SWC_Buttons.VoiceBtn")).To(within("messaging.voice", messaging("VoiceSession", "Idle")))
	}
	if latest("IVI_NavStatus").Raw("GuidanceActive") == 1 {
		Expect(bench.Control(ctx, "stop_guidance")).To(within("navigation.guidance", nav("GuidanceActive", 0)))
	}
	Eventually(func(g Gomega) {
		healthy()
		g.Expect(latest("IVI_NavStatus").Choice("Display")).To(Equal("Map"))
		g.Expect(latest("IVI_NavStatus").Choice("Theme")).To(Equal("Day"))
		g.Expect(latest("IVI_MessagingStatus").Raw("TextInputLocked")).To(BeZero())
		g.Expect(latest("IVI_MediaStatus").Raw("Ducked")).To(BeZero())
	}).WithContext(ctx).WithTimeout(slowest("navigation.camera", "navigation.theme", "messaging.text_lock", "music.duck")).Should(Succeed(), "the DUT shows the baseline")
}

// healthy ends an Eventually at once when the continuous checks have failed:
// waiting longer for a DUT that broke its contract tells nothing more.
func healthy() {
	if err := bench.Violation(); err != nil {
		StopTrying(err.Error()).Now()
	}
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

// covers labels a spec with the reaction keys it proves, so that
// --label-filter music.next selects them and the catalogue check
// (MissingKeys) sees them.
func covers(keys ...string) Labels { return Label(keys...) }

// MissingKeys returns the budget file's keys that no spec of the report
// covers (skipped specs count: a label filter does not shrink the catalogue).
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

// latest is the DUT's most recent frame of a message.
func latest(message string) harness.Frame {
	GinkgoHelper()
	f, ok := bench.Latest(message)
	Expect(ok).To(BeTrue(), "no %s frame from the DUT yet", message)
	return f
}

// budget is a key's p95 budget, the time a single reaction is allowed.
func budget(key string) time.Duration {
	GinkgoHelper()
	b, ok := bench.Budgets[key]
	Expect(ok).To(BeTrue(), "the budget file has no %s", key)
	return b.P95
}

// within expects one reaction within the key's max budget, the most any
// single reaction may take (p95 is a bound on a sampled set: one reaction
// in twenty may exceed it); a failure names the key.
func within(key string, exp harness.Expectation) gtypes.GomegaMatcher {
	GinkgoHelper()
	return harness.ReactWithin(quiet(key), exp, key)
}

// quiet is how long a reaction that must not happen is watched for: the
// key's max budget, by which it would have come.
func quiet(key string) time.Duration {
	GinkgoHelper()
	b, ok := bench.Budgets[key]
	Expect(ok).To(BeTrue(), "the budget file has no %s", key)
	return b.Max
}

// patience is how long a sampled spec waits for one reaction of a key:
// twice its max budget, so a late reaction is measured (and fails the
// budget with its latency) rather than reported as none.
func patience(key string) time.Duration { return 2 * quiet(key) }

// slowest is the longest max budget of some keys, and one status period:
// how long a state that several reactions set takes to show.
func slowest(keys ...string) time.Duration {
	GinkgoHelper()
	var d time.Duration
	for _, k := range keys {
		d = max(d, quiet(k))
	}
	m, _ := bench.DB.Message("IVI_Heartbeat")
	return d + m.CycleTime
}

// timing is a behaviour parameter of the budget file's timing section.
func timing(name string) time.Duration {
	GinkgoHelper()
	d, ok := bench.Timing[name]
	Expect(ok).To(BeTrue(), "the budget file %s has no timing.%s (docs/design.md, Timing)", config.Profile.Budgets, name)
	return d
}

// Expectations on the DUT's messages by signal: a value-table name, or a
// number.
func media(signal string, want any) harness.Expectation {
	return signalIs("IVI_MediaStatus", signal, want)
}
func messaging(signal string, want any) harness.Expectation {
	return signalIs("IVI_MessagingStatus", signal, want)
}
func nav(signal string, want any) harness.Expectation { return signalIs("IVI_NavStatus", signal, want) }
func heartbeat(signal string, want any) harness.Expectation {
	return signalIs("IVI_Heartbeat", signal, want)
}

func signalIs(message, signal string, want any) harness.Expectation {
	var m gtypes.GomegaMatcher
	switch w := want.(type) {
	case string:
		m = harness.Choice(signal, Equal(w))
	case gtypes.GomegaMatcher:
		m = harness.Signal(signal, w)
	default:
		m = harness.Signal(signal, BeNumerically("==", w))
	}
	return harness.Emits(message, m)
}

// sampled gathers n samples of one key and asserts its budget.
func sampled(ctx context.Context, key string, measure func(ctx context.Context) harness.Reaction) {
	GinkgoHelper()
	s, err := bench.Sample(ctx, key, SamplesPerKey, measure)
	Expect(err).NotTo(HaveOccurred())
	Expect(s).To(harness.MeetBudget(bench.Budgets))
}

// sampledTogether gathers n samples of each of keys that one round of
// stimuli measures at once (a reaction per key, in order) and asserts
// their budgets.
func sampledTogether(ctx context.Context, keys []string, round func(ctx context.Context) []harness.Reaction) {
	GinkgoHelper()
	sets, err := bench.SampleTogether(ctx, keys, SamplesPerKey, round)
	Expect(err).NotTo(HaveOccurred())
	for _, s := range sets {
		Expect(s).To(harness.MeetBudget(bench.Budgets))
	}
}

// Run runs the catalogue against c's bench with Ginkgo's configuration: what
// `hil run` calls, outside `go test`. It reports whether every spec passed.
func Run(t GinkgoTestingT, c Config, suite types.SuiteConfig, reporter types.ReporterConfig) bool {
	Configure(c)
	Register()
	RegisterFailHandler(Fail)
	return RunSpecs(t, "cockpit-hil scenarios", suite, reporter)
}
