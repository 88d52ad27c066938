package canlink_test

import (
	"os/exec"

	"github.com/cockpit-hil/hil/can/canlink"
	"github.com/cockpit-hil/hil/internal/specs"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("CAN link management", Label("vcan"), func() {
	It("reads a vcan interface: kind, MTU, state and traffic", func(ctx SpecContext) {
		iface := specs.VCAN(0)
		before, err := canlink.Get(ctx, iface)
		Expect(err).NotTo(HaveOccurred())
		Expect(before.Kind).To(Equal("vcan"))
		Expect(before.Up).To(BeTrue())
		Expect(before.MTU).To(Equal(72))
		Expect(before.HasCANController).To(BeFalse())
		Expect(before.State).To(Equal(canlink.NoState))
		Expect(exec.Command(specs.Tool("cansend"), iface, "123#00").Run()).To(Succeed())
		after, err := canlink.Get(ctx, iface)
		Expect(err).NotTo(HaveOccurred())
		Expect(after.TxFrames).To(Equal(before.TxFrames + 1))
	})

	It("takes an interface down and up again", func(ctx SpecContext) {
		iface := specs.VCAN(1)
		Expect(canlink.SetUp(ctx, iface, false)).To(Succeed())
		DeferCleanup(canlink.SetUp, ctx, iface, true)
		l, err := canlink.Get(ctx, iface)
		Expect(err).NotTo(HaveOccurred())
		Expect(l.Up).To(BeFalse())
		Expect(canlink.SetUp(ctx, iface, true)).To(Succeed())
		l, _ = canlink.Get(ctx, iface)
		Expect(l.Up).To(BeTrue())
	})

	It("refuses a bitrate for an interface without a controller, saying why", func(ctx SpecContext) {
		err := canlink.Set(ctx, specs.VCAN(0), canlink.Config{Bitrate: 500000})
		Expect(err).To(MatchError(ContainSubstring("no controller")))
	})

	It("tells a non-CAN interface from a CAN one", func(ctx SpecContext) {
		_, err := canlink.Get(ctx, "lo")
		Expect(err).To(MatchError(canlink.ErrNotCAN))
	})
})
