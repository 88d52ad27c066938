package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/cockpit-hil/hil/internal/specs"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("hil decode beside cantools decode --single-line", func() {
	decode := func(dbcFile, log string) string {
		GinkgoHelper()
		out, err := exec.Command(hil, "decode", "--dbc", specs.Corpus(filepath.Join("dbc", "cantools", dbcFile)), specs.Corpus(filepath.Join("logs", "cantools", log))).Output()
		Expect(err).NotTo(HaveOccurred())
		return string(out)
	}
	// The expected lines are cantools' own, from its tests/test_command_line.py
	// (test_single_line_decode and test_single_line_decode_log_format,
	// without --prune), for the very input files in the corpus.
	const sonars = ":: SENSOR_SONARS(SENSOR_SONARS_mux: 0, SENSOR_SONARS_err_count: 15, SENSOR_SONARS_left: 0.0, SENSOR_SONARS_middle: 0.0, SENSOR_SONARS_right: 0.0, SENSOR_SONARS_rear: 0.0)"
	const heartbeat = ":: DRIVER_HEARTBEAT(DRIVER_HEARTBEAT_cmd: 240)"
	const debug = ":: IO_DEBUG(IO_DEBUG_test_unsigned: 1, IO_DEBUG_test_enum: 'IO_DEBUG_test2_enum_two', IO_DEBUG_test_signed: 3, IO_DEBUG_test_float: 2.0)"
	const unknown = ":: Unknown frame id 499 (0x1f3)"

	It("decodes candump's screen format as cantools does", func() {
		Expect(decode("socialledge.dbc", "test_command_line_L79_candump-default.log")).To(Equal(strings.Join([]string{
			"  vcan0  0C8   [8]  F0 00 00 00 00 00 00 00 " + sonars,
			"  vcan0  064   [10]  F0 01 FF FF FF FF FF FF FF FF " + heartbeat,
			"  vcan0  ERROR",
			"",
			"  vcan0  1F4   [4]  01 02 03 04 " + debug,
			"  vcan0  1F3   [3]  01 02 03 " + unknown,
			"",
		}, "\n")))
	})

	It("decodes candump's log format as cantools does", func() {
		Expect(decode("socialledge.dbc", "test_command_line_L332_candump-L.log")).To(Equal(strings.Join([]string{
			"(1594172461.968006) vcan0 0C8#F000000000000000 " + sonars,
			"(1594172462.126542) vcan0 064#F001FFFFFFFFFFFFFFFF " + heartbeat,
			"(1594172462.127684) vcan0 ERROR",
			"",
			"(1594172462.356874) vcan0 1F4#01020304 " + debug,
			"(1594172462.688432) vcan0 1F3#010203 " + unknown,
			"",
		}, "\n")))
	})

	It("decodes Motorola signals with value names and units as cantools' README shows", func() {
		cmd := exec.Command(hil, "decode", "--dbc", specs.Corpus("dbc/cantools/motohawk.dbc"))
		cmd.Stdin = strings.NewReader("  vcan0  1F0   [8]  80 4A 0F 00 00 00 00 00\n")
		out, err := cmd.Output()
		Expect(err).NotTo(HaveOccurred())
		Expect(string(out)).To(Equal("  vcan0  1F0   [8]  80 4A 0F 00 00 00 00 00 :: ExampleMessage(Enable: 'Enabled' -, AverageRadius: 0.0 m, Temperature: 255.92 degK)\n"))
	})

	It("decodes a Vector ASC trace as it decodes a candump log (and reads stdin's format by its header)", func() {
		asc := "date Tue Nov 24 01:02:03.456 2026\nbase hex  timestamps absolute\nBegin Triggerblock\n   0.100000 1  1F0             Rx   d 8 80 4A 0F 00 00 00 00 00\nEnd TriggerBlock\n"
		file := filepath.Join(GinkgoT().TempDir(), "trace.asc")
		Expect(os.WriteFile(file, []byte(asc), 0o644)).To(Succeed())
		want := MatchRegexp(`^\(\d+\.556000\) can0 1F0#804A0F0000000000 :: ExampleMessage\(Enable: 'Enabled' -, AverageRadius: 0\.0 m, Temperature: 255\.92 degK\)\n$`)
		out, err := exec.Command(hil, "decode", "--dbc", specs.Corpus("dbc/cantools/motohawk.dbc"), file).Output()
		Expect(err).NotTo(HaveOccurred())
		Expect(string(out)).To(want)
		cmd := exec.Command(hil, "decode", "--dbc", specs.Corpus("dbc/cantools/motohawk.dbc"))
		cmd.Stdin = strings.NewReader(asc)
		out, err = cmd.Output()
		Expect(err).NotTo(HaveOccurred())
		Expect(string(out)).To(want)
	})

	It("gives every corpus DBC a verdict and fails only the broken one", func() {
		files, _ := filepath.Glob(specs.Corpus("dbc/cantools/*"))
		out, err := exec.Command(hil, append([]string{"dbc", "check"}, files...)...).Output()
		Expect(err).To(HaveOccurred(), "issue_199_extended.dbc cannot be read, so the exit status is 1")
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		Expect(lines).To(HaveLen(len(files)))
		bad := 0
		for _, l := range lines {
			if !strings.Contains(l, ": ok") {
				bad++
				Expect(l).To(MatchRegexp(`issue_199_extended\.dbc:45: extended frame ID 0x7FFFFFFF`))
			}
		}
		Expect(bad).To(Equal(1))
	})
})
