package harness_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/can/canlog"
	ivi "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/probe"
	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/cockpit-hil/hil/harness/suite"
	"github.com/cockpit-hil/hil/internal/specs"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"go.yaml.in/yaml/v3"
)

// loadProfile reads a shipped profile.
func loadProfile(name string) *profile.Profile {
	GinkgoHelper()
	root, err := specs.ModuleRoot()
	Expect(err).NotTo(HaveOccurred())
	p, err := profile.Load(filepath.Join(root, "profiles", name))
	Expect(err).NotTo(HaveOccurred())
	return p
}

// simProfile is profiles/sim.yaml with a quick boot and the given latencies.
func simProfile(latencies map[string]string) *profile.Profile {
	GinkgoHelper()
	p := loadProfile("sim.yaml")
	p.DUT.Sim.Latency = map[string]string{"vehicle.ready": "150ms"}
	maps.Copy(p.DUT.Sim.Latency, latencies)
	return p
}

func openBench(ctx context.Context, p *profile.Profile) *harness.Bench {
	GinkgoHelper()
	b, err := harness.Open(ctx, p, harness.Options{})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(b.Close)
	suite.AttachEvidence(b, 5*time.Second, os.Getenv("HIL_EVIDENCE_DIR"))
	return b
}

// trackAfter expects IVI_MediaStatus, decoded by the generated codec, to
// show the track after the one it shows now.
func trackAfter(b *harness.Bench) harness.Expectation {
	before, _ := b.Latest("IVI_MediaStatus")
	return harness.Emits(&ivi.IVI_MediaStatus{}, HaveField("TrackIndex()", BeEquivalentTo(before.Raw("TrackIndex")+1)))
}

// nextTrack measures one music.next reaction.
func nextTrack(b *harness.Bench) func(ctx context.Context) harness.Reaction {
	return func(ctx context.Context) harness.Reaction {
		want := trackAfter(b)
		return b.Press(ctx, "SWC_Buttons.NextBtn").Until(ctx, want, 2*time.Second)
	}
}

