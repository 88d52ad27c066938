package main_test

import (
	"os/exec"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
)

var _ = Describe("the hil command line", func() {
	DescribeTable("answers mistakes with the exit status and a message that names them",
		func(code int, want string, args ...string) {
			s, err := gexec.Start(exec.Command(hil, args...), GinkgoWriter, GinkgoWriter)
			Expect(err).NotTo(HaveOccurred())
			Eventually(s, 10).Should(gexec.Exit(code))
			Expect(string(s.Err.Contents()) + string(s.Out.Contents())).To(ContainSubstring(want))
		},
		Entry("no command", 2, "usage: hil COMMAND"),
		Entry("unknown command", 2, `unknown command "dumpp"`, "dumpp"),
		Entry("dump without interface", 2, "no interface given", "dump"),
		Entry("bad timestamp type", 2, `-t "q": want a, A, d or z`, "dump", "-tq", "vcan0"),
		Entry("bad filter", 1, `want ID:MASK`, "dump", "virtual,123"),
		Entry("bad frame", 1, `parse frame "123#0": odd number of hex digits`, "send", "virtual", "123#0"),
		Entry("record without output", 2, "no output file", "record", "vcan0"),
		Entry("replay with a bad assignment", 2, `assignment "vcan0": want DEST=SRC`, "replay", "vcan0"),
		Entry("replay of a missing file", 1, "open trace", "replay", "-I", "/nonexistent.log"),
		Entry("missing interface", 1, "ip link add nosuch0 type vcan", "send", "nosuch0", "123#00"),
		Entry("help", 0, "hil send [--dbc FILE] [--e2e SPEC] IFACE FRAME", "send", "-h"),
		Entry("misspelt signal", 1, `no signal "NxtBtn" in SWC_Buttons; did you mean NextBtn?`, "send", "virtual", "SWC_Buttons.NxtBtn=1"),
		Entry("value out of range", 1, "out of range [0, 655.35] km/h", "send", "virtual", "ESP_VehicleSpeed.VehicleSpeed=999"),
		Entry("dbc check without files", 2, "no DBC file given", "dbc", "check"),
		Entry("run with an unknown profile", 2, "profile nosuch: no such file, and not a built-in profile (bench-can0, ci-vcan, sim)", "run", "--profile", "nosuch"),
		Entry("run with a misspelt reaction key", 2, `music.nxt`, "run", "--sim-latency", "music.nxt=400ms"),
		Entry("run with simulator settings on a real head unit", 2, "the DUT is a real head unit; --sim-latency and --sim-fault set the simulator", "run", "--profile", "bench-can0", "--sim-fault", "heartbeat=stop-after:2s"),
		Entry("run help", 0, "hil run [--profile FILE|NAME]", "run", "-h"),
	)

	It("takes flags after the interface and getopt's attached values, as can-utils", func() {
		s, err := gexec.Start(exec.Command(hil, "dump", "virtual", "-ta", "-T", "50"), GinkgoWriter, GinkgoWriter)
		Expect(err).NotTo(HaveOccurred())
		Eventually(s, 10).Should(gexec.Exit(0), "-T 50 ends a silent dump after 50 ms")
	})
})
