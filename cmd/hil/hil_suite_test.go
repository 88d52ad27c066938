package main_test

import (
	"testing"

	"github.com/cockpit-hil/hil/internal/specs"
	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega/gexec"
)

func TestHilSuite(t *testing.T) { specs.Run(t, "hil") }

// hil is the CLI under test (specs.Hil).
var hil string

var _ = BeforeSuite(func() {
	hil = specs.Hil()
	DeferCleanup(gexec.CleanupBuildArtifacts)
})