var _ = Describe("a bench on the reference head unit (profiles/sim.yaml)", Label("music", "latency"), Serial, func() {
	It("advances the track within its budget, on bus timestamps", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		samples, err := b.Sample(ctx, "music.next", 20, nextTrack(b))
		Expect(err).NotTo(HaveOccurred())
		Expect(samples).To(harness.MeetBudget())
		for _, s := range samples.Samples {
			Expect(s.Latency).To(BeNumerically(">", 0), "the reaction follows the stimulus frame")
		}
	}, SpecTimeout(time.Minute))

	It("fails the budget, naming key, figures and budget, when the simulator is slow (negative control)", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(map[string]string{"music.next": "400ms"}))
		samples, err := b.Sample(ctx, "music.next", 5, nextTrack(b))
		Expect(err).NotTo(HaveOccurred())
		failures := InterceptGomegaFailures(func() { Expect(samples).To(harness.MeetBudget()) })
		Expect(failures).To(HaveLen(1))
		Expect(failures[0]).To(And(
			ContainSubstring("music.next"),
			MatchRegexp(`p95 4\d\d(\.\d+)?ms exceeds its budget 150ms`),
			MatchRegexp(`max 4\d\d(\.\d+)?ms exceeds its budget 225ms`),
		))
	}, SpecTimeout(time.Minute))

	It("retakes a measurement taken while the observer dropped frames, and calls the set inconclusive when it keeps dropping (negative control)", func(ctx SpecContext) {
		b, err := harness.Open(ctx, simProfile(nil), harness.Options{ObserverQueue: 4})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(b.Close)
		flood, stop := context.WithCancel(ctx)
		defer stop()
		go func() {
			for flood.Err() == nil {
				b.Send(flood, "7FF#00").Err()
			}
		}()
		Eventually(b.Dropped).Should(BeNumerically(">", 0))
		s, err := b.Sample(ctx, "music.next", 3, nextTrack(b))
		stop()
		// The bench retakes what it measured while it lost frames, and
		// calls the set inconclusive when it cannot stop losing them.
		var inc *harness.Inconclusive
		Expect(errors.As(err, &inc)).To(BeTrue(), "the error is %v", err)
		Expect(err).To(MatchError(MatchRegexp(`^inconclusive: music\.next: 0 samples of 3, 3 retaken: .*the host is overloaded`)))
		Expect(s.Retakes).To(ContainElement(HaveField("Cause", MatchRegexp(`the bench's observer lost \d+ frames`))))

		// Samples with drops, gathered by hand, make the set invalid.
		set := harness.Samples{Key: "music.next", Samples: []latency.Sample{{Latency: time.Millisecond, Dropped: 2}}}
		failures := InterceptGomegaFailures(func() { Expect(set).To(harness.MeetBudget(b.Budgets)) })
		Expect(failures).To(ConsistOf(MatchRegexp(`music\.next: measurement invalid: the bus dropped \d+ frames while it was measured`)))
		// A set gathered by hand has no bench's budgets: it must be given them.
		_, err = harness.MeetBudget().Match(set)
		Expect(err).To(MatchError(ContainSubstring("MeetBudget(bench.Budgets)")))
	}, SpecTimeout(time.Minute))

	It("says where it got stuck and what it waited for when the reaction never comes", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		r := b.Press(ctx, "SWC_Buttons.NextBtn").Until(ctx,
			harness.Emits(&ivi.IVI_MediaStatus{}, HaveField("TrackIndex()", BeEquivalentTo(99))), 300*time.Millisecond)
		var none *harness.NoReaction
		Expect(r.Err).To(BeAssignableToTypeOf(none))
		Expect(r.Err.Error()).To(And(
			MatchRegexp(`no reaction within 300ms of the press of SWC_Buttons\.NextBtn`),
			MatchRegexp(`Got stuck at:\n +\+ *\d+\.\d+ms IVI_MediaStatus\(Counter: \d+, .*TrackIndex: 1`),
			MatchRegexp(`Waiting for:\n +Value for field 'TrackIndex\(\)' failed to satisfy matcher`),
		))
	}, SpecTimeout(time.Minute))
})

