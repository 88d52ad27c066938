package scenarios

import (
	"context"
	car "github.com/cockpit-hil/hil/dbc/infotainmentref"

	ivi "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/suite"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	gtypes "github.com/onsi/gomega/types"
)

// callState expects the messaging status to show a call state, through the
// generated codec.
func callState(s ivi.IVI_MessagingStatus_CallState) harness.Expectation {
	return harness.Emits(&ivi.IVI_MessagingStatus{}, HaveField("CallState()", Equal(s)))
}

// ringing expects an incoming call to ring. The design gives ringing no
// reaction key of its own: a call rings within the time it may take to be
// answered (messaging.answer).
func ringing() gtypes.GomegaMatcher {
	return kit.Within("messaging.answer", callState(ivi.IVI_MessagingStatus_CallState_Ringing))
}

func unreadPlusOne() harness.Expectation {
	return messaging("UnreadCount", kit.Current("IVI_MessagingStatus").Physical("UnreadCount")+1)
}

var _ = later(Describe, "messaging", Label("messaging"), func() {
	It("starts a voice session on the voice button, and ends it on the next press", suite.Covers("messaging.voice"), func(ctx SpecContext) {
		Expect(kit.Press(ctx, car.SWC_Buttons.VoiceBtn)).To(kit.Within("messaging.voice", messaging("VoiceSession", "Listening")))
		Expect(kit.Press(ctx, car.SWC_Buttons.VoiceBtn)).To(kit.Within("messaging.voice", messaging("VoiceSession", "Idle")))
	})

	It("rings on an incoming call, answers it, and hangs up", suite.Covers("messaging.answer", "messaging.hangup"), func(ctx SpecContext) {
		Expect(kit.Control(ctx, "incoming_call")).To(ringing())
		Expect(kit.Press(ctx, car.SWC_Buttons.PhoneAnswerBtn)).To(kit.Within("messaging.answer", callState(ivi.IVI_MessagingStatus_CallState_Active)))
		Expect(kit.Press(ctx, car.SWC_Buttons.PhoneHangupBtn)).To(kit.Within("messaging.hangup", callState(ivi.IVI_MessagingStatus_CallState_Idle)))
	})

	It("rejects a ringing call with the hang-up button", suite.Covers("messaging.hangup"), func(ctx SpecContext) {
		Expect(kit.Control(ctx, "incoming_call")).To(ringing())
		Expect(kit.Press(ctx, car.SWC_Buttons.PhoneHangupBtn)).To(kit.Within("messaging.hangup", callState(ivi.IVI_MessagingStatus_CallState_Idle)))
	})

	It("answers nothing when no call rings", suite.Covers("messaging.answer"), func(ctx SpecContext) {
		Expect(kit.Press(ctx, car.SWC_Buttons.PhoneAnswerBtn)).To(harness.NotReactWithin(kit.Quiet("messaging.answer"), callState(ivi.IVI_MessagingStatus_CallState_Active)))
	})

	It("counts an incoming message as unread", suite.Covers("messaging.unread"), func(ctx SpecContext) {
		want := unreadPlusOne()
		Expect(kit.Control(ctx, "incoming_message", "from=Alice")).To(kit.Within("messaging.unread", want))
	})

	Describe("driver distraction", func() {
		DescribeTable("locks text input while the car moves",
			func(ctx SpecContext, speed string) {
				Expect(kit.Change(ctx, car.ESP_VehicleSpeed.VehicleSpeed.Is(speed))).To(kit.Within("messaging.text_lock", messaging("TextInputLocked", 1)))
			},
			Entry("just above 5 km/h", suite.Covers("messaging.text_lock"), "5.01"),
			Entry("in town", suite.Covers("messaging.text_lock"), "50"),
			Entry("on the motorway", suite.Covers("messaging.text_lock"), "130"),
		)

		It("keeps text input unlocked at 5 km/h and below", suite.Covers("messaging.text_lock"), func(ctx SpecContext) {
			Expect(kit.Change(ctx, car.ESP_VehicleSpeed.VehicleSpeed.Is(5))).To(harness.NotReactWithin(kit.Quiet("messaging.text_lock"), messaging("TextInputLocked", 1)))
		})

		It("unlocks at standstill only with the parking brake applied", suite.Covers("messaging.text_lock"), func(ctx SpecContext) {
			Expect(kit.Change(ctx, car.BCM_PowerMode.ParkingBrake.Is("Released"))).To(harness.NotReactWithin(kit.Quiet("messaging.text_lock"), messaging("TextInputLocked", 1)), "releasing the brake at standstill changes nothing")
			Expect(kit.Change(ctx, car.ESP_VehicleSpeed.VehicleSpeed.Is(20))).To(kit.Within("messaging.text_lock", messaging("TextInputLocked", 1)))
			Expect(kit.Change(ctx, car.ESP_VehicleSpeed.VehicleSpeed.Is(0))).To(harness.NotReactWithin(kit.Quiet("messaging.text_lock"), messaging("TextInputLocked", 0)), "standstill without the brake stays locked")
			Expect(kit.Change(ctx, car.BCM_PowerMode.ParkingBrake.Is("Applied"))).To(kit.Within("messaging.text_lock", messaging("TextInputLocked", 0)))
		})
	})
})

