package main_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cockpit-hil/hil/can/canlog"
	"github.com/cockpit-hil/hil/internal/specs"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

func start(name string, args ...string) *gexec.Session {
	GinkgoHelper()
	s, err := gexec.Start(exec.Command(name, args...), nil, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { s.Kill().Wait() })
	return s
}

func run(name string, args ...string) string {
	GinkgoHelper()
	out, err := exec.Command(name, args...).CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "%s %v: %s", name, args, out)
	return string(out)
}

// stop ends a listener with SIGINT, as a person ends candump, and returns
// what it printed.
func stop(s *gexec.Session) string {
	GinkgoHelper()
	time.Sleep(300 * time.Millisecond) // let the last frames through the sandbox's slow CPU
	s.Signal(syscall.SIGINT)
	Eventually(s, 10*time.Second).Should(gexec.Exit())
	return string(s.Out.Contents())
}

func measure(format string, a ...any) {
	fmt.Printf("\nMEASURE: "+format+"\n", a...)
	AddReportEntry("measure", fmt.Sprintf(format, a...))
}

// listening waits until a freshly started listener has bound its socket.
func listening() { time.Sleep(700 * time.Millisecond) }

var frames = []string{"123#DEADBEEF", "12345678#00.11.22", "123#R", "123#R8", "7FF#", "1FFFFFFF#1122334455667788", "123##1112233", "00000001##0", "0AB##3" + strings.Repeat("5A", 64)}

