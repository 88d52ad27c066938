package main_test

import (
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"

	"github.com/cockpit-hil/hil/can/canlog"
	ic "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"github.com/cockpit-hil/hil/internal/specs"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
)

// simOnVcan starts hil sim and hil restbus as separate processes on vcan0,
// with candump -L watching, and waits for the head unit to run.
func simOnVcan(simArgs ...string) (candump *gexec.Session, restbus io.Writer, restOut *gbytes.Buffer) {
	GinkgoHelper()
	iface := specs.VCAN(0)
	candump = start(specs.Tool("candump"), "-L", iface)
	listening()
	sim := start(hil, append([]string{"sim", "--bus", iface, "--latency", "vehicle.ready=200ms"}, simArgs...)...)
	DeferCleanup(func() {
		sim.Signal(syscall.SIGTERM)
		Eventually(sim, 10*time.Second).Should(gexec.Exit(0), "hil sim ends cleanly on SIGTERM")
	})
	cmd := exec.Command(hil, "restbus", iface)
	in, err := cmd.StdinPipe()
	Expect(err).NotTo(HaveOccurred())
	rest, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		fmt.Fprintln(in, "quit")
		Eventually(rest, 10*time.Second).Should(gexec.Exit(0))
	})
	Eventually(func() bool {
		for _, r := range records(string(candump.Out.Contents())) {
			if r.ID == 0x3B0 {
				var hb ic.IVI_Heartbeat
				f, _ := r.Einride()
				if hb.UnmarshalFrame(f) == nil && hb.PowerState() == ic.IVI_Heartbeat_PowerState_Running {
					return true
				}
			}
		}
		return false
	}, 15*time.Second, 100*time.Millisecond).Should(BeTrue(), "the head unit boots when hil restbus plays power mode ON")
	return candump, in, rest.Out
}

// nextTrackLatency presses NextBtn through hil restbus and measures, on
// candump's kernel timestamps, from the first SWC_Buttons frame with NextBtn
// set to the first IVI_MediaStatus with TrackIndex one higher.
func nextTrackLatency(candump *gexec.Session, restbus io.Writer, restOut *gbytes.Buffer) time.Duration {
	GinkgoHelper()
	pressed := time.Now() // candump's kernel timestamps share this wall clock
	track := -1
	for _, r := range records(string(candump.Out.Contents())) {
		if r.ID == 0x3A0 {
			f, _ := r.Einride()
			var m ic.IVI_MediaStatus
			m.UnmarshalFrame(f)
			track = int(m.TrackIndex())
		}
	}
	Expect(track).To(BeNumerically(">=", 0), "IVI_MediaStatus seen")
	fmt.Fprintln(restbus, "press SWC_Buttons.NextBtn")
	Eventually(restOut, 5*time.Second).Should(gbytes.Say("ok"))
	var stim, react *canlog.Record
	Eventually(func() bool {
		recs := records(string(candump.Out.Contents()))
		for i := range recs {
			r := &recs[i]
			if r.Time.Before(pressed) {
				continue
			}
			f, _ := r.Einride()
			switch r.ID {
			case 0x1A0:
				var b ic.SWC_Buttons
				if stim == nil && b.UnmarshalFrame(f) == nil && bool(b.NextBtn()) {
					stim = r
				}
			case 0x3A0:
				var m ic.IVI_MediaStatus
				if stim != nil && react == nil && m.UnmarshalFrame(f) == nil && int(m.TrackIndex()) == track+1 {
					react = r
				}
			}
		}
		return react != nil
	}, 5*time.Second, 50*time.Millisecond).Should(BeTrue(), func() string {
		return fmt.Sprintf("TrackIndex %d after the press at %v; stimulus %v", track+1, pressed, stim)
	})
	return react.Time.Sub(stim.Time)
}

var _ = Describe("hil sim on vcan0 with hil restbus as its peer", Label("vcan", "music"), func() {
	It("advances the track within 150 ms of the first frame with NextBtn set, by candump's kernel timestamps", func() {
		candump, rest, out := simOnVcan()
		for i := 0; i < 3; i++ {
			lat := nextTrackLatency(candump, rest, out)
			measure("hil sim on vcan0: music.next reaction %v (candump kernel timestamps; budget 150ms)", lat)
			Expect(lat).To(BeNumerically("<", 150*time.Millisecond))
		}
	})

	It("does not react before 400 ms with --latency music.next=400ms", func() {
		candump, rest, out := simOnVcan("--latency", "music.next=400ms")
		lat := nextTrackLatency(candump, rest, out)
		measure("hil sim --latency music.next=400ms on vcan0: reaction %v", lat)
		Expect(lat).To(BeNumerically(">=", 400*time.Millisecond))
	})

	It("ends cleanly on SIGINT and exits non-zero on a crash fault", func() {
		iface := specs.VCAN(0)
		sim := start(hil, "sim", "--bus", iface)
		time.Sleep(500 * time.Millisecond)
		sim.Signal(syscall.SIGINT)
		Eventually(sim, 10*time.Second).Should(gexec.Exit(0))
		crash := start(hil, "sim", "--bus", iface, "--fault", "sim=crash-after:300ms")
		Eventually(crash, 10*time.Second).Should(gexec.Exit(1))
		Expect(crash.Err).To(gbytes.Say("simulated crash"))
	})
})

var _ = Describe("hil doctor", Label("vcan"), func() {
	It("reports ok for vcan0 with the head unit and the rest of the car on it", func() {
		simOnVcan()
		s := start(hil, "doctor", specs.VCAN(0))
		Eventually(s, 20*time.Second).Should(gexec.Exit(0))
		out := string(s.Out.Contents())
		Expect(out).NotTo(MatchRegexp(`(?m)^(warn|fail)`))
		Expect(out).To(And(
			MatchRegexp(`(?m)^ok    vcan\d: present and up \(vcan, CAN FD frames allowed \(MTU 72\)\)$`),
			MatchRegexp(`(?m)^ok    traffic: \d+ frames in 1s \(\d+ frames/s\)`),
			MatchRegexp(`(?m)^ok    DUT heartbeat: IVI_Heartbeat from IVI every \d+\.\d ms \(DBC: 100ms\) \(\d+ frames\), all ready, Running$`),
		))
	})

	It("warns of a silent bus and fails a missing interface, saying what to do", func() {
		s := start(hil, "doctor", "-t", "200ms", specs.VCAN(1))
		Eventually(s, 20*time.Second).Should(gexec.Exit(0), "warnings are not failures")
		Expect(string(s.Out.Contents())).To(And(
			MatchRegexp(`(?m)^warn  traffic: no frames in 200ms\n      → is the head unit powered`),
			MatchRegexp(`(?m)^warn  DUT heartbeat: no IVI_Heartbeat from IVI in 200ms`),
		))
		s = start(hil, "doctor", "vcan99")
		Eventually(s, 20*time.Second).Should(gexec.Exit(1))
		Expect(string(s.Out.Contents())).To(ContainSubstring("fail  vcan99: no such interface\n      → an adapter: plug it in"))
	})
})
