package harness_test

import (
	_ "github.com/cockpit-hil/hil/headunit/simdut" // the simulator DUT kind
	"testing"

	"github.com/cockpit-hil/hil/internal/specs"
)

func TestHarnessSuite(t *testing.T) { specs.Run(t, "harness") }
