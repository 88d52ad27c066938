package canraw_test

import (
	"testing"

	"github.com/cockpit-hil/hil/internal/specs"
)

func TestCanrawSuite(t *testing.T) { specs.Run(t, "canraw") }
