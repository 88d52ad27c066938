package main_test

import (
	"encoding/json"
	"fmt"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cockpit-hil/hil/internal/specs"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// hil run against the built-in head unit; the whole catalogue and its
// negative controls run in ci/test, these are the quick cuts of them.
var _ = Describe("hil run", Label("music"), Serial, func() {
	run := func(code int, args ...string) *gexec.Session {
		GinkgoHelper()
		s, err := gexec.Start(exec.Command(hil, append([]string{"run"}, args...)...), GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Eventually(s, 2*time.Minute).Should(gexec.Exit(code))
		return s
	}

	It("runs the music.next specs, prints the latency table and writes the report, which Chromium renders", func() {
		dir := GinkgoT().TempDir()
		s := run(0, "--label-filter", "music.next", "--report", dir)
		out := string(s.Out.Contents())
		Expect(out).To(MatchRegexp(`music\.next\s+20\s+\d+\s+\d+\.\dms\s+\d+\.\dms\s+\d+\.\dms\s+150\.0ms\s+225\.0ms\s+ok`))
		Expect(out).To(MatchRegexp(`\d+ specs ran in .*: \d+ passed, 0 failed`))
		Expect(string(s.Err.Contents())).To(MatchRegexp(`(?m)\[2/2 \d+s\] passed +music .*\(\d+\.\ds\)$`), "a progress line per spec where stdout is no terminal")
		Expect(filepath.Join(dir, "junit.xml")).To(BeAnExistingFile())
		Expect(filepath.Join(dir, "report.json")).To(BeAnExistingFile())
		Expect(os.ReadFile(filepath.Join(dir, "latency.txt"))).To(ContainSubstring("music.next"))
		// music.next and music.prev are sampled together: two keys, two plots each.
		renderInChromium(filepath.Join(dir, "report.html"), 4)
	})

	It("catches a page that reaches out or renders nothing (negative control of the Chromium check)", func() {
		page := filepath.Join(GinkgoT().TempDir(), "report.html")
		Expect(os.WriteFile(page, []byte(`<!DOCTYPE html><html><body><img src="http://10.255.255.1/plot.png"></body></html>`), 0o644)).To(Succeed())
		failures := InterceptGomegaFailures(func() { renderInChromium(page, 2) })
		Expect(failures).To(ContainElements(
			ContainSubstring("the screenshot is not blank"),
			ContainSubstring("the rendered page holds the plots"),
			ContainSubstring("requests made by the page"),
		))
	})

	It("fails with a slow simulator, naming the key, the figures and the budget (negative control)", func() {
		dir := GinkgoT().TempDir()
		s := run(1, "--label-filter", "music.next", "--sim-latency", "music.next=400ms", "--report", dir)
		Expect(string(s.Err.Contents())).To(And(
			ContainSubstring("hil run: "),
			MatchRegexp(`music\.next: p95 4\d\d(\.\d+)?ms exceeds its budget 150ms; max 4\d\d(\.\d+)?ms exceeds its budget 225ms`),
		))
		Expect(string(s.Out.Contents())).To(MatchRegexp(`music\.next\s+20\s+.*150\.0ms\s+225\.0ms\s+FAIL: p95`))
		evidence, err := filepath.Glob(filepath.Join(dir, "evidence", "*.decoded.txt"))
		Expect(err).NotTo(HaveOccurred())
		Expect(evidence).NotTo(BeEmpty(), "the failed specs left their bus traces")
	})

	It("counts no spec as passed when the bench cannot open, and says why", func() {
		dir := GinkgoT().TempDir()
		profile := filepath.Join(dir, "nowhere.yaml")
		Expect(os.WriteFile(profile, []byte("name: nowhere\nbus: {interface: vcan99}\ndbc: [builtin:infotainment]\n"+
			"dut: {node: IVI, kind: process, argv: [hil, sim, --bus, vcan99]}\nbudgets: budgets.yaml\n"), 0o644)).To(Succeed())
		src, err := os.ReadFile(filepath.Join("..", "..", "profiles", "budgets", "reference.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(dir, "budgets.yaml"), src, 0o644)).To(Succeed())
		s := run(1, "--profile", profile)
		out := string(s.Out.Contents())
		Expect(out).To(MatchRegexp(`(?m)^0 specs ran in .*: 0 passed, 1 failed \(\d+ of \d+ specs did not run\)$`))
		Expect(string(s.Err.Contents())).To(MatchRegexp(`no spec ran: the bench did not open: .*vcan99`))
		Expect(out+string(s.Err.Contents())).NotTo(ContainSubstring("without a spec in the catalogue"), "no catalogue check on a run that never started")
	})

	It("starts a profile's hil sim from its own binary, whatever the binary's file name", func() {
		dir := GinkgoT().TempDir()
		copied := filepath.Join(dir, "hil-v1.2-linux-amd64")
		src, err := os.ReadFile(hil)
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(copied, src, 0o755)).To(Succeed())
		profile := filepath.Join(dir, "udp.yaml")
		bus := fmt.Sprintf("udp:239.74.164.%d:%d", GinkgoParallelProcess(), 20000+GinkgoRandomSeed()%20000)
		Expect(os.WriteFile(profile, []byte("name: hil sim over udp\nbus: {interface: \""+bus+"\"}\ndbc: [builtin:infotainment]\n"+
			"dut: {node: IVI, kind: process, argv: [hil, sim, --bus, \"${BUS}\"], ready_timeout: 15s}\nbudgets: budgets.yaml\n"), 0o644)).To(Succeed())
		budgets, err := os.ReadFile(filepath.Join("..", "..", "profiles", "budgets", "reference.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(filepath.Join(dir, "budgets.yaml"), budgets, 0o644)).To(Succeed())
		cmd := exec.Command(copied, "run", "--profile", profile, "--label-filter", "music.next && !latency")
		cmd.Env = append(os.Environ(), "PATH=/usr/bin:/bin", "HIL_BIN=") // no hil anywhere but the binary itself
		s, err := gexec.Start(cmd, GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Eventually(s, 2*time.Minute).Should(gexec.Exit(0))
		Expect(string(s.Out.Contents())).To(MatchRegexp(`[1-9]\d* specs ran in .*: [1-9]\d* passed, 0 failed`))
	})

	It("calls specs inconclusive, not failed, and exits 3 when the host stalls the bench", func() {
		dir := GinkgoT().TempDir()
		s, err := gexec.Start(exec.Command(hil, "run", "--label-filter", "music.next", "--report", dir), GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		// A host with far more work than cores: the bench (and the head
		// unit in it) stopped for 250 ms in every 300.
		stalling, stop := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(stalling)
			pid := s.Command.Process.Pid
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
				syscall.Kill(pid, syscall.SIGSTOP)
				time.Sleep(250 * time.Millisecond)
				syscall.Kill(pid, syscall.SIGCONT)
			}
		}()
		defer func() { close(stop); <-stalling }()
		Eventually(s, 4*time.Minute).Should(gexec.Exit(3))
		out, errOut := string(s.Out.Contents()), string(s.Err.Contents())
		Expect(out).To(MatchRegexp(`(?m)^\d+ specs ran in .*: \d+ passed, 0 failed, [1-9]\d* inconclusive$`))
		Expect(errOut).To(MatchRegexp(`hil run: \d+ specs inconclusive, none failed: the bench itself was late`))
		Expect(errOut).To(MatchRegexp(`(?m)^\[\d+/\d+ .*\] inconclusive .*: .*the host is overloaded`), "the progress line says so")
		Expect(out).To(MatchRegexp(`music\.next\s+\d+\s+[1-9]\d*\s+.*INCONCLUSIVE: `), "the latency table counts the retakes and leaves the key unjudged")
		junit := readFile(filepath.Join(dir, "junit.xml"))
		Expect(junit).To(MatchRegexp(`<skipped message="[^"]*inconclusive: [^"]*the host is overloaded`))
	})

	It("fails when the heartbeat stops, naming the continuous check (negative control)", func() {
		s := run(1, "--label-filter", "vehicle && !latency", "--sim-fault", "heartbeat=stop-after:2s")
		Expect(string(s.Err.Contents())).To(MatchRegexp(`a continuous check failed: .*heartbeat: IVI_Heartbeat silent for \d+ms, more than 3 periods of 100ms`))
	})
})

// renderInChromium loads a report in headless Chromium as a person would
// open it, and checks what they would see: a screenshot that is not blank,
// the SVG plots in the rendered page, no console message (the page has no
// script, and its Content-Security-Policy turns any attempt to load
// something into one) and no network request made by the page.
func renderInChromium(page string, plots int) {
	GinkgoHelper()
	chromium := specs.Tool("chromium")
	dir := filepath.Dir(page)
	shot, netlog := filepath.Join(dir, "shot.png"), filepath.Join(dir, "net.json")
	flags := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-extensions",
		"--window-size=1200,1600", "--user-data-dir=" + filepath.Join(dir, "chromium")}
	cmd := exec.Command(chromium, append(flags, "--enable-logging=stderr", "--v=0", "--log-net-log="+netlog, "--screenshot="+shot, "file://"+page)...)
	logged, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(logged))
	Expect(string(logged)).NotTo(ContainSubstring(":CONSOLE("), "console messages")

	f, err := os.Open(shot)
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	img, err := png.Decode(f)
	Expect(err).NotTo(HaveOccurred())
	b := img.Bounds()
	inked, colours := 0, map[color.RGBA]bool{}
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			c := color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)
			colours[c] = true
			if c.R < 235 || c.G < 235 || c.B < 235 {
				inked++
			}
		}
	}
	Expect(float64(inked)/float64(b.Dx()*b.Dy()/4)).To(BeNumerically(">", 0.03), "the screenshot is not blank")
	Expect(len(colours)).To(BeNumerically(">", 20), "text, bars and budget lines in several colours")

	dom, err := exec.Command(chromium, append(flags, "--dump-dom", "file://"+page)...).Output()
	Expect(err).NotTo(HaveOccurred())
	Expect(strings.Count(string(dom), "<svg")).To(Equal(plots), "the rendered page holds the plots")
	Expect(string(dom)).To(And(ContainSubstring("p95 budget"), ContainSubstring("max budget")))

	var nl struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int            `json:"type"`
			Params map[string]any `json:"params"`
		} `json:"events"`
	}
	src, err := os.ReadFile(netlog)
	Expect(err).NotTo(HaveOccurred())
	Expect(json.Unmarshal(src, &nl)).To(Succeed())
	start := nl.Constants.LogEventTypes["URL_REQUEST_START_JOB"]
	var fetched []string
	for _, e := range nl.Events {
		url, _ := e.Params["url"].(string)
		// The browser's own requests (updates, time) have no origin.
		if e.Type == start && url != "" && e.Params["initiator"] != "not an origin" && !strings.HasPrefix(url, "file:") && !strings.HasPrefix(url, "data:") {
			fetched = append(fetched, url)
		}
	}
	Expect(fetched).To(BeEmpty(), "requests made by the page")
}
