package harness_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/suite"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// stall stops this whole process for d, as a host with more work than
// cores (or a hypervisor) deschedules a bench: a helper sends it SIGSTOP
// and, d later, SIGCONT. It returns once the process runs again.
func stall(d time.Duration) {
	GinkgoHelper()
	pid := os.Getpid()
	cmd := exec.Command("/bin/sh", "-c", fmt.Sprintf("kill -STOP %d; sleep %.3f; kill -CONT %d", pid, d.Seconds(), pid))
	Expect(cmd.Run()).To(Succeed())
}

// stalled is a measurement taken right after the process was stalled.
func stalled(d time.Duration, measure func(context.Context) harness.Reaction) func(context.Context) harness.Reaction {
	return func(ctx context.Context) harness.Reaction {
		stall(d)
		return measure(ctx)
	}
}

// The sets below are taken under vehicle.standby, whose 2 s max budget
// lets the bench be 200 ms late: a stall of 600 ms is three times that,
// and a busy host's scheduling delays stay far below it.
var _ = Describe("a bench that watches its own timing", Label("latency"), Serial, func() {
	const key, stop = "vehicle.standby", 600 * time.Millisecond

	It("retakes a sample taken while the host stalled it, and says why", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		first := true
		s, err := b.Sample(ctx, key, 3, func(ctx context.Context) harness.Reaction {
			if first {
				first = false
				stall(stop)
			}
			return nextTrack(b)(ctx)
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Samples).To(HaveLen(3))
		Expect(s.Retakes).To(HaveLen(1), "the stalled sample, and only it, is retaken")
		Expect(s.Retakes[0].Sample).To(Equal(1))
		Expect(s.Retakes[0].Late).To(BeNumerically(">", b.LateLimit(key)))
		Expect(s.Retakes[0].Cause).To(MatchRegexp(`the bench was .* late in .*: the host is overloaded`))
	}, SpecTimeout(time.Minute))

	It("retakes nothing when the host keeps up (negative control)", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		s, err := b.Sample(ctx, key, 3, nextTrack(b))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Retakes).To(BeEmpty())
	}, SpecTimeout(time.Minute))

	It("calls a set inconclusive, not failed, when every sample is stalled", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		s, err := b.Sample(ctx, key, 1, stalled(stop, nextTrack(b)))
		var inc *harness.Inconclusive
		Expect(errors.As(err, &inc)).To(BeTrue(), "the error is %v", err)
		Expect(s.Retakes).To(HaveLen(harness.MaxRetakes(1)))
		Expect(err.Error()).To(HavePrefix(latency.InconclusivePrefix + key + ": 0 samples of 1, 3 retaken: the bench was "))
		Expect(err.Error()).To(ContainSubstring("the host is overloaded"))
	}, SpecTimeout(time.Minute))

	It("keeps a sample that missed its budget by more than the bench was late, and judges the failure the DUT's", func(ctx SpecContext) {
		// music.next: max 225 ms, the bench may be 22.5 ms late. A DUT
		// 400 ms slow after a 100 ms stall is 300 ms slow even if every
		// millisecond of the stall were the bench's: the DUT's failure.
		b := openBench(ctx, simProfile(map[string]string{"music.next": "400ms"}))
		suite.Guard(b, "")
		s, err := b.Sample(ctx, "music.next", 2, stalled(100*time.Millisecond, nextTrack(b)))
		Expect(err).NotTo(HaveOccurred())
		Expect(s.Retakes).To(BeEmpty(), "nothing retaken: lateness cannot explain 400 ms")
		Expect(s.Samples).To(HaveLen(2))
		Expect(b.Judge()).To(Succeed(), "the failure is the DUT's")
		Expect(s).NotTo(harness.MeetBudget())
	}, SpecTimeout(time.Minute))

	It("still retakes a slow sample the stall could explain (negative control)", func(ctx SpecContext) {
		// 400 ms against 225 ms, after a stall of 600 ms: the host may
		// have made it slow.
		b := openBench(ctx, simProfile(map[string]string{"music.next": "400ms"}))
		s, err := b.Sample(ctx, "music.next", 1, stalled(stop, nextTrack(b)))
		var inc *harness.Inconclusive
		Expect(errors.As(err, &inc)).To(BeTrue(), "the error is %v", err)
		Expect(s.Retakes).To(HaveLen(harness.MaxRetakes(1)))
	}, SpecTimeout(time.Minute))

	It("judges a failure during a stall inconclusive, and one on a quiet bench the DUT's", func(ctx SpecContext) {
		b := openBench(ctx, simProfile(nil))
		suite.Guard(b, "")
		Expect(b.Judge()).To(Succeed(), "nothing stalled the bench yet")
		stall(stop)
		var inc *harness.Inconclusive
		Expect(errors.As(b.Judge(), &inc)).To(BeTrue(), "a failure now would owe to the stall")
		Expect(inc.Late.Worst).To(BeNumerically(">=", stop/2))
	}, SpecTimeout(time.Minute))
})
