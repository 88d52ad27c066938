package harness_test

import (
	"testing"

	"github.com/cockpit-hil/hil/internal/specs"
)

func TestHarnessSuite(t *testing.T) { specs.Run(t, "harness") }
