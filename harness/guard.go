package harness

import (
	"context"
	"time"

	"github.com/onsi/ginkgo/v2"
)

// EvidenceWindow is how much of the bus a failed spec gets as evidence.
const EvidenceWindow = 5 * time.Second

// Guard puts the running spec under the bench's continuous checks and gives
// it evidence on failure; call it in a BeforeEach. From then on the
// bench's own lateness counts against a failure (FailHandler). A violation ends any wait
// in progress and fails the spec with when and what; a failed spec gets the
// last EvidenceWindow of the bus and the probes' lines in its report and,
// when dir is not empty, as files there (next to the JUnit report).
func Guard(b *Bench, dir string) {
	// Cleanups run last-registered first: the checks fail the spec before
	// the evidence looks at whether it failed.
	b.specBegan.Store(time.Now())
	ginkgo.DeferCleanup(func() { b.specBegan.Store(time.Time{}) })
	AttachEvidence(b, EvidenceWindow, dir)
	w := b.Watch(context.Background())
	ginkgo.DeferCleanup(func() {
		if err := w.Stop(); err != nil {
			b.fail(err.Error(), 1)
		}
	})
}
