package scenarios

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	car "github.com/cockpit-hil/hil/dbc/infotainmentref"
	"github.com/cockpit-hil/hil/dbc/ref"
	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/probe"
	"github.com/cockpit-hil/hil/harness/suite"
	"github.com/cockpit-hil/hil/headunit/reaction"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	gtypes "github.com/onsi/gomega/types"
)

// allReady expects the heartbeat to show every service ready and running.
func allReady() harness.Expectation {
	return harness.Emits("IVI_Heartbeat", harness.Where("all three services ready, Running", func(f harness.Frame) bool {
		return f.Raw("MessagingReady") == 1 && f.Raw("MusicReady") == 1 && f.Raw("NavigationReady") == 1 && f.Choice("PowerState") == "Running"
	}))
}

// standby expects the heartbeat to show every ready bit clear, in Standby.
func standby() harness.Expectation {
	return harness.Emits("IVI_Heartbeat", harness.Where("no service ready, Standby", func(f harness.Frame) bool {
		return f.Raw("MessagingReady") == 0 && f.Raw("MusicReady") == 0 && f.Raw("NavigationReady") == 0 && f.Choice("PowerState") == "Standby"
	}))
}

var _ = later(Describe, "vehicle", Label("vehicle"), func() {
	It("shuts down on power OFF and boots on ON, within budget", suite.Covers(reaction.Standby, reaction.Ready), func(ctx SpecContext) {
		Expect(kit.Change(ctx, car.BCM_PowerMode.PowerMode.Is("OFF"))).To(kit.Within(reaction.Standby, standby()))
		Expect(kit.Change(ctx, car.BCM_PowerMode.PowerMode.Is("ON"))).To(kit.Within(reaction.Ready, allReady()))
	})

	It("keeps its state on ACC, running or in standby, and boots on START as on ON", suite.Covers(reaction.Standby, reaction.Ready), func(ctx SpecContext) {
		state := func(not string) harness.Expectation {
			return harness.Emits("IVI_Heartbeat", harness.Where("PowerState other than "+not, func(f harness.Frame) bool { return f.Choice("PowerState") != not }))
		}
		// Watched for as long as the reaction ACC must not cause may take.
		Expect(kit.Change(ctx, car.BCM_PowerMode.PowerMode.Is("ACC"))).To(harness.NotReactWithin(kit.Quiet(reaction.Standby), state("Running")),
			"vehicle.standby: ACC must not shut the unit down (docs/design.md, Vehicle)")
		Expect(kit.Change(ctx, car.BCM_PowerMode.PowerMode.Is("OFF"))).To(kit.Within(reaction.Standby, standby()))
		Expect(kit.Change(ctx, car.BCM_PowerMode.PowerMode.Is("ACC"))).To(harness.NotReactWithin(kit.Quiet(reaction.Ready), state("Standby")),
			"vehicle.ready: ACC must not boot the unit (docs/design.md, Vehicle)")
		Expect(kit.Change(ctx, car.BCM_PowerMode.PowerMode.Is("START"))).To(kit.Within(reaction.Ready, allReady()))
	})

	It("ignores the steering wheel while in standby", suite.Covers(reaction.Standby), func(ctx SpecContext) {
		Expect(kit.Change(ctx, car.BCM_PowerMode.PowerMode.Is("OFF"))).To(kit.Within(reaction.Standby, standby()))
		track := kit.Current("IVI_MediaStatus").Raw("TrackIndex")
		Expect(kit.Press(ctx, car.SWC_Buttons.NextBtn)).To(harness.NotReactWithin(kit.Quiet(reaction.Next), media("TrackIndex", float64(track+1))))
	})

	It("keeps its heartbeat and status messages to their cycle while running", func(ctx SpecContext) {
		messages := []ref.Message{car.IVI_Heartbeat.Message, car.IVI_MediaStatus.Message, car.IVI_MessagingStatus.Message, car.IVI_NavStatus.Message}
		measured := make([]harness.CycleTimes, len(messages))
		errs := make([]error, len(messages))
		var wg sync.WaitGroup
		for i, m := range messages {
			wg.Go(func() { measured[i], errs[i] = kit.CycleTimes(ctx, m, 10) })
		}
		wg.Wait()
		// docs/design.md section 4: a frame at least every 3 periods (one
		// may come early, on change), and the message really cycles at
		// its period: the median interval within 10 % of it.
		for i := range messages {
			Expect(errs[i]).NotTo(HaveOccurred())
			c := measured[i]
			ds := slices.Clone(c.Intervals)
			slices.Sort(ds)
			Expect(ds[len(ds)-1]).To(BeNumerically("<=", 3*c.Nominal), "%s: an interval of %v, more than 3 periods of %v (intervals %v)", c.Message, ds[len(ds)-1], c.Nominal, c.Intervals)
			Expect(ds[len(ds)/2]).To(BeNumerically("~", c.Nominal, c.Nominal/10), "%s: median interval %v, period %v (intervals %v)", c.Message, ds[len(ds)/2], c.Nominal, c.Intervals)
		}
	})

	Describe("fail-safe", func() {
		It("locks text input when the vehicle speed stops arriving, reports the input lost, and unlocks once it is back at standstill", suite.Covers(reaction.TextLock), func(ctx SpecContext) {
			esp, _ := kit.DB.Message("ESP_VehicleSpeed")
			mark := eventMark()
			Expect(kit.Silence("ESP_VehicleSpeed")).To(Succeed())
			// The DUT notices after 3 periods; the lock follows within its budget.
			lost := 3*esp.CycleTime + kit.Quiet(reaction.TextLock)
			Eventually(func() uint64 { kit.Healthy(); return kit.Current("IVI_MessagingStatus").Raw("TextInputLocked") }).
				WithTimeout(lost+esp.CycleTime).Should(BeEquivalentTo(1), "messaging.text_lock: locked once ESP_VehicleSpeed is lost")
			expectEvent(ctx, mark, lost, "vehicle", "input_lost", "message", "ESP_VehicleSpeed")
			Expect(kit.Resume("ESP_VehicleSpeed")).To(Succeed())
			Eventually(func() uint64 { kit.Healthy(); return kit.Current("IVI_MessagingStatus").Raw("TextInputLocked") }).
				WithTimeout(esp.CycleTime+kit.Quiet(reaction.TextLock)).Should(BeZero(), "messaging.text_lock: unlocked when the speed is back at standstill")
		})

		It("locks text input when the vehicle speed turns invalid", suite.Covers(reaction.TextLock), func(ctx SpecContext) {
			Expect(kit.Change(ctx, car.ESP_VehicleSpeed.SpeedValid.Is("Invalid"))).To(kit.Within(reaction.TextLock, messaging("TextInputLocked", 1)))
			Expect(kit.Change(ctx, car.ESP_VehicleSpeed.SpeedValid.Is("Valid"))).To(kit.Within(reaction.TextLock, messaging("TextInputLocked", 0)))
		})

		// A press forged as a frame of the controller's sequence, once
		// broken and once right, so only the broken part tells the two
		// apart. The controller falls silent first: a frame of its own
		// with the same counter would make the forged one a repeat.
		DescribeTable("ignores a button frame that breaks the E2E protection, reports it, and takes the same press when it is right",
			func(ctx SpecContext, rule string, broken func(last uint64) (counter uint64, corruptCRC bool)) {
				Expect(kit.Silence("SWC_Buttons")).To(Succeed())
				swc, _ := kit.DB.Message("SWC_Buttons")
				Eventually(func() time.Duration { return time.Since(kit.Current("SWC_Buttons").Time) }).
					WithTimeout(10*swc.CycleTime).Should(BeNumerically(">", 2*swc.CycleTime), "the last frame of the controller is on record")
				last := kit.Current("SWC_Buttons").Raw("Counter")
				forged := func(counter uint64, corrupt bool) string {
					m, data, err := kit.DB.Build([]string{"SWC_Buttons.NextBtn=1"}, uint8(counter%16))
					Expect(err).NotTo(HaveOccurred())
					if corrupt {
						data[0] ^= 0xFF // the CRC byte
					}
					return fmt.Sprintf("%03X#%X", m.ID, data)
				}
				track := kit.Current("IVI_MediaStatus").Raw("TrackIndex")
				next := media("TrackIndex", float64(track+1))
				mark := eventMark()
				counter, corrupt := broken(last)
				Expect(kit.Send(ctx, forged(counter, corrupt))).To(harness.NotReactWithin(kit.Quiet(reaction.Next), next), "%s: the frame must be ignored", rule)
				expectEvent(ctx, mark, kit.Quiet(reaction.Next), "vehicle", "input_ignored", "message", "SWC_Buttons", "reason", ContainSubstring(rule))
				// The release, then the same press with its protection right.
				Expect(kit.Send(ctx, releasedFrame(counter+1)).Err()).To(Succeed())
				Expect(kit.Send(ctx, forged(counter+2, false))).To(kit.Within(reaction.Next, next), "%s: the same press, protected right, is taken", rule)
				// Released again, as the controller would, before it resumes.
				Expect(kit.Send(ctx, releasedFrame(counter+3)).Err()).To(Succeed())
			},
			Entry("a wrong CRC", "CRC mismatch", func(last uint64) (uint64, bool) { return last + 1, true }),
			Entry("an alive counter that did not advance", "alive counter did not advance", func(last uint64) (uint64, bool) { return last, false }),
		)
	})
})