var _ = Describe("hil beside can-utils", Label("vcan"), func() {
	var iface string
	BeforeEach(func() { iface = specs.VCAN(0) })

	// Error frames for -e. Not the error-counter class (0x200): candump
	// 2020.11 cannot name it and prints "Error class 0x240 is invalid".
	errorFrames := []string{"20000004#0010000000000000", "20000088#0000041900000000", "20000040#0000000000000000", "20000002#0700000000000000", "20000100#0000000000000000"}

	DescribeTable("hil dump prints what candump prints", func(filter string, extra []string, args ...string) {
		candump := start(specs.Tool("candump"), append(args, iface+filter)...)
		dump := start(hil, append([]string{"dump"}, append(args, iface+filter)...)...)
		listening()
		sent := append(slices.Clone(frames), extra...)
		for _, f := range sent {
			run(specs.Tool("cansend"), iface, f)
		}
		want, got := stop(candump), stop(dump)
		Expect(strings.Count(want, "\n")).To(BeNumerically(">=", 3), "candump saw the frames")
		Expect(got).To(Equal(want))
		Expect(dump).To(gexec.Exit(130), "SIGINT ends hil dump with 128+2, everything printed")
	},
		Entry("default screen format", "", nil),
		Entry("log format", "", nil, "-L"),
		Entry("absolute timestamps", "", nil, "-ta"),
		Entry("ASCII column", "", nil, "-a"),
		Entry("error frames decoded", ",#FFFFFFFF", errorFrames, "-e"),
		Entry("filters", ",123:7FF,7FF~7FF", nil),
	)

	It("sends frames that candump -L logs exactly as given", func() {
		candump := start(specs.Tool("candump"), "-L", iface)
		listening()
		for _, f := range frames {
			run(hil, "send", iface, f)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(stop(candump)), "\n") {
			rec, err := canlog.ParseLine(line)
			Expect(err).NotTo(HaveOccurred())
			got = append(got, rec.Frame.String())
		}
		var want []string
		for _, f := range frames {
			want = append(want, strings.ReplaceAll(strings.Replace(f, "##1", "##5", 1), ".", ""))
		}
		// The kernel sets the FD-format flag (4) on every CAN FD frame.
		want[7] = "00000001##4"
		want[8] = strings.Replace(want[8], "##3", "##7", 1)
		Expect(got).To(Equal(want))
	})

	It("records a trace that canplayer replays to the identical frame sequence", func() {
		b := specs.VCAN(1)
		trace := filepath.Join(GinkgoT().TempDir(), "drive.log")
		rec := start(hil, "record", "-o", trace, iface)
		listening()
		for i := 0; i < 50; i++ {
			run(specs.Tool("cansend"), iface, fmt.Sprintf("%03X#%02X11", 0x100+i, i))
		}
		run(specs.Tool("cansend"), iface, "12345678##1AABB")
		stop(rec)
		Expect(rec.Err).To(gbytesSay(`recorded 51 frames, dropped 0`))
		candump := start(specs.Tool("candump"), "-L", b)
		listening()
		run(specs.Tool("canplayer"), "-I", trace, b+"="+iface)
		recorded := framesOf(readFile(trace))
		replayed := framesOf(stop(candump))
		Expect(replayed).To(Equal(recorded))
		Expect(recorded).To(HaveLen(51))
	})

	It("records a Vector ASC trace that reads back to what candump saw", func() {
		trace := filepath.Join(GinkgoT().TempDir(), "drive.asc")
		rec := start(hil, "record", "-o", trace, iface)
		candump := start(specs.Tool("candump"), "-L", iface)
		listening()
		for _, f := range []string{"123#DEADBEEF", "12345678#0011", "7FF#R", "3A0##1AABBCCDDEEFF00112233"} {
			run(specs.Tool("cansend"), iface, f)
		}
		stop(rec)
		seen := records(stop(candump))
		Expect(rec.Err).To(gbytesSay(`recorded 4 frames, dropped 0`))
		f, err := os.Open(trace)
		Expect(err).NotTo(HaveOccurred())
		defer f.Close()
		ar := canlog.NewASCReader(f, trace)
		var got []canlog.Record
		for {
			r, err := ar.Next()
			if err != nil {
				Expect(err).To(MatchError(io.EOF))
				break
			}
			got = append(got, r)
		}
		Expect(got).To(HaveLen(len(seen)))
		for i := range seen {
			// ASC has fields for BRS and ESI; the kernel's FD-format flag
			// (4) is what the CANFD line itself says.
			seen[i].Flags &^= 0x04
			Expect(got[i].Frame.String()).To(Equal(seen[i].Frame.String()))
			Expect(got[i].Interface).To(Equal(iface))
			Expect(got[i].Time.Sub(seen[i].Time).Abs()).To(BeNumerically("<", 2*time.Millisecond), "the same frame, the time of another socket")
		}
	})

	It("replays a candump log that candump sees identically, keeping the gaps", func() {
		b := specs.VCAN(1)
		dir := GinkgoT().TempDir()
		var log strings.Builder
		t0 := int64(1700000000_000000)
		gaps := []int64{0, 5000, 20000, 3000, 50000, 10000, 2000, 30000, 8000, 15000, 25000, 4000, 12000, 7000, 40000, 6000}
		for i, g := range gaps {
			t0 += g
			fmt.Fprintf(&log, "(%d.%06d) can0 %03X#%02X\n", t0/1e6, t0%1e6, 0x200+i, i)
		}
		trace := filepath.Join(dir, "in.log")
		Expect(os.WriteFile(trace, []byte(log.String()), 0o644)).To(Succeed())
		candump := start(specs.Tool("candump"), "-L", b)
		listening()
		run(hil, "replay", "-I", trace, b+"=can0")
		out := stop(candump)
		Expect(framesOf(out)).To(Equal(framesOf(log.String())))
		var errs []float64
		recs := records(out)
		for i := 1; i < len(recs); i++ {
			got := recs[i].Time.Sub(recs[i-1].Time)
			want := time.Duration(gaps[i]) * time.Microsecond
			errs = append(errs, float64((got-want).Abs())/float64(time.Millisecond))
		}
		slices.Sort(errs)
		median := errs[len(errs)/2]
		measure("replay timing: |gap error| median %.3f ms, max %.3f ms over %d gaps", median, errs[len(errs)-1], len(errs))
		Expect(median).To(BeNumerically("<", 1.0))
	})

	It("replays a Vector ASC trace that candump sees as its frames, as it replays a candump log", func() {
		b := specs.VCAN(1)
		var asc, want strings.Builder
		asc.WriteString("date Tue Nov 24 01:02:03.000 2026\nbase hex  timestamps absolute\nBegin Triggerblock\n")
		for i := range 8 {
			fmt.Fprintf(&asc, "   %d.%03d000 1  %03X             Rx   d 2 %02X 5A\n", i/100, 10*i%1000, 0x300+i, i)
			fmt.Fprintf(&want, "(1700000000.%06d) can0 %03X#%02X5A\n", 10000*i, 0x300+i, i)
		}
		asc.WriteString("End TriggerBlock\n")
		trace := filepath.Join(GinkgoT().TempDir(), "capture.asc")
		Expect(os.WriteFile(trace, []byte(asc.String()), 0o644)).To(Succeed())
		candump := start(specs.Tool("candump"), "-L", b)
		listening()
		run(hil, "replay", "-I", trace, b+"=can0")
		Expect(framesOf(stop(candump))).To(Equal(framesOf(want.String())))
	})

	It("reports a burst that overflows the receive queue: recorded N, dropped D, N + D sent", func() {
		trace := filepath.Join(GinkgoT().TempDir(), "burst.log")
		rec := start(hil, "record", "-o", trace, "-r", "1", "-T", "3000", iface)
		listening()
		rec.Signal(syscall.SIGSTOP)
		const sent = 2000
		run(specs.Tool("cangen"), iface, "-g", "0", "-n", strconv.Itoa(sent), "-I", "123", "-L", "8", "-p", "10")
		rec.Signal(syscall.SIGCONT)
		Eventually(rec, 20*time.Second).Should(gexec.Exit(0))
		m := regexp.MustCompile(`recorded (\d+) frames, dropped (\d+)`).FindStringSubmatch(string(rec.Err.Contents()))
		Expect(m).NotTo(BeNil())
		n, _ := strconv.Atoi(m[1])
		d, _ := strconv.Atoi(m[2])
		measure("burst of %d frames into a stopped recorder: recorded %d, dropped %d", sent, n, d)
		Expect(d).To(BeNumerically(">", 0))
		Expect(n + d).To(Equal(sent))
		body := readFile(trace)
		Expect(framesOf(body)).To(HaveLen(n))
		Expect(body).To(ContainSubstring("DROPCOUNT: dropped"))
	})

	It("drains a queued burst at least as fast as candump (same boot, as a ratio)", Label("slow"), func(ctx SpecContext) {
		const n = 20000
		// Both readers write to /dev/null, as the target names it:
		// candump -L > /dev/null against hil record -o /dev/null.
		devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
		Expect(err).NotTo(HaveOccurred())
		defer devnull.Close()
		drain := func(name string, args ...string) time.Duration {
			cmd := exec.CommandContext(ctx, name, args...)
			cmd.Stdout = devnull
			Expect(cmd.Start()).To(Succeed())
			listening()
			cmd.Process.Signal(syscall.SIGSTOP)
			run(specs.Tool("cangen"), iface, "-g", "0", "-n", strconv.Itoa(n), "-I", "123", "-L", "8", "-p", "10")
			t0 := time.Now()
			cmd.Process.Signal(syscall.SIGCONT)
			Expect(cmd.Wait()).To(Succeed())
			return time.Since(t0)
		}
		const buf = "67108864"
		cd := drain(specs.Tool("candump"), "-L", "-n", strconv.Itoa(n), "-r", buf, iface)
		hr := drain(hil, "record", "-o", "/dev/null", "-n", strconv.Itoa(n), "-r", buf, iface)
		cd2 := drain(specs.Tool("candump"), "-L", "-n", strconv.Itoa(n), "-r", buf, iface)
		base := min(cd, cd2)
		measure("drain %d queued frames: candump -L %v and %v (%.0f frames/s), hil record %v (%.0f frames/s); hil/candump speed ratio %.2f",
			n, cd, cd2, n/base.Seconds(), hr, n/hr.Seconds(), base.Seconds()/hr.Seconds())
	}, SpecTimeout(3*time.Minute))
})

func readFile(path string) string {
	GinkgoHelper()
	b, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

func records(text string) []canlog.Record {
	GinkgoHelper()
	// A listener still running may have written half a line: leave it for later.
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		text = text[:i+1]
	} else {
		text = ""
	}
	var out []canlog.Record
	r := canlog.NewReader(bytes.NewReader([]byte(text)), "output")
	for {
		rec, err := r.Next()
		if err != nil {
			Expect(err.Error()).To(Equal("EOF"))
			return out
		}
		if rec.Kind == canlog.FrameLine {
			out = append(out, rec)
		}
	}
}

func framesOf(text string) []string {
	GinkgoHelper()
	var out []string
	for _, r := range records(text) {
		out = append(out, r.Frame.String())
	}
	return out
}
