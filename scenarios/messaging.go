package scenarios

import (
	"context"

	ivi "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"github.com/cockpit-hil/hil/harness"
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
	return within("messaging.answer", callState(ivi.IVI_MessagingStatus_CallState_Ringing))
}

func unreadPlusOne() harness.Expectation {
	return messaging("UnreadCount", latest("IVI_MessagingStatus").Physical("UnreadCount")+1)
}

var _ = later(Describe, "messaging", Label("messaging"), func() {
	It("starts a voice session on the voice button, and ends it on the next press", covers("messaging.voice"), func(ctx SpecContext) {
		Expect(bench.Press(ctx, "SWC_Buttons.VoiceBtn")).To(within("messaging.voice", messaging("VoiceSession", "Listening")))
		Expect(bench.Press(ctx, "SWC_Buttons.VoiceBtn")).To(within("messaging.voice", messaging("VoiceSession", "Idle")))
	})

	It("rings on an incoming call, answers it, and hangs up", covers("messaging.answer", "messaging.hangup"), func(ctx SpecContext) {
		Expect(bench.Control(ctx, "incoming_call")).To(ringing())
		Expect(bench.Press(ctx, "SWC_Buttons.PhoneAnswerBtn")).To(within("messaging.answer", callState(ivi.IVI_MessagingStatus_CallState_Active)))
		Expect(bench.Press(ctx, "SWC_Buttons.PhoneHangupBtn")).To(within("messaging.hangup", callState(ivi.IVI_MessagingStatus_CallState_Idle)))
	})

	It("rejects a ringing call with the hang-up button", covers("messaging.hangup"), func(ctx SpecContext) {
		Expect(bench.Control(ctx, "incoming_call")).To(ringing())
		Expect(bench.Press(ctx, "SWC_Buttons.PhoneHangupBtn")).To(within("messaging.hangup", callState(ivi.IVI_MessagingStatus_CallState_Idle)))
	})

	It("answers nothing when no call rings", covers("messaging.answer"), func(ctx SpecContext) {
		Expect(bench.Press(ctx, "SWC_Buttons.PhoneAnswerBtn")).To(harness.NotReactWithin(quiet("messaging.answer"), callState(ivi.IVI_MessagingStatus_CallState_Active)))
	})

	It("counts an incoming message as unread", covers("messaging.unread"), func(ctx SpecContext) {
		want := unreadPlusOne()
		Expect(bench.Control(ctx, "incoming_message", "from=Alice")).To(within("messaging.unread", want))
	})

	Describe("driver distraction", func() {
		DescribeTable("locks text input while the car moves",
			func(ctx SpecContext, speed string) {
				Expect(bench.Change(ctx, "ESP_VehicleSpeed.VehicleSpeed="+speed)).To(within("messaging.text_lock", messaging("TextInputLocked", 1)))
			},
			Entry("just above 5 km/h", covers("messaging.text_lock"), "5.01"),
			Entry("in town", covers("messaging.text_lock"), "50"),
			Entry("on the motorway", covers("messaging.text_lock"), "130"),
		)

		It("keeps text input unlocked at 5 km/h and below", covers("messaging.text_lock"), func(ctx SpecContext) {
			Expect(bench.Change(ctx, "ESP_VehicleSpeed.VehicleSpeed=5")).To(harness.NotReactWithin(quiet("messaging.text_lock"), messaging("TextInputLocked", 1)))
		})

		It("unlocks at standstill only with the parking brake applied", covers("messaging.text_lock"), func(ctx SpecContext) {
			Expect(bench.Change(ctx, "BCM_PowerMode.ParkingBrake=Released")).To(harness.NotReactWithin(quiet("messaging.text_lock"), messaging("TextInputLocked", 1)), "releasing the brake at standstill changes nothing")
			Expect(bench.Change(ctx, "ESP_VehicleSpeed.VehicleSpeed=20")).To(within("messaging.text_lock", messaging("TextInputLocked", 1)))
			Expect(bench.Change(ctx, "ESP_VehicleSpeed.VehicleSpeed=0")).To(harness.NotReactWithin(quiet("messaging.text_lock"), messaging("TextInputLocked", 0)), "standstill without the brake stays locked")
			Expect(bench.Change(ctx, "BCM_PowerMode.ParkingBrake=Applied")).To(within("messaging.text_lock", messaging("TextInputLocked", 0)))
		})
	})
})

var _ = later(Describe, "messaging latency", Label("messaging", "latency"), Serial, func() {
	It("toggles the voice session within budget", covers("messaging.voice"), func(ctx SpecContext) {
		sampled(ctx, "messaging.voice", func(ctx context.Context) harness.Reaction {
			want := messaging("VoiceSession", "Listening")
			if latest("IVI_MessagingStatus").Choice("VoiceSession") != "Idle" {
				want = messaging("VoiceSession", "Idle")
			}
			return bench.Press(ctx, "SWC_Buttons.VoiceBtn").Until(ctx, want, patience("messaging.voice"))
		})
	})

	It("answers and hangs up calls within budget", covers("messaging.answer", "messaging.hangup"), func(ctx SpecContext) {
		sampledTogether(ctx, []string{"messaging.answer", "messaging.hangup"}, func(ctx context.Context) []harness.Reaction {
			Expect(bench.Control(ctx, "incoming_call")).To(ringing())
			answer := bench.Press(ctx, "SWC_Buttons.PhoneAnswerBtn").Until(ctx, callState(ivi.IVI_MessagingStatus_CallState_Active), patience("messaging.answer"))
			hangup := bench.Press(ctx, "SWC_Buttons.PhoneHangupBtn").Until(ctx, callState(ivi.IVI_MessagingStatus_CallState_Idle), patience("messaging.hangup"))
			return []harness.Reaction{answer, hangup}
		})
	})

	It("counts incoming messages within budget", covers("messaging.unread"), func(ctx SpecContext) {
		sampled(ctx, "messaging.unread", func(ctx context.Context) harness.Reaction {
			want := unreadPlusOne()
			return bench.Control(ctx, "incoming_message", "from=Bob").Until(ctx, want, patience("messaging.unread"))
		})
	})

	It("locks and unlocks text input within budget", covers("messaging.text_lock"), func(ctx SpecContext) {
		moving := false
		sampled(ctx, "messaging.text_lock", func(ctx context.Context) harness.Reaction {
			moving = !moving
			if moving {
				return bench.Change(ctx, "ESP_VehicleSpeed.VehicleSpeed=30").Until(ctx, messaging("TextInputLocked", 1), patience("messaging.text_lock"))
			}
			return bench.Change(ctx, "ESP_VehicleSpeed.VehicleSpeed=0").Until(ctx, messaging("TextInputLocked", 0), patience("messaging.text_lock"))
		})
	})
})
