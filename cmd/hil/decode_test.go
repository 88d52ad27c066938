package main_test

import (
	"fmt"
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
	// without --prune), for the very input files in the corpus, with value
	// names printed as cantools prints them since 37.0.6 (a NamedSignalValue,
	// its name alone; its tests in the corpus predate that).
	const sonars = ":: SENSOR_SONARS(SENSOR_SONARS_mux: 0, SENSOR_SONARS_err_count: 15, SENSOR_SONARS_left: 0.0, SENSOR_SONARS_middle: 0.0, SENSOR_SONARS_right: 0.0, SENSOR_SONARS_rear: 0.0)"
	const heartbeat = ":: DRIVER_HEARTBEAT(DRIVER_HEARTBEAT_cmd: 240)"
	const debug = ":: IO_DEBUG(IO_DEBUG_test_unsigned: 1, IO_DEBUG_test_enum: IO_DEBUG_test2_enum_two, IO_DEBUG_test_signed: 3, IO_DEBUG_test_float: 2.0)"
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
		Expect(string(out)).To(Equal("  vcan0  1F0   [8]  80 4A 0F 00 00 00 00 00 :: ExampleMessage(Enable: Enabled, AverageRadius: 0.0 m, Temperature: 255.92 degK)\n"))
	})

	It("decodes a Vector ASC trace as it decodes a candump log (and reads stdin's format by its header)", func() {
		asc := "date Tue Nov 24 01:02:03.456 2026\nbase hex  timestamps absolute\nBegin Triggerblock\n   0.100000 1  1F0             Rx   d 8 80 4A 0F 00 00 00 00 00\nEnd TriggerBlock\n"
		file := filepath.Join(GinkgoT().TempDir(), "trace.asc")
		Expect(os.WriteFile(file, []byte(asc), 0o644)).To(Succeed())
		want := MatchRegexp(`^\(\d+\.556000\) can0 1F0#804A0F0000000000 :: ExampleMessage\(Enable: Enabled, AverageRadius: 0\.0 m, Temperature: 255\.92 degK\)\n$`)
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

var _ = Describe("hil decode --e2e", func() {
	run := func(stdin string, args ...string) (string, error) {
		GinkgoHelper()
		cmd := exec.Command(hil, append([]string{"decode"}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	It("ends each protected frame's line with E2E ok or E2E bad and why (the reference network)", func() {
		// TCU_Gear: CRC over bytes 1..2 (CRC-8/SAE-J1850), counter in byte 1.
		out, err := run(strings.Join([]string{
			"(1.000000) vcan0 0F8#" + j1850("0003") + "0003", // counter 0, gear D
			"(1.010000) vcan0 0F8#" + j1850("0003") + "0003", // the same counter again
			"(1.020000) vcan0 0F8#FF0103",                    // counter 1, a wrong CRC
			"(1.030000) vcan0 1A0#00000000",                  // another message: its own counter
		}, "\n")+"\n", "--e2e", "reference")
		Expect(err).NotTo(HaveOccurred(), out)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		Expect(lines).To(HaveLen(4))
		Expect(lines[0]).To(HaveSuffix(":: E2E ok"))
		Expect(lines[1]).To(HaveSuffix(":: E2E bad (counter 0 repeated)"))
		Expect(lines[2]).To(MatchRegexp(`:: E2E bad \(CRC 0xFF, want 0x[0-9A-F]{2}\)$`))
		Expect(lines[3]).To(ContainSubstring("SWC_Buttons("))
		Expect(lines[3]).To(MatchRegexp(`:: E2E (ok|bad \(CRC 0x00, want 0x[0-9A-F]{2}\))$`))
	})

	It("judges VW MQB frames from a car by the vw-mqb data-ID lists, and one flipped bit is bad", func() {
		dir := GinkgoT().TempDir()
		dbcFile := filepath.Join(dir, "esp21.dbc")
		Expect(os.WriteFile(dbcFile, []byte(`VERSION ""
BU_: Gateway XXX
BO_ 253 ESP_21: 8 Gateway
 SG_ ESP_21_CRC : 0|8@1+ (1,0) [0|255] "" XXX
 SG_ ESP_21_BZ : 8|4@1+ (1,0) [0|15] "" XXX
`), 0o644)).To(Succeed())
		// The vw-mqb preset's entry for ESP_21, as a file of its own (the
		// preset names messages this excerpt lacks).
		conf := filepath.Join(dir, "esp21.yaml")
		Expect(os.WriteFile(conf, []byte("messages:\n  ESP_21: {scheme: autosar-p02, data_ids: [0xB4, 0xEF, 0xF8, 0x49, 0x1E, 0xE5, 0xC2, 0xC0, 0x97, 0x19, 0x3C, 0xC9, 0xF1, 0x98, 0xD6, 0x61]}\n"), 0o644)).To(Succeed())
		// Captured from a car (github.com/uhi22/tesla-crc, vag/).
		out, err := run("(1.000000) can0 0FD#19D01F8000000300\n(1.020000) can0 0FD#13D11F8000000300\n(1.040000) can0 0FD#DCD21F8000000301\n",
			"--dbc", dbcFile, "--e2e", conf)
		Expect(err).NotTo(HaveOccurred(), out)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		Expect(lines[0]).To(HaveSuffix(":: E2E ok"))
		Expect(lines[1]).To(HaveSuffix(":: E2E ok"))
		Expect(lines[2]).To(HaveSuffix(":: E2E bad (CRC 0xDC, want 0x" + mqbCRC("D21F8000000301", 0xF8) /* counter 2's data ID */ + ")"))
	})

	It("refuses a configuration that does not fit the DBC, naming the line and the closest name", func() {
		out, err := run("", "--e2e", "vw-mqb")
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("preset vw-mqb:11: infotainment.dbc (built in) has no message Airbag_01"))
		out, err = run("", "--e2e", "vw-mbq")
		Expect(err).To(HaveOccurred())
		Expect(out).To(ContainSubstring("did you mean vw-mqb"))
	})
})

// bitwiseCRC8 is a CRC-8 (init and final XOR 0xFF) over hex bytes,
// computed here bit by bit, apart from the code under test.
func bitwiseCRC8(poly byte, hexBytes string, extra ...byte) string {
	crc := byte(0xFF)
	var data []byte
	for i := 0; i+1 < len(hexBytes); i += 2 {
		var b byte
		fmt.Sscanf(hexBytes[i:i+2], "%02X", &b)
		data = append(data, b)
	}
	for _, b := range append(data, extra...) {
		crc ^= b
		for range 8 {
			if crc&0x80 != 0 {
				crc = crc<<1 ^ poly
			} else {
				crc <<= 1
			}
		}
	}
	return fmt.Sprintf("%02X", crc^0xFF)
}

// j1850 is CRC-8/SAE-J1850, the reference network's; mqbCRC is
// CRC-8/AUTOSAR with profile 2's data ID after the bytes.
func j1850(hexBytes string) string               { return bitwiseCRC8(0x1D, hexBytes) }
func mqbCRC(hexBytes string, dataID byte) string { return bitwiseCRC8(0x2F, hexBytes, dataID) }

var _ = Describe("hil encode", func() {
	encode := func(args ...string) (string, error) {
		GinkgoHelper()
		out, err := exec.Command(hil, append([]string{"encode"}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}

	It("builds a frame by signal names without a bus, and re-seals one given", func() {
		out, err := encode("TCU_Gear.Gear=R", "--counter", "3")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(Equal("0F8#" + j1850("0301") + "0301"))
		// A frame given keeps its counter and data; its CRC is made anew.
		out, err = encode("0F8#000301")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(Equal("0F8#" + j1850("0301") + "0301"))
	})

	It("re-seals a VW MQB frame from a car with its CRC byte zeroed into the original", func() {
		dir := GinkgoT().TempDir()
		dbcFile, conf := filepath.Join(dir, "esp21.dbc"), filepath.Join(dir, "esp21.yaml")
		Expect(os.WriteFile(dbcFile, []byte("VERSION \"\"\nBU_: Gateway XXX\nBO_ 253 ESP_21: 8 Gateway\n SG_ ESP_21_CRC : 0|8@1+ (1,0) [0|255] \"\" XXX\n SG_ ESP_21_BZ : 8|4@1+ (1,0) [0|15] \"\" XXX\n"), 0o644)).To(Succeed())
		Expect(os.WriteFile(conf, []byte("messages:\n  ESP_21: {scheme: autosar-p02, data_ids: [0xB4, 0xEF, 0xF8, 0x49, 0x1E, 0xE5, 0xC2, 0xC0, 0x97, 0x19, 0x3C, 0xC9, 0xF1, 0x98, 0xD6, 0x61]}\n"), 0o644)).To(Succeed())
		for _, captured := range []string{"0FD#DCD21F8000000300", "0FD#63DF1F8000000300"} {
			zeroed := "0FD#00" + captured[6:]
			out, err := encode("--dbc", dbcFile, "--e2e", conf, zeroed)
			Expect(err).NotTo(HaveOccurred(), out)
			Expect(out).To(Equal(captured))
		}
	})

	It("tells hil send to a bus where no one listens to use hil encode", func() {
		out, err := exec.Command(hil, "send", "virtual", "TCU_Gear.Gear=R").CombinedOutput()
		Expect(err).To(HaveOccurred())
		Expect(string(out)).To(ContainSubstring("use hil encode TCU_Gear.Gear=R"))
	})
})
