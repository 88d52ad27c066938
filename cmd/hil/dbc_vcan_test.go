package main_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cockpit-hil/hil/can/canlog"
	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/e2e"
	"github.com/cockpit-hil/hil/internal/specs"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("signals by name on vcan", Label("vcan"), func() {
	It("decodes live with hil dump --dbc", func() {
		iface := specs.VCAN(0)
		dump := start(hil, "dump", "--dbc", "builtin", iface)
		listening()
		run(specs.Tool("cansend"), iface, "0F8#AB0501")
		run(hil, "send", iface, "SWC_Buttons.NextBtn=Pressed")
		run(specs.Tool("cansend"), iface, "555#00")
		out := strings.Split(strings.TrimRight(stop(dump), "\n"), "\n")
		Expect(out).To(HaveLen(3))
		Expect(out[0]).To(Equal("  " + iface + "  0F8   [3]  AB 05 01 :: TCU_Gear(CRC: 171, Counter: 5, Gear: R)"))
		Expect(out[1]).To(ContainSubstring(":: SWC_Buttons(CRC: "))
		Expect(out[1]).To(ContainSubstring("NextBtn: Pressed"))
		Expect(out[2]).To(HaveSuffix(":: Unknown frame id 1365 (0x555)"))
	})

	It("round-trips every message of the reference DBC: hil send --dbc, candump -L, hil decode --dbc", func() {
		iface := specs.VCAN(0)
		dir := GinkgoT().TempDir()
		dbcFile := filepath.Join(dir, "infotainment.dbc")
		Expect(os.WriteFile(dbcFile, dbc.Infotainment, 0o644)).To(Succeed())
		db, err := candb.Parse(dbcFile, dbc.Infotainment)
		Expect(err).NotTo(HaveOccurred())

		// One value per signal, away from the defaults: the last value-table
		// name, or the raw value 5 (or 1 for one bit) in physical units.
		want := map[string][]string{}
		var sends [][]string
		for _, m := range db.Messages {
			args := []string{"send", "--dbc", dbcFile, iface}
			for _, s := range m.Signals {
				if s.Name == "CRC" {
					continue
				}
				var value, shown string
				switch {
				case len(s.Choices) > 0:
					// A value name alone, as cantools prints it since 37.0.6.
					c := s.Choices[len(s.Choices)-1]
					value, shown = c.Name, c.Name
				default:
					raw := 5.0
					if s.Length == 1 {
						raw = 1
					}
					phys := raw*s.Factor + s.Offset
					value = strconv.FormatFloat(phys, 'f', -1, 64)
					shown = value
					if s.Factor != float64(int64(s.Factor)) {
						shown = candb.PythonFloat(phys)
					}
				}
				if s.Unit != "" && len(s.Choices) == 0 {
					shown += " " + s.Unit
				}
				args = append(args, fmt.Sprintf("%s.%s=%s", m.Name, s.Name, value))
				want[m.Name] = append(want[m.Name], s.Name+": "+shown)
			}
			sends = append(sends, args)
		}
		candump := start(specs.Tool("candump"), "-L", iface)
		listening()
		for _, args := range sends {
			run(hil, args...)
		}
		logged := stop(candump)
		Expect(framesOf(logged)).To(HaveLen(len(db.Messages)))

		cmd := exec.Command(hil, "decode", "--dbc", dbcFile)
		cmd.Stdin = strings.NewReader(logged)
		out, err := cmd.Output()
		Expect(err).NotTo(HaveOccurred())
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		Expect(lines).To(HaveLen(len(db.Messages)))
		for i, line := range lines {
			m := db.Messages[i]
			Expect(line).To(ContainSubstring(" :: " + m.Name + "("))
			for _, w := range want[m.Name] {
				Expect(line).To(ContainSubstring(w), "in %s", line)
			}
			rec, err := canlog.ParseLine(line)
			Expect(err).NotTo(HaveOccurred())
			l, err := m.E2E(e2e.DefaultNames)
			Expect(err).NotTo(HaveOccurred())
			Expect(e2e.NewChecker(l).Accept(rec.Frame.Payload())).To(Succeed(), "CRC of %s", line)
		}
	})
})
