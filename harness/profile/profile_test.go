package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockpit-hil/hil/internal/specs"
)

func profilesDir(t *testing.T) string {
	root, err := specs.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(root, "profiles")
}

func TestShippedProfilesLoad(t *testing.T) {
	for _, tc := range []struct{ file, iface, kind string }{
		{"sim.yaml", "virtual", Simulator},
		{"ci-vcan.yaml", "vcan0", Process},
		{"bench-can0.yaml", "can0", Bench},
	} {
		p, err := Load(filepath.Join(profilesDir(t), tc.file))
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if p.Bus.Interface != tc.iface || p.DUT.Kind != tc.kind || p.DUT.Node != "IVI" {
			t.Errorf("%s: %+v", tc.file, p)
		}
		if _, err := os.Stat(p.Path(p.Budgets)); err != nil {
			t.Errorf("%s: budgets: %v", tc.file, err)
		}
	}
}

func TestMistakesNameLineAndKey(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "budgets"), 0o755)
	os.WriteFile(filepath.Join(dir, "budgets", "b.yaml"), []byte("music.next: {p95: 1s}\n"), 0o644)
	good := "bus:\n  interface: vcan0\ndbc: [builtin:infotainment]\ndut:\n  node: IVI\n  kind: simulator\nbudgets: budgets/b.yaml\n"
	if _, err := Parse(filepath.Join(dir, "p.yaml"), []byte(good)); err != nil {
		t.Fatalf("good profile: %v", err)
	}
	for _, tc := range []struct{ from, to, want string }{
		{"  interface: vcan0", "  interfce: vcan0", `p.yaml:2: unknown key "interfce" in bus; did you mean interface?`},
		{"dut:", "dutt: {}\ndut:", `p.yaml:4: unknown key "dutt" in the profile; did you mean dut?`},
		{"  kind: simulator", "  kind: emulator", `p.yaml:6: dut.kind: "emulator" is not a DUT kind (bench, process, simulator; a driver registers more: harness.RegisterDUT)`},
		{"  kind: simulator", "  kind: process", `p.yaml:5: dut.argv: a process DUT needs the command`},
		{"  interface: vcan0", "  interface: vcan0\n  bitrate: 500000", `p.yaml:3: bus.bitrate: vcan0 has no bitrate`},
		{"budgets/b.yaml", "budgets/none.yaml", `p.yaml:7: budgets: stat`},
		{"dbc: [builtin:infotainment]", "dbc: [oem.dbc]", `p.yaml:3: dbc: oem.dbc: stat`},
		{"  kind: simulator", "  kind: simulator\n  ready: soon", `p.yaml:7: dut.ready: "soon" is not heartbeat, none or event:SERVICE.EVENT[:FIELD=VALUE]`},
		{"  kind: simulator", "  kind: simulator\n  ready: event:running", `p.yaml:7: dut.ready: "event:running": want event:SERVICE.EVENT[:FIELD=VALUE]`},
		{"  kind: simulator", "  kind: process\n  argv: [hil, sim]\n  ready: event:vehicle.power_state", `p.yaml:8: dut.ready: event:vehicle.power_state needs the DUT's event stream: set dut.events`},
		{"  kind: simulator", "  kind: simulator\n  sim:\n    latency: {music.next: 400ms}\n    sede: 3", `p.yaml:9: unknown key "sede" in dut.sim; did you mean seed?`},
	} {
		src := strings.Replace(good, tc.from, tc.to, 1)
		_, err := Parse(filepath.Join(dir, "p.yaml"), []byte(src))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q → %q: got %v, want %q", tc.from, tc.to, err, tc.want)
		}
	}
}
