package scenarios

import (
	"context"
	"time"

	ivi "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	car "github.com/cockpit-hil/hil/dbc/infotainmentref"
	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/suite"
	"github.com/cockpit-hil/hil/headunit/reaction"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func display(d ivi.IVI_NavStatus_Display) harness.Expectation {
	return harness.Emits(&ivi.IVI_NavStatus{}, HaveField("Display()", Equal(d)))
}

func theme(t ivi.IVI_NavStatus_Theme) harness.Expectation {
	return harness.Emits(&ivi.IVI_NavStatus{}, HaveField("Theme()", Equal(t)))
}

func distance() float64 { return kit.Current("IVI_NavStatus").Physical("DistanceToManeuver") }

var _ = later(Describe, "navigation", Label("navigation"), func() {
	It("shows the reversing camera in R, and the map again on leaving R", suite.Covers(reaction.Camera), func(ctx SpecContext) {
		Expect(kit.Change(ctx, car.TCU_Gear.Gear.Is("R"))).To(kit.Within(reaction.Camera, display(ivi.IVI_NavStatus_Display_Camera)))
		Expect(kit.Change(ctx, car.TCU_Gear.Gear.Is("D"))).To(kit.Within(reaction.Camera, display(ivi.IVI_NavStatus_Display_Map)))
	})

	It("keeps the map in every gear but R", suite.Covers(reaction.Camera), func(ctx SpecContext) {
		for _, g := range []string{"D", "N", "P"} {
			Expect(kit.Change(ctx, car.TCU_Gear.Gear.Is(g))).To(harness.NotReactWithin(kit.Quiet(reaction.Camera), display(ivi.IVI_NavStatus_Display_Camera)), "gear %s", g)
		}
	})

	It("turns the map to its night theme at night, and back by day", suite.Covers(reaction.Theme), func(ctx SpecContext) {
		Expect(kit.Change(ctx, car.BCM_PowerMode.NightMode.Is(1))).To(kit.Within(reaction.Theme, theme(ivi.IVI_NavStatus_Theme_Night)))
		Expect(kit.Change(ctx, car.BCM_PowerMode.NightMode.Is(0))).To(kit.Within(reaction.Theme, theme(ivi.IVI_NavStatus_Theme_Day)))
	})

	It("starts guidance, counts the distance down with the vehicle speed, and holds it at standstill", suite.Covers(reaction.Guidance), func(ctx SpecContext) {
		Expect(kit.Control(ctx, "start_guidance", "maneuver=Left", "distance=500")).To(harness.ReactWithin(kit.Budget(reaction.Guidance),
			harness.Emits(&ivi.IVI_NavStatus{}, And(HaveField("GuidanceActive()", BeTrue()), HaveField("NextManeuver()", Equal(ivi.IVI_NavStatus_NextManeuver_Left))))))
		Consistently(distance).WithTimeout(kit.Quiet(reaction.Guidance)).Should(BeNumerically("==", 500), "navigation: at standstill the distance holds")
		// 36 km/h is 10 m/s: the distance falls by about a metre each 100 ms.
		Expect(kit.Set(car.BCM_PowerMode.ParkingBrake.Is("Released"), car.ESP_VehicleSpeed.VehicleSpeed.Is(36))).To(Succeed())
		start := distance()
		time.Sleep(time.Second)
		Expect(start-distance()).To(BeNumerically("~", 10, 3), "navigation: metres covered in one second at 36 km/h")
		Expect(kit.Control(ctx, "stop_guidance")).To(kit.Within(reaction.Guidance, nav("GuidanceActive", 0)))
	})

	It("holds the distance at 0 when it runs out before a maneuver other than Arrive", suite.Covers(reaction.Guidance), func(ctx SpecContext) {
		// 72 km/h is 20 m/s: 8 m run out in 0.4 s.
		Expect(kit.Set(car.BCM_PowerMode.ParkingBrake.Is("Released"), car.ESP_VehicleSpeed.VehicleSpeed.Is(72))).To(Succeed())
		Expect(kit.Control(ctx, "start_guidance", "maneuver=Right", "distance=8")).To(kit.Within(reaction.Guidance, nav("GuidanceActive", 1)))
		Eventually(func() float64 { kit.Healthy(); return distance() }).WithTimeout(runOut(8, 72)).Should(BeZero(), "navigation: the distance counts down to 0 at 72 km/h")
		Consistently(func() float64 { return distance() }).WithTimeout(kit.Quiet(reaction.Guidance)).Should(BeZero(), "navigation: the distance holds at 0")
		Expect(kit.Current("IVI_NavStatus").Raw("GuidanceActive")).To(BeEquivalentTo(1), "navigation: guidance goes on until an Arrive maneuver is reached")
	})

	It("ends guidance when the distance to an Arrive maneuver runs out", suite.Covers(reaction.Guidance), func(ctx SpecContext) {
		Expect(kit.Set(car.BCM_PowerMode.ParkingBrake.Is("Released"), car.ESP_VehicleSpeed.VehicleSpeed.Is(72))).To(Succeed())
		s := kit.Control(ctx, "start_guidance", "maneuver=Arrive", "distance=8")
		Expect(s).To(kit.Within(reaction.Guidance, nav("GuidanceActive", 1)))
		Eventually(func() uint64 { kit.Healthy(); return kit.Current("IVI_NavStatus").Raw("GuidanceActive") }).WithTimeout(runOut(8, 72)).
			Should(BeZero(), "navigation: reaching 0 on an Arrive maneuver ends guidance")
	})
})

// runOut is how long the distance to a maneuver may take to run out at a
// speed: the time to drive it, one status period in which the unit
// computes it, and the guidance key's max budget to show it.
func runOut(metres, kmh float64) time.Duration {
	GinkgoHelper()
	m, _ := kit.DB.Message("IVI_NavStatus")
	return time.Duration(metres/(kmh/3.6)*float64(time.Second)) + m.CycleTime + kit.Quiet(reaction.Guidance)
}

var _ = later(Describe, "navigation latency", Label("navigation", "latency"), Serial, func() {
	It("switches camera and map with the gear within budget, and ducks the music with it", suite.Covers(reaction.Camera, reaction.Duck), func(ctx SpecContext) {
		reverse := false
		kit.SampledTogether(ctx, []string{reaction.Camera, reaction.Duck}, func(ctx context.Context) []harness.Reaction {
			// Each round, retaken or not, shifts to the other gear.
			reverse = !reverse
			gear, d, ducked := "R", ivi.IVI_NavStatus_Display_Camera, 1
			if !reverse {
				gear, d, ducked = "P", ivi.IVI_NavStatus_Display_Map, 0
			}
			s := kit.Change(ctx, car.TCU_Gear.Gear.Is(gear))
			// One stimulus, two reactions: wait for both at once.
			done := make(chan harness.Reaction, 1)
			go func() { done <- s.Until(ctx, media("Ducked", ducked), kit.Patience(reaction.Duck)) }()
			camera := s.Until(ctx, display(d), kit.Patience(reaction.Camera))
			return []harness.Reaction{camera, <-done}
		})
	})

	It("switches the theme within budget", suite.Covers(reaction.Theme), func(ctx SpecContext) {
		night := false
		kit.Sampled(ctx, reaction.Theme, func(ctx context.Context) harness.Reaction {
			night = !night
			if night {
				return kit.Change(ctx, car.BCM_PowerMode.NightMode.Is(1)).Until(ctx, theme(ivi.IVI_NavStatus_Theme_Night), kit.Patience(reaction.Theme))
			}
			return kit.Change(ctx, car.BCM_PowerMode.NightMode.Is(0)).Until(ctx, theme(ivi.IVI_NavStatus_Theme_Day), kit.Patience(reaction.Theme))
		})
	})

	It("starts and stops guidance within budget", suite.Covers(reaction.Guidance), func(ctx SpecContext) {
		active := false
		kit.Sampled(ctx, reaction.Guidance, func(ctx context.Context) harness.Reaction {
			active = !active
			if active {
				return kit.Control(ctx, "start_guidance", "maneuver=Straight", "distance=900").Until(ctx, nav("GuidanceActive", 1), kit.Patience(reaction.Guidance))
			}
			return kit.Control(ctx, "stop_guidance").Until(ctx, nav("GuidanceActive", 0), kit.Patience(reaction.Guidance))
		})
	})
})
