package scenarios

import (
	"context"
	"slices"
	"strings"
	"time"

	ivi "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	car "github.com/cockpit-hil/hil/dbc/infotainmentref"
	"github.com/cockpit-hil/hil/dbc/ref"
	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/suite"
	"github.com/cockpit-hil/hil/headunit/reaction"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// trackStep expects the track after (+1) or before (-1) the one shown now,
// through the generated codec's getter.
func trackStep(step int) harness.Expectation {
	want := int(kit.Current("IVI_MediaStatus").Raw("TrackIndex")) + step
	return harness.Emits(&ivi.IVI_MediaStatus{}, HaveField("TrackIndex()", BeEquivalentTo(want)))
}

// toggled expects a two-valued signal to show the other value than now.
func toggled(signal string, values ...string) harness.Expectation {
	now := kit.Current("IVI_MediaStatus").Choice(signal)
	if now == values[0] {
		return media(signal, values[1])
	}
	return media(signal, values[0])
}

func muteToggled() harness.Expectation {
	return media("Muted", float64(1-kit.Current("IVI_MediaStatus").Raw("Muted")))
}

// maxVolume is the top of the Volume range (docs/design.md: 0 to 40).
const maxVolume = 40

func volumeStep(step int) harness.Expectation {
	return media("Volume", kit.Current("IVI_MediaStatus").Physical("Volume")+float64(step))
}

// sources is the order in which Source steps through the sources a unit
// has (docs/design.md): a unit may lack some, never reorder them.
var sources = []string{"Radio", "Bluetooth", "Streaming", "USB"}

// nextSource expects a source other than the current one (and not None):
// which one depends on the sources the unit has, and the order is judged
// over a sequence of steps (inSourceOrder).
func nextSource() harness.Expectation {
	now := kit.Current("IVI_MediaStatus").Choice("Source")
	return harness.Emits("IVI_MediaStatus", harness.Where("a source after "+now+" in the order "+strings.Join(sources, ", "), func(f harness.Frame) bool {
		s := f.Choice("Source")
		return s != now && slices.Contains(sources, s)
	}))
}

// inSourceOrder checks steps through the sources (each the source shown
// after a press) against the design's order: each step goes to the next
// source, in that order, of those the unit showed at all.
func inSourceOrder(steps []string) {
	GinkgoHelper()
	var have []string
	for _, s := range sources {
		if slices.Contains(steps, s) {
			have = append(have, s)
		}
	}
	for i := 1; i < len(steps); i++ {
		at := slices.Index(have, steps[i-1])
		want := have[(at+1)%len(have)]
		Expect(steps[i]).To(Equal(want), "music.source: step %d went from %s to %s; in the order %s over the sources shown (%s) it goes to %s",
			i, steps[i-1], steps[i], strings.Join(sources, ", "), strings.Join(have, ", "), want)
	}
}

// room makes room for a step: pressing other first when the signal sits
// at the end a step would leave (at the first track, the lowest volume),
// so that the step under test is seen relative to where the unit is.
func room(ctx context.Context, signal string, end float64, other ref.Signal, key string, exp func() harness.Expectation) {
	GinkgoHelper()
	if kit.Current("IVI_MediaStatus").Physical(signal) == end {
		Expect(kit.Press(ctx, other)).To(kit.Within(key, exp()))
	}
}

// holdSteps judges the volume steps of one held button by the timing
// parameters of the budget file: one step at the press, the first repeat
// hold_delay after it and then one every repeat_interval while the button
// is held, each within the key's max budget of when it is due, none after
// the release.
func holdSteps(ctx context.Context, button ref.Signal, step int) {
	GinkgoHelper()
	delay, interval := kit.Timing("music.volume.hold_delay"), kit.Timing("music.volume.repeat_interval")
	// Held half an interval past the third repeat: no repeat is due near
	// the release, where a cycle of the bus could decide it.
	hold := delay + 2*interval + interval/2
	s := kit.Hold(ctx, button, hold)
	press, err := s.Start(ctx, hold)
	Expect(err).NotTo(HaveOccurred())
	Expect(s.Err()).To(Succeed())
	late := kit.Quiet(reaction.Volume)
	time.Sleep(late) // the last step may take that long
	released := press.Time.Add(hold)
	for _, f := range kit.Frames("SWC_Buttons", press.Time) {
		if f.Raw(button.Name()) == 0 {
			released = f.Time
			break
		}
	}
	held := released.Sub(press.Time)
	var steps []time.Duration
	media := kit.Frames("IVI_MediaStatus", press.Time.Add(-200*time.Millisecond))
	for i := 1; i < len(media); i++ {
		if d := media[i].Physical("Volume") - media[i-1].Physical("Volume"); d != 0 && media[i].Time.After(press.Time) {
			Expect(d).To(BeNumerically("==", step), "music.volume: a step of %+.0f at %v after the press; want %+d", d, media[i].Time.Sub(press.Time), step)
			steps = append(steps, media[i].Time.Sub(press.Time))
		}
	}
	var due []time.Duration
	for t := time.Duration(0); t < held; t = next(t, delay, interval) {
		due = append(due, t)
	}
	Expect(steps).To(HaveLen(len(due)), "music.volume: held %v (hold_delay %v, repeat_interval %v): steps due at %v, seen at %v",
		held.Round(time.Millisecond), delay, interval, rounded(due), rounded(steps))
	for i, d := range due {
		Expect(steps[i]).To(And(BeNumerically(">=", d), BeNumerically("<=", d+late)),
			"music.volume: step %d at %v after the press; due at %v, within the max budget %v", i+1, steps[i].Round(time.Millisecond), d, late)
	}
}

// next is when the step after one at t is due.
func next(t, delay, interval time.Duration) time.Duration {
	if t == 0 {
		return delay
	}
	return t + interval
}

func rounded(ds []time.Duration) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond).String()
	}
	return out
}

