package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"time"

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

	It("runs the music.next specs, prints the latency table and writes the report", func() {
		dir := GinkgoT().TempDir()
		s := run(0, "--label-filter", "music.next", "--report", dir)
		out := string(s.Out.Contents())
		Expect(out).To(MatchRegexp(`music\.next\s+20\s+\d+\.\dms\s+\d+\.\dms\s+\d+\.\dms\s+150\.0ms\s+225\.0ms\s+ok`))
		Expect(out).To(MatchRegexp(`\d+ specs ran in .*: \d+ passed, 0 failed`))
		Expect(filepath.Join(dir, "junit.xml")).To(BeAnExistingFile())
		Expect(os.ReadFile(filepath.Join(dir, "latency.txt"))).To(ContainSubstring("music.next"))
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

	It("fails when the heartbeat stops, naming the continuous check (negative control)", func() {
		s := run(1, "--label-filter", "vehicle && !latency", "--sim-fault", "heartbeat=stop-after:2s")
		Expect(string(s.Err.Contents())).To(MatchRegexp(`a continuous check failed: .*heartbeat: IVI_Heartbeat silent for \d+ms, more than 3 periods of 100ms`))
	})
})
