package scenarios

import (
	"context"

	ivi "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	car "github.com/cockpit-hil/hil/dbc/infotainmentref"
	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/suite"
	"github.com/cockpit-hil/hil/headunit/reaction"
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
	return kit.Within(reaction.Answer, callState(ivi.IVI_MessagingStatus_CallState_Ringing))
}

func unreadPlusOne() harness.Expectation {
	return messaging("UnreadCount", kit.Current("IVI_MessagingStatus").Physical("UnreadCount")+1)
}

var _ = later(Describe, "messaging", Label("messaging"), func() {
	It("starts a voice session on the voice button, and ends it on the next press", suite.Covers(reaction.Voice), func(ctx SpecContext) {
		Expect(kit.Press(ctx, car.SWC_Buttons.VoiceBtn)).To(kit.Within(reaction.Voice, messaging("VoiceSession", "Listening")))
		Expect(kit.Press(ctx, car.SWC_Buttons.VoiceBtn)).To(kit.Within(reaction.Voice, messaging("VoiceSession", "Idle")))
	})

	It("rings on an incoming call, answers it, and hangs up", suite.Covers(reaction.Answer, reaction.Hangup), func(ctx SpecContext) {
		Expect(kit.Control(ctx, "incoming_call")).To(ringing())
		Expect(kit.Press(ctx, car.SWC_Buttons.PhoneAnswerBtn)).To(kit.Within(reaction.Answer, callState(ivi.IVI_MessagingStatus_CallState_Active)))
		Expect(kit.Press(ctx, car.SWC_Buttons.PhoneHangupBtn)).To(kit.Within(reaction.Hangup, callState(ivi.IVI_MessagingStatus_CallState_Idle)))
	})

	It("rejects a ringing call with the hang-up button", suite.Covers(reaction.Hangup), func(ctx SpecContext) {
		Expect(kit.Control(ctx, "incoming_call")).To(ringing())
		Expect(kit.Press(ctx, car.SWC_Buttons.PhoneHangupBtn)).To(kit.Within(reaction.Hangup, callState(ivi.IVI_MessagingStatus_CallState_Idle)))
	})

	It("answers nothing when no call rings", suite.Covers(reaction.Answer), func(ctx SpecContext) {
		Expect(kit.Press(ctx, car.SWC_Buttons.PhoneAnswerBtn)).To(harness.NotReactWithin(kit.Quiet(reaction.Answer), callState(ivi.IVI_MessagingStatus_CallState_Active)))
	})

	It("counts an incoming message as unread", suite.Covers(reaction.Unread), func(ctx SpecContext) {
		want := unreadPlusOne()
		Expect(kit.Control(ctx, "incoming_message", "from=Alice")).To(kit.Within(reaction.Unread, want))
	})

	Describe("driver distraction", func() {
		DescribeTable("locks text input while the car moves",
			func(ctx SpecContext, speed string) {
				Expect(kit.Change(ctx, car.ESP_VehicleSpeed.VehicleSpeed.Is(speed))).To(kit.Within(reaction.TextLock, messaging("TextInputLocked", 1)))
			},
			Entry("just above 5 km/h", suite.Covers(reaction.TextLock), "5.01"),
			Entry("in town", suite.Covers(reaction.TextLock), "50"),
			Entry("on the motorway", suite.Covers(reaction.TextLock), "130"),
		)

		It("keeps text input unlocked at 5 km/h and below", suite.Covers(reaction.TextLock), func(ctx SpecContext) {
			Expect(kit.Change(ctx, car.ESP_VehicleSpeed.VehicleSpeed.Is(5))).To(harness.NotReactWithin(kit.Quiet(reaction.TextLock), messaging("TextInputLocked", 1)))
		})

		It("unlocks at standstill only with the parking brake applied", suite.Covers(reaction.TextLock), func(ctx SpecContext) {
			Expect(kit.Change(ctx, car.BCM_PowerMode.ParkingBrake.Is("Released"))).To(harness.NotReactWithin(kit.Quiet(reaction.TextLock), messaging("TextInputLocked", 1)), "releasing the brake at standstill changes nothing")
			Expect(kit.Change(ctx, car.ESP_VehicleSpeed.VehicleSpeed.Is(20))).To(kit.Within(reaction.TextLock, messaging("TextInputLocked", 1)))
			Expect(kit.Change(ctx, car.ESP_VehicleSpeed.VehicleSpeed.Is(0))).To(harness.NotReactWithin(kit.Quiet(reaction.TextLock), messaging("TextInputLocked", 0)), "standstill without the brake stays locked")
			Expect(kit.Change(ctx, car.BCM_PowerMode.ParkingBrake.Is("Applied"))).To(kit.Within(reaction.TextLock, messaging("TextInputLocked", 0)))
		})
	})
})

var _ = later(Describe, "messaging latency", Label("messaging", "latency"), Serial, func() {
	It("toggles the voice session within budget", suite.Covers(reaction.Voice), func(ctx SpecContext) {
		kit.Sampled(ctx, reaction.Voice, func(ctx context.Context) harness.Reaction {
			want := messaging("VoiceSession", "Listening")
			if kit.Current("IVI_MessagingStatus").Choice("VoiceSession") != "Idle" {
				want = messaging("VoiceSession", "Idle")
			}
			return kit.Press(ctx, car.SWC_Buttons.VoiceBtn).Until(ctx, want, kit.Patience(reaction.Voice))
		})
	})

	It("answers and hangs up calls within budget", suite.Covers(reaction.Answer, reaction.Hangup), func(ctx SpecContext) {
		kit.SampledTogether(ctx, []string{reaction.Answer, reaction.Hangup}, func(ctx context.Context) []harness.Reaction {
			Expect(kit.Control(ctx, "incoming_call")).To(ringing())
			answer := kit.Press(ctx, car.SWC_Buttons.PhoneAnswerBtn).Until(ctx, callState(ivi.IVI_MessagingStatus_CallState_Active), kit.Patience(reaction.Answer))
			hangup := kit.Press(ctx, car.SWC_Buttons.PhoneHangupBtn).Until(ctx, callState(ivi.IVI_MessagingStatus_CallState_Idle), kit.Patience(reaction.Hangup))
			return []harness.Reaction{answer, hangup}
		})
	})

	It("counts incoming messages within budget", suite.Covers(reaction.Unread), func(ctx SpecContext) {
		kit.Sampled(ctx, reaction.Unread, func(ctx context.Context) harness.Reaction {
			want := unreadPlusOne()
			return kit.Control(ctx, "incoming_message", "from=Bob").Until(ctx, want, kit.Patience(reaction.Unread))
		})
	})

	It("locks and unlocks text input within budget", suite.Covers(reaction.TextLock), func(ctx SpecContext) {
		moving := false
		kit.Sampled(ctx, reaction.TextLock, func(ctx context.Context) harness.Reaction {
			moving = !moving
			if moving {
				return kit.Change(ctx, car.ESP_VehicleSpeed.VehicleSpeed.Is(30)).Until(ctx, messaging("TextInputLocked", 1), kit.Patience(reaction.TextLock))
			}
			return kit.Change(ctx, car.ESP_VehicleSpeed.VehicleSpeed.Is(0)).Until(ctx, messaging("TextInputLocked", 0), kit.Patience(reaction.TextLock))
		})
	})
})
