// The suite of HU on the network of dbc/oem.dbc, on cockpit-hil's kit.
// Written by hil init (the cycle specs); media_test.go was added by hand.
package oem_test

import (
	"os"
	"testing"
	"time"

	car "example.com/oem/oemref"
	_ "example.com/oem/unit" // the head unit under test, as the DUT kind oem-unit
	"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/cockpit-hil/hil/harness/suite"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// kit is the bench and the helpers the specs use (harness/suite).
var kit suite.Suite

// TestSuite runs the specs against profile.yaml, or HIL_PROFILE.
func TestSuite(t *testing.T) {
	path := "profile.yaml"
	if p := os.Getenv("HIL_PROFILE"); p != "" {
		path = p
	}
	p, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	kit.Configure(suite.Config{Profile: p, Evidence: os.Getenv("HIL_EVIDENCE_DIR")})
	kit.Register()
	RegisterFailHandler(Fail)
	RunSpecs(t, "HU")
}

var _ = Describe("HU", func() {

	It("sends HU_Alive every 100ms", func(ctx SpecContext) {
		Expect(kit.CycleTimes(ctx, car.HU_Alive.Message, 10)).To(harness.HoldCycleTime(0.1))
	}, SpecTimeout(10*time.Second))

	It("sends HU_Media every 100ms", func(ctx SpecContext) {
		Expect(kit.CycleTimes(ctx, car.HU_Media.Message, 10)).To(harness.HoldCycleTime(0.1))
	}, SpecTimeout(10*time.Second))
})
