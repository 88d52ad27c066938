package harness_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/can/canlog"
	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/probe"
	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/cockpit-hil/hil/internal/specs"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func simProfile(latencies map[string]string) *profile.Profile {
	GinkgoHelper()
	root, err := specs.ModuleRoot()
	Expect(err).NotTo(HaveOccurred())
	p, err := profile.Load(filepath.Join(root, "profiles", "sim.yaml"))
	Expect(err).NotTo(HaveOccurred())
	p.DUT.Sim.Latency = latencies
	return p
}

func openBench(ctx context.Context, p *profile.Profile) *harness.Bench {
	GinkgoHelper()
	b, err := harness.Open(ctx, p, harness.Options{})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(b.Close)
	harness.AttachEvidence(b, 5*time.Second, os.Getenv("HIL_EVIDENCE_DIR"))
	return b
}

// nextTrack measures one music.next reaction: the press of NextBtn until
// IVI_MediaStatus shows the track after the one it showed before.
func nextTrack(b *harness.Bench) func(ctx context.Context) harness.Reaction {
	return func(ctx context.Context) harness.Reaction {
		before, _ := b.Latest("IVI_MediaStatus")
		want := before.Raw("TrackIndex") + 1
		return b.Press(ctx, "SWC_Buttons.NextBtn").Until(ctx, "IVI_MediaStatus",
			func(f harness.Frame) bool { return f.Raw("TrackIndex") == want }, 2*time.Second)
	}
}

var _ = Describe("a bench on the reference head unit (profiles/sim.yaml)", Label("music", "latency"), Serial, func() {
	It("advances the track within its budget, on bus timestamps", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		samples, err := b.Sample(ctx, "music.next", 20, nextTrack(b))
		Expect(err).NotTo(HaveOccurred())
		Expect(samples).To(harness.MeetBudget(b.Budgets))
		for _, s := range samples.Samples {
			Expect(s.Latency).To(BeNumerically(">", 0), "the reaction follows the stimulus frame")
		}
	}, SpecTimeout(time.Minute))

	It("fails the budget, naming key, figures and budget, when the simulator is slow (negative control)", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(map[string]string{"music.next": "400ms"}))
		samples, err := b.Sample(ctx, "music.next", 5, nextTrack(b))
		Expect(err).NotTo(HaveOccurred())
		failures := InterceptGomegaFailures(func() { Expect(samples).To(harness.MeetBudget(b.Budgets)) })
		Expect(failures).To(HaveLen(1))
		Expect(failures[0]).To(And(
			ContainSubstring("music.next"),
			MatchRegexp(`p95 4\d\d(\.\d+)?ms exceeds its budget 150ms`),
			MatchRegexp(`max 4\d\d(\.\d+)?ms exceeds its budget 225ms`),
		))
	}, SpecTimeout(time.Minute))

	It("says what it waited for when the reaction never comes", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		r := b.Press(ctx, "SWC_Buttons.NextBtn").Until(ctx, "IVI_MediaStatus",
			func(f harness.Frame) bool { return f.Raw("TrackIndex") == 99 }, 300*time.Millisecond)
		Expect(r.Err).To(MatchError(And(ContainSubstring("IVI_MediaStatus matching"), ContainSubstring("last seen: IVI_MediaStatus(Counter: "))))
	}, SpecTimeout(time.Minute))
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
		Expect(samples).To(harness.MeetBudget(b.Budgets))
	}, SpecTimeout(2*time.Minute))
})

