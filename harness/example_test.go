package harness_test

import (
	"context"
	"fmt"
	"log"
	"time"

	car "github.com/cockpit-hil/hil/dbc/infotainmentref"
	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/profile"
	_ "github.com/cockpit-hil/hil/headunit/simdut" // the simulator DUT kind
	"github.com/cockpit-hil/hil/profiles"
	"github.com/onsi/gomega"
)

// openSim opens a bench on the built-in profile sim: the reference head
// unit in this process, on the in-process bus.
func openSim(ctx context.Context) *harness.Bench {
	p, err := profile.LoadFS(profiles.FS, "sim.yaml")
	if err != nil {
		log.Fatal(err)
	}
	b, err := harness.Open(ctx, p, harness.Options{Process: 1})
	if err != nil {
		log.Fatal(err)
	}
	return b
}

// nextTrackOf expects the media status to show the track after the one it
// shows now.
func nextTrackOf(b *harness.Bench) harness.Expectation {
	now, _ := b.Latest(car.IVI_MediaStatus.Message)
	return harness.Emits(car.IVI_MediaStatus.Message, harness.Signal("TrackIndex", gomega.BeNumerically("==", now.Raw("TrackIndex")+1)))
}

// A bench from a profile: press a steering-wheel button and wait for the
// head unit's reaction on the bus, measured between the two frames' bus
// timestamps.
func Example() {
	ctx := context.Background()
	b := openSim(ctx)
	defer b.Close()

	// car.SWC_Buttons.NextBtn is the typed name of "SWC_Buttons.NextBtn"
	// (dbc/infotainmentref, generated from the DBC).
	r := b.Press(ctx, car.SWC_Buttons.NextBtn).Until(ctx, nextTrackOf(b), time.Second)
	if r.Err != nil {
		log.Fatal(r.Err)
	}
	fmt.Println("the track advanced within its budget:", r.Latency <= b.Budgets["music.next"].Max)
	// Output: the track advanced within its budget: true
}

// Sample a reaction key and judge it against the profile's budget file.
// A sample the bench took while it was itself late is retaken, not
// counted.
func ExampleBench_Sample() {
	ctx := context.Background()
	b := openSim(ctx)
	defer b.Close()

	s, err := b.Sample(ctx, "music.next", 5, func(ctx context.Context) harness.Reaction {
		return b.Press(ctx, car.SWC_Buttons.NextBtn).Until(ctx, nextTrackOf(b), time.Second)
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(s.Samples), "samples; verdict:", b.Budgets.Judge("music.next", s.Stats()))
	// Output: 5 samples; verdict: <nil>
}
