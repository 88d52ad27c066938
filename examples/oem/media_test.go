package oem_test

import (
	"context"

	car "example.com/oem/oemref"
	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/suite"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// track expects HU_Media to show the track a step from the one it shows now.
func track(step int) harness.Expectation {
	want := int(kit.Current(car.HU_Media.Message).Raw("Track")) + step
	return harness.Emits(car.HU_Media.Message, harness.Signal("Track", BeNumerically("==", want)))
}

var _ = Describe("HU media keys", func() {
	It("boots and says so", func(ctx SpecContext) {
		Eventually(func() uint64 { return kit.Current(car.HU_Media.Message).Raw("HU_Ready") }).WithContext(ctx).Should(BeEquivalentTo(1))
	})

	It("takes the next track on NextKey", suite.Covers("media.next"), func(ctx SpecContext) {
		Expect(kit.Press(ctx, car.SWM_Keys.NextKey)).To(kit.Within("media.next", track(+1)))
	})

	It("stays at the first track on PrevKey", suite.Covers("media.prev"), func(ctx SpecContext) {
		for kit.Current(car.HU_Media.Message).Raw("Track") > 0 {
			Expect(kit.Press(ctx, car.SWM_Keys.PrevKey)).To(kit.Within("media.prev", track(-1)))
		}
		Expect(kit.Press(ctx, car.SWM_Keys.PrevKey)).To(harness.NotReactWithin(kit.Quiet("media.prev"), harness.Emits(car.HU_Media.Message,
			harness.Signal("Track", BeNumerically(">", 0)))))
	})

	It("steps the track both ways within budget", Serial, suite.Covers("media.next", "media.prev"), func(ctx SpecContext) {
		kit.SampledTogether(ctx, []string{"media.next", "media.prev"}, func(ctx context.Context) []harness.Reaction {
			next := kit.Press(ctx, car.SWM_Keys.NextKey).Until(ctx, track(+1), kit.Patience("media.next"))
			prev := kit.Press(ctx, car.SWM_Keys.PrevKey).Until(ctx, track(-1), kit.Patience("media.prev"))
			return []harness.Reaction{next, prev}
		})
	})
})