var _ = Describe("matchers that read like the requirement", Label("music"), Serial, func() {
	It("pass a reaction within its time, and fail a late one with its latency (negative control)", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(map[string]string{"music.prev": "300ms"}))
		Expect(b.Press(ctx, "SWC_Buttons.NextBtn")).To(harness.ReactWithin(150*time.Millisecond, trackAfter(b)))

		before, _ := b.Latest("IVI_MediaStatus")
		back := harness.Emits("IVI_MediaStatus", harness.Signal("TrackIndex", BeNumerically("==", before.Physical("TrackIndex")-1)))
		failures := InterceptGomegaFailures(func() {
			Expect(b.Press(ctx, "SWC_Buttons.PrevBtn")).To(harness.ReactWithin(150*time.Millisecond, back))
		})
		Expect(failures).To(ConsistOf(MatchRegexp(`the press of SWC_Buttons\.PrevBtn reacted in 3\d\d\.\d+ms, more than 150ms: IVI_MediaStatus at`)))
	}, SpecTimeout(time.Minute))

	It("pass when a dropped press leaves the track alone, and fail when it does not (negative control)", func(ctx SpecContext) {
		p := simProfile(nil)
		p.DUT.Sim.Faults = map[string]string{"music.next": "drop:100%"}
		b := openBench(ctx, p)
		before, _ := b.Latest("IVI_MediaStatus")
		moved := harness.Emits("IVI_MediaStatus", harness.Where("a track change", func(f harness.Frame) bool { return f.Raw("TrackIndex") != before.Raw("TrackIndex") }))
		Expect(b.Press(ctx, "SWC_Buttons.NextBtn")).To(harness.NotReactWithin(500*time.Millisecond, moved))

		ok := openBench(ctx, simProfile(nil))
		failures := InterceptGomegaFailures(func() {
			Expect(ok.Press(ctx, "SWC_Buttons.NextBtn")).To(harness.NotReactWithin(500*time.Millisecond, trackAfter(ok)))
		})
		Expect(failures).To(ConsistOf(MatchRegexp(`IVI_MediaStatus reacted .* after the press of SWC_Buttons.NextBtn, within the 500ms it must not: IVI_MediaStatus\(.*TrackIndex: 1`)))
	}, SpecTimeout(time.Minute))

	It("measure a DUT message's cycle from its bus timestamps", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		c, err := b.CycleTimes(ctx, "IVI_Heartbeat", 20)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Nominal).To(Equal(100 * time.Millisecond))
		Expect(c.Intervals).To(HaveLen(20))
		Expect(c.Times).To(HaveLen(20))
		for i, d := range c.Intervals {
			// Each interval is the difference of the frames' timestamps:
			// what the matcher judges, whatever the host did meanwhile.
			if i > 0 {
				Expect(c.Times[i].Sub(c.Times[i-1])).To(Equal(d))
			}
		}
	}, SpecTimeout(time.Minute))

	// The matcher on measured figures: a live DUT's intervals are the
	// host's as much as the DUT's (a loaded host under -race delayed the
	// in-process simulator's heartbeat by 38 ms), and guarded specs judge
	// that case as inconclusive; here the matcher itself is judged.
	It("hold a DUT message to its cycle time, and name the worst intervals when it does not (negative control)", func() {
		at := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
		c := harness.CycleTimes{Message: "IVI_Heartbeat", Nominal: 100 * time.Millisecond}
		for _, ms := range []int{100, 98, 104, 131, 95, 101} {
			at = at.Add(time.Duration(ms) * time.Millisecond)
			c.Intervals = append(c.Intervals, time.Duration(ms)*time.Millisecond)
			c.Times = append(c.Times, at)
		}
		Expect(c).To(harness.HoldCycleTime(0.35))
		failures := InterceptGomegaFailures(func() { Expect(c).To(harness.HoldCycleTime(0.1)) })
		Expect(failures).To(ConsistOf(MatchRegexp(`cycle time out of tolerance: IVI_Heartbeat: 6 intervals, min 95ms, median 101ms, max 131ms, nominal 100ms ±10% \[90ms, 110ms\]; 1 intervals outside: \[131ms ending 12:00:00.433`)))
		failures = InterceptGomegaFailures(func() { Expect(c).NotTo(harness.HoldCycleTime(0.35)) })
		Expect(failures).To(HaveLen(1), "the negated matcher fails when the cycle holds")
	})
})

var _ = Describe("a bench on vcan0", Label("vcan", "music", "latency"), Serial, func() {
	It("measures music.next from kernel timestamps, the rest-bus on the kernel BCM", func(ctx SpecContext) {
		p := simProfile(nil)
		p.Bus.Interface = specs.VCAN(0)
		b := openBench(ctx, p)
		samples, err := b.Sample(ctx, "music.next", 20, nextTrack(b))
		Expect(err).NotTo(HaveOccurred())
		for _, s := range samples.Samples {
			Expect(s.StimulusSource).To(Equal("kernel"))
			Expect(s.ReactionSource).To(Equal("kernel"))
		}
		fmt.Printf("\nMEASURE: bench on vcan0, music.next: %v (budget p95 150ms, max 225ms)\n", samples.Stats())
		Expect(samples).To(harness.MeetBudget())
	}, SpecTimeout(2*time.Minute))
})