var _ = Describe("continuous checks", Label("vehicle"), Serial, func() {
	It("find nothing on a healthy bus", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		w := b.Watch(ctx)
		time.Sleep(time.Second)
		Expect(w.Stop()).To(Succeed())
	}, SpecTimeout(time.Minute))

	It("fail when the DUT's heartbeat stops (negative control: heartbeat=stop-after)", func(ctx SpecContext) {
		p := simProfile(map[string]string{"vehicle.ready": "150ms"})
		p.DUT.Sim.Faults = map[string]string{"heartbeat": "stop-after:1500ms"}
		b := openBench(ctx, p)
		w := b.Watch(ctx)
		Eventually(w.Violations, 5*time.Second).ShouldNot(BeEmpty())
		err := w.Stop()
		Expect(err).To(MatchError(MatchRegexp(`heartbeat: IVI_Heartbeat silent for \d+ms, more than 3 periods of 100ms`)))
	}, SpecTimeout(time.Minute))

	It("report unknown IDs, wrong lengths and error frames with when and what", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		w := b.Watch(ctx)
		time.Sleep(50 * time.Millisecond)
		for _, f := range []string{"555#01", "0F8#0102", "20000040#0000000000000000"} {
			Expect(b.SendFrame(ctx, f)).To(Succeed())
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

var _ = Describe("probes on a bench", Label("messaging"), Serial, func() {
	It("takes reactions from the event stream and controls the DUT through it", func(ctx SpecContext) {
		p := simProfile(map[string]string{"vehicle.ready": "150ms"})
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

		mark := ev.Mark()
		Expect(ev.Send(`{"cmd": "incoming_call"}`)).To(Succeed())
		_, err = ev.Await(ctx, mark, probe.Event("messaging", "call_state", "state", "Ringing"))
		Expect(err).NotTo(HaveOccurred())
		r = b.Press(ctx, "SWC_Buttons.PhoneAnswerBtn").Until(ctx, "IVI_MessagingStatus",
			func(f harness.Frame) bool { return f.Choice("CallState") == "Active" }, 2*time.Second)
		Expect(r.Err).NotTo(HaveOccurred())
		Expect(r.Latency).To(BeNumerically("<", b.Budgets["messaging.answer"].P95))
	}, SpecTimeout(time.Minute))

	It("watches a command's output", func(ctx SpecContext) {
		p := simProfile(nil)
		p.Probes = append(p.Probes, profile.Probe{Name: "log", Kind: profile.CommandProbe, Argv: []string{"sh", "-c", "echo 'I Telecom: call state RINGING'; sleep 30"}})
		b := openBench(ctx, p)
		log, ok := b.Probe("log")
		Expect(ok).To(BeTrue())
		o, err := log.Await(ctx, 0, probe.Line(`call state (\w+)`))
		Expect(err).NotTo(HaveOccurred())
		Expect(o.Line).To(ContainSubstring("RINGING"))
	}, SpecTimeout(time.Minute))
})

var _ = Describe("evidence", Label("vehicle"), Serial, func() {
	It("renders the last seconds as a candump log that reads back, and decoded", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(map[string]string{"vehicle.ready": "150ms"}))
		time.Sleep(300 * time.Millisecond)
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
	}, SpecTimeout(time.Minute))
})

var _ = Describe("reactions that must not happen, and cycle times", Label("music"), Serial, func() {
	It("passes when a dropped press leaves the track alone, and fails when it does not (negative control)", func(ctx SpecContext) {
		p := simProfile(nil)
		p.DUT.Sim.Faults = map[string]string{"music.next": "drop:100%"}
		b := openBench(ctx, p)
		before, _ := b.Latest("IVI_MediaStatus")
		moved := func(f harness.Frame) bool { return f.Raw("TrackIndex") != before.Raw("TrackIndex") }
		Expect(b.Press(ctx, "SWC_Buttons.NextBtn").NotWithin(ctx, "IVI_MediaStatus", moved, 500*time.Millisecond)).To(Succeed())

		ok := openBench(ctx, simProfile(nil))
		before, _ = ok.Latest("IVI_MediaStatus")
		err := ok.Press(ctx, "SWC_Buttons.NextBtn").NotWithin(ctx, "IVI_MediaStatus",
			func(f harness.Frame) bool { return f.Raw("TrackIndex") != before.Raw("TrackIndex") }, 500*time.Millisecond)
		Expect(err).To(MatchError(MatchRegexp(`IVI_MediaStatus reacted .* after the stimulus, within the 500ms it must not: IVI_MediaStatus\(.*TrackIndex: 1`)))
	}, SpecTimeout(time.Minute))

	It("measures the heartbeat's cycle time from bus timestamps", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		ds, err := b.CycleTimes(ctx, "IVI_Heartbeat", 20)
		Expect(err).NotTo(HaveOccurred())
		Expect(ds).To(HaveLen(20))
		var sum time.Duration
		for _, d := range ds {
			sum += d
		}
		Expect(sum / 20).To(BeNumerically("~", 100*time.Millisecond, 10*time.Millisecond))
	}, SpecTimeout(time.Minute))
})
