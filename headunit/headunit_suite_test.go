package headunit_test

import (
	"testing"

	"github.com/cockpit-hil/hil/internal/specs"
)

func TestHeadunitSuite(t *testing.T) { specs.Run(t, "headunit") }