var _ = Describe("continuous checks", Label("vehicle"), Serial, func() {
	It("find nothing on a healthy bus", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		w := b.Watch(ctx)
		time.Sleep(time.Second)
		Expect(w.Stop()).To(Succeed())
	}, SpecTimeout(time.Minute))

	It("judge the DUT's frames by their E2E protection, naming the frame and why (negative control: a scheme the DUT does not follow)", func(ctx SpecContext) {
		// The reference head unit counts its heartbeat 0..15; profile 1
		// counts 0..14, so its 15 is out of range.
		p := simProfile(nil)
		Expect(yaml.Unmarshal([]byte("default: reference\nmessages:\n  IVI_Heartbeat: {scheme: autosar-p01, data_id: 0x3B0}\n"), &p.E2E)).To(Succeed())
		b := openBench(ctx, p)
		Expect(b.Protection).To(HaveKey("IVI_Heartbeat"))
		w := b.Watch(ctx)
		time.Sleep(1700 * time.Millisecond) // 17 heartbeats: one counter cycle
		err := w.Stop()
		Expect(err).To(MatchError(MatchRegexp(`e2e: IVI_Heartbeat 3B0#[0-9A-F]F[0-9A-F]+ breaks its E2E protection \(autosar-p01\(data_id=0x03B0, mode=both\)\): counter 15 out of range 0\.\.14`)))
		// The same DUT under the reference network's protection is clean.
		ok := openBench(ctx, simProfile(nil))
		Expect(ok.Protection).To(HaveKey("SWC_Buttons"))
		w = ok.Watch(ctx)
		time.Sleep(1700 * time.Millisecond)
		Expect(w.Stop()).To(Succeed())
	}, SpecTimeout(time.Minute))

	It("fail when the DUT's heartbeat stops, ending a wait in progress (negative control: heartbeat=stop-after)", func(ctx SpecContext) {
		p := simProfile(nil)
		p.DUT.Sim.Faults = map[string]string{"heartbeat": "stop-after:1500ms"}
		b := openBench(ctx, p)
		w := b.Watch(ctx)
		never := harness.Emits("IVI_MediaStatus", harness.Signal("TrackIndex", BeNumerically("==", 99)))
		start := time.Now()
		r := b.Press(ctx, "SWC_Buttons.NextBtn").Until(ctx, never, 10*time.Second)
		Expect(time.Since(start)).To(BeNumerically("<", 5*time.Second), "the violation ends the wait")
		Expect(r.Err).To(MatchError(MatchRegexp(`a continuous check failed: .* heartbeat: IVI_Heartbeat silent for \d+ms`)))
		Expect(w.Stop()).To(MatchError(MatchRegexp(`heartbeat: IVI_Heartbeat silent for \d+ms, more than 3 periods of 100ms`)))
	}, SpecTimeout(time.Minute))

	It("judge a spec shorter than their tick when they stop: a heartbeat dead before the spec began fails it", func(ctx SpecContext) {
		p := simProfile(nil)
		p.DUT.Sim.Faults = map[string]string{"heartbeat": "stop-after:500ms"}
		b := openBench(ctx, p)
		Eventually(func() time.Duration { f, _ := b.Latest("IVI_Heartbeat"); return time.Since(f.Time) }).
			WithTimeout(5 * time.Second).Should(BeNumerically(">", time.Second))
		// Started and stopped at once: no tick of the checks comes between.
		w := b.Watch(ctx)
		Expect(w.Stop()).To(MatchError(MatchRegexp(`heartbeat: IVI_Heartbeat silent for [\d.]+m?s, more than 3 periods of 100ms`)))
		// A wait that ends, even with its reaction, ends with the violation too.
		w = b.Watch(ctx)
		DeferCleanup(func() { _ = w.Stop() }) // its violation is this spec's expectation
		r := b.Press(ctx, "SWC_Buttons.NextBtn").Until(ctx, harness.Emits("IVI_MediaStatus", harness.Signal("TrackIndex", BeNumerically(">=", 0))), 5*time.Second)
		Expect(r.Err).To(MatchError(MatchRegexp(`a continuous check failed: .* heartbeat: IVI_Heartbeat silent`)))
	}, SpecTimeout(time.Minute))

	It("report unknown IDs, wrong lengths and error frames with when and what", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		w := b.Watch(ctx)
		time.Sleep(50 * time.Millisecond)
		for _, f := range []string{"555#01", "0F8#0102", "20000040#0000000000000000"} {
			Expect(b.Send(ctx, f).Err()).To(Succeed())
		}
		Eventually(w.Violations).Should(HaveLen(3))
		err := w.Stop()
		Expect(err).To(MatchError(And(
			ContainSubstring("unknown-id: 555#01 on"),
			ContainSubstring("dlc: 0F8#0102 is 2 bytes, TCU_Gear has 3"),
			ContainSubstring("error-frame: bus-off"),
		)))
	}, SpecTimeout(time.Minute))
})

