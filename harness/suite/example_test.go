package suite_test

import (
	"testing"

	car "github.com/cockpit-hil/hil/dbc/infotainmentref"
	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/cockpit-hil/hil/harness/suite"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
)

// kit is the suite's bench with its helpers, one per Ginkgo process.
var kit suite.Suite

// A suite on the kit: the test function loads the profile and runs the
// specs; the kit opens the bench before the first spec, guards each (the
// continuous checks, the bench's own timing, evidence on failure) and
// checks at the end that every key of the budget file has a spec. `hil
// init` writes such a module for a DBC of your own; examples/oem is one.
func Example() {
	_ = ginkgo.Describe("music", func() {
		ginkgo.It("advances the track within its budget", suite.Covers("music.next"), func(ctx ginkgo.SpecContext) {
			next := harness.Emits(car.IVI_MediaStatus.Message, harness.Signal("TrackIndex", gomega.BeNumerically(">", 0)))
			gomega.Expect(kit.Press(ctx, car.SWC_Buttons.NextBtn)).To(kit.Within("music.next", next))
		})
	})
	// In the suite's _test.go file:
	_ = func(t *testing.T) {
		p, err := profile.Load("profile.yaml")
		if err != nil {
			t.Fatal(err)
		}
		kit.Configure(suite.Config{Profile: p, Evidence: "out/evidence"})
		kit.Register()
		gomega.RegisterFailHandler(ginkgo.Fail)
		ginkgo.RunSpecs(t, "my head unit")
	}
}
