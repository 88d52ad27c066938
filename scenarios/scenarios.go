// Package scenarios is the catalogue of Ginkgo specs that prove a head
// unit's messaging, music and navigation services and its vehicle-state
// behaviour, each reaction against its latency budget. The specs speak only
// through the harness (frames on the bus, the DUT's event stream for control
// actions), so they run unchanged against the built-in simulator, a `hil sim`
// process on vcan and a real head unit on a kit. They are written on the
// suite kit (harness/suite) alone, as a suite outside this repository is.
//
// `hil run` (cmd/hil, through Run) and this package's own test declare the
// specs with Register and run them against the profile given to Configure.
package scenarios

import (
	"context"

	car "github.com/cockpit-hil/hil/dbc/infotainmentref"
	"github.com/cockpit-hil/hil/dbc/ref"
	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/suite"
	"github.com/cockpit-hil/hil/headunit/reaction"
	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	gtypes "github.com/onsi/gomega/types"
)

// Config is what a run of the catalogue is pointed at: the kit's, whose
// Baseline the catalogue sets.
type Config = suite.Config

// kit is this Ginkgo process's bench and the helpers the specs use: one
// bench per process, opened before the first spec and closed after the
// last.
var kit suite.Suite

// Configure points the catalogue at a bench; call it before RunSpecs.
func Configure(c Config) {
	c.Baseline = baseline
	kit.Configure(c)
}

// SamplesPerKey is how many stimuli a latency spec samples.
const SamplesPerKey = suite.DefaultSamplesPerKey

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
// the kit's set-up (the bench, the per-spec guard and the baseline, the
// latency table and catalogue check at the end) and the specs. Call it
// once, before RunSpecs.
func Register() {
	if registered {
		return
	}
	registered = true
	kit.Register()
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
	for _, m := range []ref.Message{car.ESP_VehicleSpeed.Message, car.TCU_Gear.Message, car.SWC_Buttons.Message, car.BCM_PowerMode.Message} {
		Expect(kit.Resume(m)).To(Succeed())
	}
	Expect(kit.Set(car.BCM_PowerMode.PowerMode.Is("ON"), car.BCM_PowerMode.ParkingBrake.Is("Applied"), car.BCM_PowerMode.NightMode.Is(0),
		car.TCU_Gear.Gear.Is("P"), car.ESP_VehicleSpeed.VehicleSpeed.Is(0), car.ESP_VehicleSpeed.SpeedValid.Is("Valid"))).To(Succeed())
	Eventually(func(g Gomega) {
		kit.Healthy()
		hb := kit.Current("IVI_Heartbeat")
		g.Expect(hb.Choice("PowerState")).To(Equal("Running"))
	}).WithContext(ctx).WithTimeout(kit.Patience(reaction.Ready)).Should(Succeed(), "the DUT runs")
	if kit.Current("IVI_MessagingStatus").Choice("CallState") != "Idle" {
		Expect(kit.Press(ctx, car.SWC_Buttons.PhoneHangupBtn)).To(kit.Within(reaction.Hangup, messaging("CallState", "Idle")))
	}
	if kit.Current("IVI_MessagingStatus").Choice("VoiceSession") != "Idle" {
		Expect(kit.Press(ctx, car.SWC_Buttons.VoiceBtn)).To(kit.Within(reaction.Voice, messaging("VoiceSession", "Idle")))
	}
	if kit.Current("IVI_NavStatus").Raw("GuidanceActive") == 1 {
		Expect(kit.Control(ctx, "stop_guidance")).To(kit.Within(reaction.Guidance, nav("GuidanceActive", 0)))
	}
	Eventually(func(g Gomega) {
		kit.Healthy()
		g.Expect(kit.Current("IVI_NavStatus").Choice("Display")).To(Equal("Map"))
		g.Expect(kit.Current("IVI_NavStatus").Choice("Theme")).To(Equal("Day"))
		g.Expect(kit.Current("IVI_MessagingStatus").Raw("TextInputLocked")).To(BeZero())
		g.Expect(kit.Current("IVI_MediaStatus").Raw("Ducked")).To(BeZero())
	}).WithContext(ctx).WithTimeout(kit.Slowest(reaction.Camera, reaction.Theme, reaction.TextLock, reaction.Duck)).Should(Succeed(), "the DUT shows the baseline")
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

// Run runs the catalogue against c's bench with Ginkgo's configuration: what
// `hil run` calls, outside `go test`. It reports whether every spec passed.
func Run(t GinkgoTestingT, c Config, suite types.SuiteConfig, reporter types.ReporterConfig) bool {
	Configure(c)
	Register()
	RegisterFailHandler(Fail)
	return RunSpecs(t, "cockpit-hil scenarios", suite, reporter)
}