var _ = Describe("probes and controls", Label("messaging"), Serial, func() {
	It("take reactions from the event stream and control the DUT through it", func(ctx SpecContext) {
		p := simProfile(nil)
		p.Probes = append(p.Probes, profile.Probe{Name: "events", Kind: profile.EventProbe})
		b := openBench(ctx, p)
		ev, ok := b.Probe("events")
		Expect(ok).To(BeTrue())
		_, err := ev.Await(ctx, 0, probe.Event("vehicle", "power_state", "state", "Running"))
		Expect(err).NotTo(HaveOccurred(), "the probe saw the boot")

		r := b.Press(ctx, "SWC_Buttons.NextBtn").UntilEvent(ctx, ev, probe.Event("music", "track_changed", "track", 1), 2*time.Second)
		Expect(r.Err).NotTo(HaveOccurred())
		Expect(r.Latency).To(BeNumerically(">", 0))
		Expect(r.Sample().ReactionSource).To(Equal("user"))

		Expect(b.Control(ctx, "incoming_call")).To(harness.ReactWithin(time.Second, harness.Emits("IVI_MessagingStatus", harness.Choice("CallState", Equal("Ringing")))))
		Expect(b.Press(ctx, "SWC_Buttons.PhoneAnswerBtn")).To(harness.ReactWithin(b.Budgets["messaging.answer"].P95,
			harness.Emits(&ivi.IVI_MessagingStatus{}, HaveField("CallState()", Equal(ivi.IVI_MessagingStatus_CallState_Active)))))
		r = b.Control(ctx, "incoming_message", "from=Alice").Until(ctx, harness.Emits("IVI_MessagingStatus", harness.Signal("UnreadCount", BeNumerically("==", 1))), time.Second)
		Expect(r.Err).NotTo(HaveOccurred())
		Expect(r.Sample().StimulusSource).To(Equal("user"), "a control has no frame: its time zero is when it was issued")
		sideways := b.Control(ctx, "start_guidance", "maneuver=Sideways")
		Expect(sideways.Err()).To(Succeed(), "the line was sent; the DUT answers the error on its stream")
		r = sideways.Until(ctx, harness.Emits("IVI_NavStatus", harness.Signal("GuidanceActive", BeNumerically("==", 1))), 300*time.Millisecond)
		Expect(r.Err).To(MatchError(ContainSubstring(`The DUT answered the control: start_guidance: maneuver "Sideways" is not Straight, Left, Right, UTurn or Arrive`)))
	}, SpecTimeout(time.Minute))

	It("watch a command's output", func(ctx SpecContext) {
		p := simProfile(nil)
		p.Probes = append(p.Probes, profile.Probe{Name: "log", Kind: profile.CommandProbe, Argv: []string{"sh", "-c", "echo 'I Telecom: call state RINGING'; sleep 30"}})
		b := openBench(ctx, p)
		log, ok := b.Probe("log")
		Expect(ok).To(BeTrue())
		o, err := log.Await(ctx, 0, probe.Line(`call state (\w+)`))
		Expect(err).NotTo(HaveOccurred())
		Expect(o.Line).To(ContainSubstring("RINGING"))
	}, SpecTimeout(time.Minute))

	It("run a bench DUT's control actions as argv, with parameters, and report a failing one", func(ctx SpecContext) {
		p := simProfile(nil)
		p.DUT.Kind, p.DUT.Ready, p.DUT.Sim = profile.Bench, "none", profile.Sim{}
		out := filepath.Join(GinkgoT().TempDir(), "called")
		p.DUT.Controls = map[string][]string{
			"incoming_message": {"sh", "-c", `printf '%s' "$1" > "$2"`, "sh", "${from}", out},
			"broken":           {"sh", "-c", "echo no device >&2; exit 3"},
		}
		b := openBench(ctx, p)
		Expect(b.Control(ctx, "incoming_message", "from=Alice").Err()).To(Succeed())
		Expect(os.ReadFile(out)).To(Equal([]byte("Alice")))
		Expect(b.Control(ctx, "broken").Err()).To(MatchError(And(ContainSubstring(`control broken: "sh -c echo no device >&2; exit 3": exit status 3: no device`))))
		Expect(b.Control(ctx, "incoming_call").Err()).To(MatchError(ContainSubstring("the DUT has no event stream and the profile no dut.controls.incoming_call command")))
	}, SpecTimeout(time.Minute))
})