var _ = later(Describe, "messaging latency", Label("messaging", "latency"), Serial, func() {
	It("toggles the voice session within budget", suite.Covers("messaging.voice"), func(ctx SpecContext) {
		kit.Sampled(ctx, "messaging.voice", func(ctx context.Context) harness.Reaction {
			want := messaging("VoiceSession", "Listening")
			if kit.Current("IVI_MessagingStatus").Choice("VoiceSession") != "Idle" {
				want = messaging("VoiceSession", "Idle")
			}
			return kit.Press(ctx, car.SWC_Buttons.VoiceBtn).Until(ctx, want, kit.Patience("messaging.voice"))
		})
	})

	It("answers and hangs up calls within budget", suite.Covers("messaging.answer", "messaging.hangup"), func(ctx SpecContext) {
		kit.SampledTogether(ctx, []string{"messaging.answer", "messaging.hangup"}, func(ctx context.Context) []harness.Reaction {
			Expect(kit.Control(ctx, "incoming_call")).To(ringing())
			answer := kit.Press(ctx, car.SWC_Buttons.PhoneAnswerBtn).Until(ctx, callState(ivi.IVI_MessagingStatus_CallState_Active), kit.Patience("messaging.answer"))
			hangup := kit.Press(ctx, car.SWC_Buttons.PhoneHangupBtn).Until(ctx, callState(ivi.IVI_MessagingStatus_CallState_Idle), kit.Patience("messaging.hangup"))
			return []harness.Reaction{answer, hangup}
		})
	})

	It("counts incoming messages within budget", suite.Covers("messaging.unread"), func(ctx SpecContext) {
		kit.Sampled(ctx, "messaging.unread", func(ctx context.Context) harness.Reaction {
			want := unreadPlusOne()
			return kit.Control(ctx, "incoming_message", "from=Bob").Until(ctx, want, kit.Patience("messaging.unread"))
		})
	})

	It("locks and unlocks text input within budget", suite.Covers("messaging.text_lock"), func(ctx SpecContext) {
		moving := false
		kit.Sampled(ctx, "messaging.text_lock", func(ctx context.Context) harness.Reaction {
			moving = !moving
			if moving {
				return kit.Change(ctx, car.ESP_VehicleSpeed.VehicleSpeed.Is(30)).Until(ctx, messaging("TextInputLocked", 1), kit.Patience("messaging.text_lock"))
			}
			return kit.Change(ctx, car.ESP_VehicleSpeed.VehicleSpeed.Is(0)).Until(ctx, messaging("TextInputLocked", 0), kit.Patience("messaging.text_lock"))
		})
	})
})
