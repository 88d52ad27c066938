package scenarios

import (
	"fmt"
	"sync"
	"time"

	"github.com/cockpit-hil/hil/harness"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
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
	It("shuts down on power OFF and boots on ON, within budget", covers("vehicle.standby", "vehicle.ready"), func(ctx SpecContext) {
		Expect(bench.Change(ctx, "BCM_PowerMode.PowerMode=OFF")).To(within("vehicle.standby", standby()))
		Expect(bench.Change(ctx, "BCM_PowerMode.PowerMode=ON")).To(within("vehicle.ready", allReady()))
	})

	It("ignores the steering wheel while in standby", covers("vehicle.standby"), func(ctx SpecContext) {
		Expect(bench.Change(ctx, "BCM_PowerMode.PowerMode=OFF")).To(within("vehicle.standby", standby()))
		track := latest("IVI_MediaStatus").Raw("TrackIndex")
		Expect(bench.Press(ctx, "SWC_Buttons.NextBtn")).To(harness.NotReactWithin(quiet("music.next"), media("TrackIndex", float64(track+1))))
	})

	It("keeps its heartbeat and status messages to their 100 ms cycle", func(ctx SpecContext) {
		messages := []string{"IVI_Heartbeat", "IVI_MediaStatus", "IVI_MessagingStatus", "IVI_NavStatus"}
		measured := make([]harness.CycleTimes, len(messages))
		errs := make([]error, len(messages))
		var wg sync.WaitGroup
		for i, m := range messages {
			wg.Go(func() { measured[i], errs[i] = bench.CycleTimes(ctx, m, 10) })
		}
		wg.Wait()
		for i := range messages {
			Expect(errs[i]).NotTo(HaveOccurred())
			Expect(measured[i]).To(harness.HoldCycleTime(0.5), messages[i])
		}
	})

	Describe("fail-safe", func() {
		It("locks text input when the vehicle speed stops arriving, and unlocks once it is back at standstill", covers("messaging.text_lock"), func(ctx SpecContext) {
			// The DUT notices after 3 periods (60 ms); the lock follows within budget.
			Expect(bench.Silence("ESP_VehicleSpeed")).To(Succeed())
			Eventually(func() uint64 { healthy(); return latest("IVI_MessagingStatus").Raw("TextInputLocked") }).
				WithTimeout(3*20*time.Millisecond + budget("messaging.text_lock") + 200*time.Millisecond).Should(BeEquivalentTo(1))
			Expect(bench.Resume("ESP_VehicleSpeed")).To(Succeed())
			Eventually(func() uint64 { healthy(); return latest("IVI_MessagingStatus").Raw("TextInputLocked") }).Should(BeZero())
		})

		It("locks text input when the vehicle speed turns invalid", covers("messaging.text_lock"), func(ctx SpecContext) {
			Expect(bench.Change(ctx, "ESP_VehicleSpeed.SpeedValid=Invalid")).To(within("messaging.text_lock", messaging("TextInputLocked", 1)))
			Expect(bench.Change(ctx, "ESP_VehicleSpeed.SpeedValid=Valid")).To(within("messaging.text_lock", messaging("TextInputLocked", 0)))
		})

		It("ignores a button frame whose CRC is wrong, and takes the same frame with its CRC right", func(ctx SpecContext) {
			// A press forged as the next frame of the controller's
			// sequence, so only the CRC tells the two apart. The
			// controller falls silent first: a frame of its own with the
			// same counter would make the forged one a repeat.
			Expect(bench.Silence("SWC_Buttons")).To(Succeed())
			swc, _ := bench.DB.Message("SWC_Buttons")
			cycle := swc.CycleTime
			Eventually(func() time.Duration { return time.Since(latest("SWC_Buttons").Time) }).Should(BeNumerically(">", 2*cycle), "the last frame of the controller is on record")
			last := latest("SWC_Buttons").Raw("Counter")
			forged := func(corrupt bool) string {
				counter := (last + 1) % 16
				m, data, err := bench.DB.Build([]string{"SWC_Buttons.NextBtn=1"}, uint8(counter))
				Expect(err).NotTo(HaveOccurred())
				if corrupt {
					data[0] ^= 0xFF // the CRC byte
				}
				return fmt.Sprintf("%03X#%X", m.ID, data)
			}
			track := latest("IVI_MediaStatus").Raw("TrackIndex")
			Expect(bench.Send(ctx, forged(true))).To(harness.NotReactWithin(quiet("music.next"), media("TrackIndex", float64(track+1))))
			Expect(bench.Send(ctx, forged(false))).To(within("music.next", media("TrackIndex", float64(track+1))))
		})
	})
})

// Power cycles take a real head unit tens of seconds each: slow on a bench.
var _ = later(Describe, "vehicle latency", Label("vehicle", "latency", "slow"), Serial, func() {
	It("shuts down and boots within budget", covers("vehicle.standby", "vehicle.ready"), func(ctx SpecContext) {
		sets := together("vehicle.ready", "vehicle.standby")
		ready, down := sets[0], sets[1]
		for range SamplesPerKey {
			Expect(down.Add(bench.Change(ctx, "BCM_PowerMode.PowerMode=OFF").Until(ctx, standby(), 5*time.Second))).To(Succeed())
			Expect(ready.Add(bench.Change(ctx, "BCM_PowerMode.PowerMode=ON").Until(ctx, allReady(), 10*time.Second))).To(Succeed())
		}
		meetBudgets(ready, down)
	}, SpecTimeout(3*time.Minute))
})