var _ = Describe("a process DUT", Label("vehicle"), Serial, func() {
	udpProfile := func() *profile.Profile {
		p := loadProfile("ci-vcan.yaml")
		p.Bus.Interface = fmt.Sprintf("udp:239.74.163.%d:%d", 1+GinkgoParallelProcess(), 20000+GinkgoRandomSeed()%20000)
		p.DUT.Sim.Latency = map[string]string{"vehicle.ready": "150ms"}
		specs.Hil()
		return p
	}

	It("starts hil sim from argv, waits for an event, controls it, captures its output and stops it", func(ctx SpecContext) {
		p := udpProfile()
		p.DUT.Ready = "event:vehicle.power_state:state=Running"
		b, err := harness.Open(ctx, p, harness.Options{})
		Expect(err).NotTo(HaveOccurred())
		Expect(b.Control(ctx, "incoming_call")).To(harness.ReactWithin(time.Second, harness.Emits("IVI_MessagingStatus", harness.Choice("CallState", Equal("Ringing")))))
		dut, ok := b.Probe("dut")
		Expect(ok).To(BeTrue())
		Expect(dut.Lines()).To(ContainElement(MatchRegexp(`hil sim: events on unix:.*events.sock`)))
		Expect(b.Close()).To(Succeed())
		_, err = dut.Await(ctx, 0, probe.Line(`never printed`))
		Expect(err).To(MatchError(ContainSubstring("probe dut ended")), "the process was stopped at Close")
	}, SpecTimeout(time.Minute))

	It("fails to open with the DUT's own output when the DUT cannot start", func(ctx SpecContext) {
		p := udpProfile()
		p.DUT.Argv = append(p.DUT.Argv, "--no-such-flag")
		p.DUT.ReadyTimeout = "3s"
		_, err := harness.Open(ctx, p, harness.Options{})
		Expect(err).To(MatchError(And(ContainSubstring("the DUT's last output"), ContainSubstring("no-such-flag"))))
	}, SpecTimeout(time.Minute))
})

var _ = Describe("vehicle state", Label("messaging"), Serial, func() {
	It("is set by name or typed through the generated codecs, and the next cycle carries it", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		Expect(b.Change(ctx, "ESP_VehicleSpeed.VehicleSpeed=42.5")).To(harness.ReactWithin(200*time.Millisecond,
			harness.Emits("IVI_MessagingStatus", harness.Signal("TextInputLocked", BeNumerically("==", 1)))))
		Expect(b.SetMessage(ivi.NewESP_VehicleSpeed().SetVehicleSpeed(0).SetSpeedValid(true))).To(Succeed())
		Eventually(func() float64 {
			f, _ := b.Latest("ESP_VehicleSpeed")
			return f.Physical("VehicleSpeed")
		}).Should(BeZero())
		Eventually(func() uint64 {
			f, _ := b.Latest("IVI_MessagingStatus")
			return f.Raw("TextInputLocked")
		}).Should(BeZero(), "standstill with the brake applied unlocks, so the typed frame's CRC and counter were right")
		Expect(b.SetMessage(ivi.NewIVI_Heartbeat())).To(MatchError(ContainSubstring("set IVI_Heartbeat: not played by the rest-bus")))
	}, SpecTimeout(time.Minute))
})

