package main_test

import (
	"os"
	"testing"

	"github.com/cockpit-hil/hil/internal/specs"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

func TestHilSuite(t *testing.T) { specs.Run(t, "hil") }

// hil is the CLI under test: HIL_BIN when ci/test built it (the sandbox is
// too slow to build), otherwise built here.
var hil string

var _ = BeforeSuite(func() {
	if hil = os.Getenv("HIL_BIN"); hil != "" {
		return
	}
	var err error
	hil, err = gexec.Build("github.com/cockpit-hil/hil/cmd/hil")
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(gexec.CleanupBuildArtifacts)
})