var _ = later(Describe, "music", Label("music"), func() {
	DescribeTable("a steering-wheel button changes the media state within its budget",
		func(ctx SpecContext, button ref.Signal, key string, prepare func(ctx context.Context), expect func() harness.Expectation) {
			if prepare != nil {
				prepare(ctx)
			}
			want := expect()
			Expect(kit.Press(ctx, button)).To(kit.Within(key, want))
		},
		Entry("Next advances the track", suite.Covers(reaction.Next), car.SWC_Buttons.NextBtn, reaction.Next, nil, func() harness.Expectation { return trackStep(+1) }),
		Entry("Prev goes back a track", suite.Covers(reaction.Prev), car.SWC_Buttons.PrevBtn, reaction.Prev, func(ctx context.Context) {
			// The first track is whatever the unit shows at boot: step
			// forward first, so there is a track to go back to.
			want := trackStep(+1)
			Expect(kit.Press(ctx, car.SWC_Buttons.NextBtn)).To(kit.Within(reaction.Next, want))
		}, func() harness.Expectation { return trackStep(-1) }),
		Entry("Play/Pause toggles playback", suite.Covers(reaction.PlayPause), car.SWC_Buttons.PlayPauseBtn, reaction.PlayPause, nil, func() harness.Expectation { return toggled("PlayState", "Playing", "Paused") }),
		Entry("Volume up raises the volume by one", suite.Covers(reaction.Volume), car.SWC_Buttons.VolUpBtn, reaction.Volume, func(ctx context.Context) {
			room(ctx, "Volume", maxVolume, car.SWC_Buttons.VolDownBtn, reaction.Volume, func() harness.Expectation { return volumeStep(-1) })
		}, func() harness.Expectation { return volumeStep(+1) }),
		Entry("Volume down lowers it by one", suite.Covers(reaction.Volume), car.SWC_Buttons.VolDownBtn, reaction.Volume, func(ctx context.Context) {
			room(ctx, "Volume", 0, car.SWC_Buttons.VolUpBtn, reaction.Volume, func() harness.Expectation { return volumeStep(+1) })
		}, func() harness.Expectation { return volumeStep(-1) }),
		Entry("Mute toggles mute", suite.Covers(reaction.Mute), car.SWC_Buttons.MuteBtn, reaction.Mute, nil, muteToggled),
		Entry("Source moves to the next source", suite.Covers(reaction.Source), car.SWC_Buttons.SourceBtn, reaction.Source, nil, nextSource),
	)

	It("repeats the volume step while the button is held: after the hold delay, then every repeat interval", suite.Covers(reaction.Volume), func(ctx SpecContext) {
		room(ctx, "Volume", maxVolume, car.SWC_Buttons.VolDownBtn, reaction.Volume, func() harness.Expectation { return volumeStep(-1) })
		if kit.Current("IVI_MediaStatus").Physical("Volume")+4 > maxVolume {
			// Four steps up need room below the top: go down by holding.
			holdSteps(ctx, car.SWC_Buttons.VolDownBtn, -1)
		}
		holdSteps(ctx, car.SWC_Buttons.VolUpBtn, +1)
	})

	DescribeTable("ducks the music for what needs the driver's ears, and restores it after",
		func(ctx SpecContext, start, end func(ctx context.Context) *harness.Stimulus) {
			Expect(start(ctx)).To(kit.Within(reaction.Duck, media("Ducked", 1)))
			Expect(end(ctx)).To(kit.Within(reaction.Duck, media("Ducked", 0)))
		},
		Entry("reverse gear", suite.Covers(reaction.Duck),
			func(ctx context.Context) *harness.Stimulus { return kit.Change(ctx, car.TCU_Gear.Gear.Is("R")) },
			func(ctx context.Context) *harness.Stimulus { return kit.Change(ctx, car.TCU_Gear.Gear.Is("P")) }),
		Entry("a phone call", suite.Covers(reaction.Duck),
			func(ctx context.Context) *harness.Stimulus { return kit.Control(ctx, "incoming_call") },
			func(ctx context.Context) *harness.Stimulus { return kit.Press(ctx, car.SWC_Buttons.PhoneHangupBtn) }),
		Entry("a voice session", suite.Covers(reaction.Duck),
			func(ctx context.Context) *harness.Stimulus { return kit.Press(ctx, car.SWC_Buttons.VoiceBtn) },
			func(ctx context.Context) *harness.Stimulus { return kit.Press(ctx, car.SWC_Buttons.VoiceBtn) }),
	)
})

