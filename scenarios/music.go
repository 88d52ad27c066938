package scenarios

import (
	"context"
	"time"

	ivi "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"github.com/cockpit-hil/hil/harness"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// trackStep expects the track after (+1) or before (-1) the one shown now,
// through the generated codec's getter.
func trackStep(step int) harness.Expectation {
	want := int(latest("IVI_MediaStatus").Raw("TrackIndex")) + step
	return harness.Emits(&ivi.IVI_MediaStatus{}, HaveField("TrackIndex()", BeEquivalentTo(want)))
}

// toggled expects a two-valued signal to show the other value than now.
func toggled(signal string, values ...string) harness.Expectation {
	now := latest("IVI_MediaStatus").Choice(signal)
	if now == values[0] {
		return media(signal, values[1])
	}
	return media(signal, values[0])
}

func muteToggled() harness.Expectation {
	return media("Muted", float64(1-latest("IVI_MediaStatus").Raw("Muted")))
}

func volumeStep(step int) harness.Expectation {
	return media("Volume", latest("IVI_MediaStatus").Physical("Volume")+float64(step))
}

// nextSource expects the source after the current one: Radio, Bluetooth,
// Streaming, USB, and round again.
func nextSource() harness.Expectation {
	order := []string{"Radio", "Bluetooth", "Streaming", "USB"}
	now := latest("IVI_MediaStatus").Choice("Source")
	for i, s := range order {
		if s == now {
			return media("Source", order[(i+1)%len(order)])
		}
	}
	return media("Source", "Radio")
}

var _ = later(Describe, "music", Label("music"), func() {
	BeforeEach(func(ctx SpecContext) {
		// Prev and volume down need room to move.
		if latest("IVI_MediaStatus").Raw("TrackIndex") == 0 {
			Expect(bench.Press(ctx, "SWC_Buttons.NextBtn")).To(harness.ReactWithin(time.Second, media("TrackIndex", 1)))
		}
	})

	DescribeTable("a steering-wheel button changes the media state within its budget",
		func(ctx SpecContext, button, key string, expect func() harness.Expectation) {
			want := expect()
			Expect(bench.Press(ctx, "SWC_Buttons."+button)).To(within(key, want))
		},
		Entry("Next advances the track", covers("music.next"), "NextBtn", "music.next", func() harness.Expectation { return trackStep(+1) }),
		Entry("Prev goes back a track", covers("music.prev"), "PrevBtn", "music.prev", func() harness.Expectation { return trackStep(-1) }),
		Entry("Play/Pause toggles playback", covers("music.play_pause"), "PlayPauseBtn", "music.play_pause", func() harness.Expectation { return toggled("PlayState", "Playing", "Paused") }),
		Entry("Volume up raises the volume by one", covers("music.volume"), "VolUpBtn", "music.volume", func() harness.Expectation { return volumeStep(+1) }),
		Entry("Volume down lowers it by one", covers("music.volume"), "VolDownBtn", "music.volume", func() harness.Expectation { return volumeStep(-1) }),
		Entry("Mute toggles mute", covers("music.mute"), "MuteBtn", "music.mute", muteToggled),
		Entry("Source moves to the next source", covers("music.source"), "SourceBtn", "music.source", nextSource),
	)

	It("repeats the volume step every 200 ms while the button is held", covers("music.volume"), func(ctx SpecContext) {
		before := latest("IVI_MediaStatus").Physical("Volume")
		// One step at the press, then one at 800 ms and every 200 ms after:
		// a 1.3 s hold makes 1 + 3 steps.
		Expect(bench.Hold(ctx, "SWC_Buttons.VolUpBtn", 1300*time.Millisecond).Err()).To(Succeed())
		Eventually(func() float64 { healthy(); return latest("IVI_MediaStatus").Physical("Volume") }).Should(BeNumerically("==", before+4))
		Consistently(func() float64 { return latest("IVI_MediaStatus").Physical("Volume") }, 400*time.Millisecond).Should(BeNumerically("==", before+4), "released: no more steps")
	})

	DescribeTable("ducks the music for what needs the driver's ears, and restores it after",
		func(ctx SpecContext, start, end func(ctx context.Context) *harness.Stimulus) {
			Expect(start(ctx)).To(within("music.duck", media("Ducked", 1)))
			Expect(end(ctx)).To(within("music.duck", media("Ducked", 0)))
		},
		Entry("reverse gear", covers("music.duck"),
			func(ctx context.Context) *harness.Stimulus { return bench.Change(ctx, "TCU_Gear.Gear=R") },
			func(ctx context.Context) *harness.Stimulus { return bench.Change(ctx, "TCU_Gear.Gear=P") }),
		Entry("a phone call", covers("music.duck"),
			func(ctx context.Context) *harness.Stimulus { return bench.Control(ctx, "incoming_call") },
			func(ctx context.Context) *harness.Stimulus { return bench.Press(ctx, "SWC_Buttons.PhoneHangupBtn") }),
		Entry("a voice session", covers("music.duck"),
			func(ctx context.Context) *harness.Stimulus { return bench.Press(ctx, "SWC_Buttons.VoiceBtn") },
			func(ctx context.Context) *harness.Stimulus { return bench.Press(ctx, "SWC_Buttons.VoiceBtn") }),
	)
})

var _ = later(Describe, "music latency", Label("music", "latency"), Serial, func() {
	It("steps the track both ways within budget", covers("music.next", "music.prev"), func(ctx SpecContext) {
		sets := together("music.next", "music.prev")
		next, prev := sets[0], sets[1]
		for range SamplesPerKey {
			want := trackStep(+1)
			Expect(next.Add(bench.Press(ctx, "SWC_Buttons.NextBtn").Until(ctx, want, time.Second))).To(Succeed())
			want = trackStep(-1)
			Expect(prev.Add(bench.Press(ctx, "SWC_Buttons.PrevBtn").Until(ctx, want, time.Second))).To(Succeed())
		}
		meetBudgets(next, prev)
	})

	It("toggles playback within budget", covers("music.play_pause"), func(ctx SpecContext) {
		sampled(ctx, "music.play_pause", func(ctx context.Context) harness.Reaction {
			want := toggled("PlayState", "Playing", "Paused")
			return bench.Press(ctx, "SWC_Buttons.PlayPauseBtn").Until(ctx, want, time.Second)
		})
	})

	It("steps the volume within budget", covers("music.volume"), func(ctx SpecContext) {
		up := true
		sampled(ctx, "music.volume", func(ctx context.Context) harness.Reaction {
			button, step := "SWC_Buttons.VolUpBtn", +1
			if !up {
				button, step = "SWC_Buttons.VolDownBtn", -1
			}
			up = !up
			want := volumeStep(step)
			return bench.Press(ctx, button).Until(ctx, want, time.Second)
		})
	})

	It("mutes and unmutes within budget", covers("music.mute"), func(ctx SpecContext) {
		sampled(ctx, "music.mute", func(ctx context.Context) harness.Reaction {
			want := muteToggled()
			return bench.Press(ctx, "SWC_Buttons.MuteBtn").Until(ctx, want, time.Second)
		})
	})

	It("changes the source within budget", covers("music.source"), func(ctx SpecContext) {
		sampled(ctx, "music.source", func(ctx context.Context) harness.Reaction {
			want := nextSource()
			return bench.Press(ctx, "SWC_Buttons.SourceBtn").Until(ctx, want, time.Second)
		})
	})
})