// releasedFrame is the steering-wheel controller's frame with no button
// pressed, counter given.
func releasedFrame(counter uint64) string {
	GinkgoHelper()
	m, data, err := kit.DB.Build([]string{"SWC_Buttons.NextBtn=0"}, uint8(counter%16))
	Expect(err).NotTo(HaveOccurred())
	return fmt.Sprintf("%03X#%X", m.ID, data)
}

// eventMark is where a later expectEvent starts looking on the DUT's event
// stream (0 without one).
func eventMark() int {
	if ev, ok := kit.Events(); ok {
		return ev.Mark()
	}
	return 0
}

// expectEvent expects an event on the DUT's event stream (docs/events.md)
// after mark, within d: service, event and FIELD, VALUE pairs, a VALUE
// being a value or a Gomega matcher. A DUT without an event stream (a
// bench profile without dut.events) is judged on the bus alone, and the
// report says so.
func expectEvent(ctx context.Context, mark int, d time.Duration, service, event string, fields ...any) {
	GinkgoHelper()
	ev, ok := kit.Events()
	if !ok {
		AddReportEntry("not checked", fmt.Sprintf("the %s.%s event: the DUT has no event stream (dut.events)", service, event))
		return
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	_, err := ev.Await(ctx, mark, func(o probe.Observation) bool {
		if o.Fields["service"] != service || o.Fields["event"] != event {
			return false
		}
		for i := 0; i+1 < len(fields); i += 2 {
			v := o.Fields[fields[i].(string)]
			if m, isMatcher := fields[i+1].(gtypes.GomegaMatcher); isMatcher {
				if ok, _ := m.Match(v); !ok {
					return false
				}
			} else if fmt.Sprint(v) != fmt.Sprint(fields[i+1]) {
				return false
			}
		}
		return true
	})
	var seen []string
	for _, o := range ev.From(mark) {
		seen = append(seen, o.Line)
	}
	Expect(err).NotTo(HaveOccurred(), "event %s.%s %v within %v; the event stream since: %v", service, event, fields, d, seen)
}

// Power cycles take a real head unit tens of seconds each: slow on a kit.
var _ = later(Describe, "vehicle latency", Label("vehicle", "latency", "slow"), Serial, func() {
	It("shuts down and boots within budget", suite.Covers(reaction.Standby, reaction.Ready), func(ctx SpecContext) {
		kit.SampledTogether(ctx, []string{reaction.Standby, reaction.Ready}, func(ctx context.Context) []harness.Reaction {
			down := kit.Change(ctx, car.BCM_PowerMode.PowerMode.Is("OFF")).Until(ctx, standby(), kit.Patience(reaction.Standby))
			ready := kit.Change(ctx, car.BCM_PowerMode.PowerMode.Is("ON")).Until(ctx, allReady(), kit.Patience(reaction.Ready))
			return []harness.Reaction{down, ready}
		})
	}, SpecTimeout(3*time.Minute))
})