var _ = later(Describe, "music latency", Label("music", "latency"), Serial, func() {
	It("steps the track both ways within budget", suite.Covers(reaction.Next, reaction.Prev), func(ctx SpecContext) {
		kit.SampledTogether(ctx, []string{reaction.Next, reaction.Prev}, func(ctx context.Context) []harness.Reaction {
			next := kit.Press(ctx, car.SWC_Buttons.NextBtn).Until(ctx, trackStep(+1), kit.Patience(reaction.Next))
			prev := kit.Press(ctx, car.SWC_Buttons.PrevBtn).Until(ctx, trackStep(-1), kit.Patience(reaction.Prev))
			return []harness.Reaction{next, prev}
		})
	})

	It("toggles playback within budget", suite.Covers(reaction.PlayPause), func(ctx SpecContext) {
		kit.Sampled(ctx, reaction.PlayPause, func(ctx context.Context) harness.Reaction {
			want := toggled("PlayState", "Playing", "Paused")
			return kit.Press(ctx, car.SWC_Buttons.PlayPauseBtn).Until(ctx, want, kit.Patience(reaction.PlayPause))
		})
	})

	It("steps the volume within budget across its range, and not past 40 or 0", suite.Covers(reaction.Volume), func(ctx SpecContext) {
		// One press at a time, up to the top, down to the bottom: each
		// step a sample. At each end one press more must change nothing.
		// The walk follows the volume the unit shows, so a retaken
		// sample that stepped it anyway only moves the walk on.
		start := int(kit.Current("IVI_MediaStatus").Physical("Volume"))
		up, ends := true, 0
		walk := func(ctx context.Context) harness.Reaction {
			v := kit.Current("IVI_MediaStatus").Physical("Volume")
			if v == maxVolume && up || v == 0 && !up {
				button := map[bool]ref.Signal{true: car.SWC_Buttons.VolUpBtn, false: car.SWC_Buttons.VolDownBtn}[up]
				Expect(kit.Press(ctx, button)).To(harness.NotReactWithin(kit.Quiet(reaction.Volume), harness.Emits("IVI_MediaStatus", harness.Where("a volume past its end", func(f harness.Frame) bool {
					return f.Physical("Volume") != v
				}))), "music.volume: at %v, %s must leave the volume where it is (docs/design.md: within 0 to 40)", v, button.Name())
				up = !up
				ends++
			}
			button, step := car.SWC_Buttons.VolUpBtn, +1
			if !up {
				button, step = car.SWC_Buttons.VolDownBtn, -1
			}
			return kit.Press(ctx, button).Until(ctx, volumeStep(step), kit.Patience(reaction.Volume))
		}
		s, err := kit.Sample(ctx, reaction.Volume, maxVolume-start+maxVolume, walk)
		Expect(err).NotTo(HaveOccurred())
		Expect(s).To(harness.MeetBudget())
		if kit.Current("IVI_MediaStatus").Physical("Volume") == 0 && ends < 2 {
			walk(ctx) // the walk ended at the bottom: press past it too
		}
		Expect(ends).To(BeNumerically(">=", 2), "the walk reached both ends of the range")
	})

	It("mutes and unmutes within budget", suite.Covers(reaction.Mute), func(ctx SpecContext) {
		kit.Sampled(ctx, reaction.Mute, func(ctx context.Context) harness.Reaction {
			want := muteToggled()
			return kit.Press(ctx, car.SWC_Buttons.MuteBtn).Until(ctx, want, kit.Patience(reaction.Mute))
		})
	})

	It("changes the source within budget, in the design's order", suite.Covers(reaction.Source), func(ctx SpecContext) {
		steps := []string{kit.Current("IVI_MediaStatus").Choice("Source")}
		kit.Sampled(ctx, reaction.Source, func(ctx context.Context) harness.Reaction {
			want := nextSource()
			r := kit.Press(ctx, car.SWC_Buttons.SourceBtn).Until(ctx, want, kit.Patience(reaction.Source))
			if r.Err == nil {
				steps = append(steps, kit.Current("IVI_MediaStatus").Choice("Source"))
			}
			return r
		})
		inSourceOrder(steps[1:]) // the first may be None, before any source was chosen
	})
})