var _ = Describe("evidence and replay", Label("vehicle"), Serial, func() {
	It("renders the last seconds as a candump log that reads back, decoded, with the probes' lines", func(ctx SpecContext) {
		p := simProfile(nil)
		p.Probes = append(p.Probes, profile.Probe{Name: "events", Kind: profile.EventProbe})
		b := openBench(ctx, p)
		Expect(b.Press(ctx, "SWC_Buttons.NextBtn").Err()).To(Succeed())
		ev := b.Evidence(time.Second)
		Expect(ev.Frames).To(BeNumerically(">", 20), "a second of a live bus")
		r := canlog.NewReader(strings.NewReader(ev.Log), "evidence")
		n := 0
		for {
			rec, err := r.Next()
			if err != nil {
				Expect(err).To(MatchError(io.EOF))
				break
			}
			Expect(rec.Style).To(Equal(canlog.LogStyle))
			n++
		}
		Expect(n).To(Equal(ev.Frames))
		Expect(ev.Decoded).To(ContainSubstring(":: IVI_Heartbeat(Counter: "))
		Expect(ev.Decoded).To(ContainSubstring(":: ESP_VehicleSpeed(CRC: "))
		Expect(ev.Observations).To(MatchRegexp(`\(\d+\.\d{6}\) events \{.*"event":"track_changed"`))
		ar := canlog.NewASCReader(strings.NewReader(ev.ASC), "evidence.asc")
		for n = 0; ; n++ {
			if _, err := ar.Next(); err != nil {
				Expect(err).To(MatchError(io.EOF))
				break
			}
		}
		Expect(n).To(Equal(ev.Frames), "the ASC trace holds the same frames")
	}, SpecTimeout(time.Minute))

	DescribeTable("replays a trace with one signal replaced, CRCs made anew, and without it changes nothing", func(ctx SpecContext, name string, text func(harness.Evidence) string) {
		b := openBench(ctx, simProfile(nil))
		time.Sleep(600 * time.Millisecond)
		trace := filepath.Join(GinkgoT().TempDir(), name)
		Expect(os.WriteFile(trace, []byte(text(b.Evidence(500*time.Millisecond))), 0o644)).To(Succeed())

		Expect(b.Replay(ctx, trace)).To(harness.NotReactWithin(700*time.Millisecond, trackAfter(b)), "the trace as recorded presses nothing")
		Expect(b.Replay(ctx, trace, "SWC_Buttons.NextBtn=1")).To(harness.ReactWithin(150*time.Millisecond, trackAfter(b)))
		Expect(b.Replay(ctx, trace, "SWC_Buttons.NoSuchBtn=1").Err()).To(MatchError(ContainSubstring("override")))
	},
		Entry("a candump log", "drive.log", func(e harness.Evidence) string { return e.Log }, SpecTimeout(time.Minute)),
		Entry("a Vector ASC trace", "drive.asc", func(e harness.Evidence) string { return e.ASC }, SpecTimeout(time.Minute)),
	)
})

var _ = Describe("a closed bench", Label("vehicle"), Serial, func() {
	It("leaves no goroutine behind: DUT, rest-bus, recorder, probes, watcher", func(ctx SpecContext) {
		before := gleak.Goroutines()
		p := simProfile(nil)
		p.Probes = append(p.Probes, profile.Probe{Name: "events", Kind: profile.EventProbe},
			profile.Probe{Name: "log", Kind: profile.CommandProbe, Argv: []string{"sh", "-c", "echo up; sleep 30"}})
		b, err := harness.Open(ctx, p, harness.Options{})
		Expect(err).NotTo(HaveOccurred())
		w := b.Watch(ctx)
		Expect(b.Press(ctx, "SWC_Buttons.NextBtn")).To(harness.ReactWithin(150*time.Millisecond, trackAfter(b)))
		Expect(w.Stop()).To(Succeed())
		Expect(b.Close()).To(Succeed())
		Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(before))
	}, SpecTimeout(time.Minute))
})
