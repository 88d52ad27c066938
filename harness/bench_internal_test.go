package harness

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockpit-hil/hil/can/candial"
	"github.com/cockpit-hil/hil/harness/profile"
)

func TestLoadDBLoadsEveryDBCOfTheProfile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.yaml", "{}\n")
	write("extra.dbc", "VERSION \"\"\nBU_: GW\nBO_ 1792 GW_Extra: 1 GW\n SG_ X : 0|8@1+ (1,0) [0|255] \"\" Vector__XXX\n")
	write("twice.dbc", "VERSION \"\"\nBU_: GW\nBO_ 1793 SWC_Buttons: 1 GW\n SG_ X : 0|8@1+ (1,0) [0|255] \"\" Vector__XXX\n")
	for _, c := range []struct {
		dbc, want string
	}{
		{"[builtin:infotainment, extra.dbc]", ""},
		{"[builtin:infotainment, twice.dbc]", "message SWC_Buttons is defined in both infotainment.dbc (built in) and " + filepath.Join(dir, "twice.dbc")},
	} {
		write("p.yaml", "name: two DBCs\nbus: {interface: virtual}\ndbc: "+c.dbc+"\ndut: {node: IVI, kind: simulator}\nbudgets: b.yaml\n")
		p, err := profile.Load(filepath.Join(dir, "p.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		db, err := loadDB(p)
		if c.want != "" {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, want %q", c.dbc, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.dbc, err)
		}
		for _, m := range []string{"SWC_Buttons", "GW_Extra"} {
			if _, ok := db.Message(m); !ok {
				t.Errorf("%s: no %s in the merged network", c.dbc, m)
			}
		}
	}
}

func TestApplyBusRefusesSettingsABusCannotTake(t *testing.T) {
	for _, c := range []struct {
		bus   profile.Bus
		iface string
		want  string // "" for no error
	}{
		{profile.Bus{}, "can0", ""}, // nothing to set: the adapter is left as it is
		{profile.Bus{Bitrate: 500000}, "virtual", "bus virtual: has no controller for the profile's bus settings (bitrate 500000"},
		{profile.Bus{FD: true}, "udp:239.1.2.3:20000", "has no controller"},
		{profile.Bus{Bitrate: 500000}, "nosuchcan9", "bus nosuchcan9: read the adapter's settings"},
	} {
		addr, err := candial.Parse(c.iface)
		if err != nil {
			t.Fatal(err)
		}
		err = applyBus(t.Context(), c.bus, addr)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%+v on %s: %v, want %q", c.bus, c.iface, err, c.want)
		}
	}
}

func TestADUTKindWithoutADriverSaysWhatToImport(t *testing.T) {
	_, err := driverFor("no-such-kind")
	if err == nil || !strings.Contains(err.Error(), "no driver for dut.kind no-such-kind (registered: [") {
		t.Errorf("a kind without a driver: %v", err)
	}
	// This test binary links headunit/simdut (the external tests import
	// it), so the simulator's hint is checked on its own.
	if h := missingDriverHint(profile.Simulator); !strings.Contains(h, `import _ "github.com/cockpit-hil/hil/headunit/simdut"`) {
		t.Errorf("the simulator's hint: %q", h)
	}
	RegisterDUT("test-kind", nil)
	if d, err := driverFor("test-kind"); err != nil || d != nil {
		t.Errorf("a registered kind: %v, %v", d, err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a kind registered twice did not panic")
		}
	}()
	RegisterDUT("test-kind", nil)
}
