// Package specs runs the project's Ginkgo suites with its conventions: the
// label filter may come from HIL_LABEL_FILTER (ci/test runs "!vcan" on the
// host and "vcan" on SocketCAN, one binary for both); specs labelled vcan
// run only with HIL_VCAN set, and there a spec that needs a vcan interface
// gets the one its parallel process owns or fails saying how to make one:
// it never skips.
package specs

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

// Run runs the package's specs; call it from the suite's only Test function.
// Specs labelled vcan run only when HIL_VCAN is set (ci/test sets it where
// it has made the interfaces, and there they never skip); without it they
// are left out, and one line says how to run them.
func Run(t *testing.T, name string) bool {
	RegisterFailHandler(Fail)
	suite, reporter := GinkgoConfiguration()
	if suite.LabelFilter == "" {
		suite.LabelFilter = os.Getenv("HIL_LABEL_FILTER")
	}
	if os.Getenv("HIL_VCAN") == "" {
		suite.LabelFilter = withoutVCAN(suite.LabelFilter)
		fmt.Printf("%s: the specs labelled vcan are skipped: they need SocketCAN; run ./ci/test (it boots a sandbox kernel where this one has no CAN), or HIL_VCAN=1 go test on a kernel with vcan0..vcan3 (sudo ci/vcan-up 4)\n", name)
	}
	return RunSpecs(t, name, suite, reporter)
}

// withoutVCAN narrows a label filter to the specs that need no SocketCAN.
func withoutVCAN(filter string) string {
	if filter == "" {
		return "!vcan"
	}
	return "(" + filter + ") && !vcan"
}

// VCAN returns the i-th vcan interface (i is 0 or 1) owned by this parallel
// process: process N owns vcan(2N-2) and vcan(2N-1). It fails the spec when
// the interface is missing.
func VCAN(i int) string {
	GinkgoHelper()
	name := fmt.Sprintf("vcan%d", 2*(GinkgoParallelProcess()-1)+i)
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		Fail(fmt.Sprintf("%s missing: this spec needs SocketCAN. Run ./ci/test (it boots a sandbox kernel when this one has no CAN), or on a kernel with CAN: sudo ci/vcan-up 4", name))
	}
	if ifi.Flags&net.FlagUp == 0 {
		Fail(fmt.Sprintf("%s is down: sudo ip link set %s up", name, name))
	}
	return name
}

// Tool returns the path of a command the spec needs (candump, cansend, ...),
// failing with how to install it.
func Tool(name string) string {
	GinkgoHelper()
	p, err := exec.LookPath(name)
	if err != nil {
		Fail(fmt.Sprintf("%s missing: run ci/deps (apt-get install can-utils)", name))
	}
	return p
}

// Corpus returns the path of a file in the repository's corpus of
// real-world CAN files (testdata/corpus).
func Corpus(rel string) string {
	GinkgoHelper()
	dir, err := CorpusDir()
	Expect(err).NotTo(HaveOccurred())
	return filepath.Join(dir, rel)
}

// CorpusDir is Corpus's directory, for plain tests: testdata/corpus at
// the module's root (testdata/corpus/README.md says where each file is
// from, and under which licence).
func CorpusDir() (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "testdata", "corpus")
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("corpus missing in the repository (%s): %w", dir, err)
	}
	return dir, nil
}

// ModuleRoot finds the directory holding go.mod, from the working directory up.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

var (
	hilOnce sync.Once
	hilPath string
	hilErr  error
)

// Hil returns the hil binary under test: HIL_BIN when ci/test built it (the
// sandbox is too slow to build), otherwise one built once per process. It
// sets HIL_BIN, so profiles that start "hil" start this one.
func Hil() string {
	GinkgoHelper()
	hilOnce.Do(func() {
		if hilPath = os.Getenv("HIL_BIN"); hilPath == "" {
			hilPath, hilErr = gexec.Build("github.com/cockpit-hil/hil/cmd/hil")
			os.Setenv("HIL_BIN", hilPath)
		}
	})
	Expect(hilErr).NotTo(HaveOccurred())
	return hilPath
}
