package canlink_test

import (
	"testing"

	"github.com/cockpit-hil/hil/internal/specs"
)

func TestCanlinkSuite(t *testing.T) { specs.Run(t, "canlink") }
