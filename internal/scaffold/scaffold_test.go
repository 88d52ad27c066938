package scaffold

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockpit-hil/hil/dbc"
)

func TestWriteMakesTheModule(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ivi")
	files, err := Write(context.Background(), Options{Dir: dir, DBCName: "infotainment.dbc", DBC: dbc.Infotainment, Node: "IVI", Kind: "simulator", Hil: "/src/hil"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"go.mod", "profile.yaml", "budgets.yaml", "suite_test.go", "README.md", "dbc/infotainment.dbc",
		"infotainmentref/infotainment.refs.go", "infotainmentcan/infotainment.dbc.go"} {
		path := filepath.Join(dir, want)
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s not written: %v (wrote %v)", want, err, files)
		}
	}
	for file, wants := range map[string][]string{
		"go.mod":        {"module example.com/ivi", "replace github.com/cockpit-hil/hil => /src/hil"},
		"profile.yaml":  {"interface: virtual", "- dbc/infotainment.dbc", "node: IVI", "kind: simulator"},
		"suite_test.go": {`_ "github.com/cockpit-hil/hil/headunit/simdut"`, `It("sends IVI_Heartbeat every 100ms"`, "car.IVI_NavStatus.Message"},
	} {
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range wants {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s lacks %q:\n%s", file, w, b)
			}
		}
	}
	// A bench DUT links no simulator; a process DUT is told to set its argv.
	bench := filepath.Join(t.TempDir(), "hu")
	if _, err := Write(context.Background(), Options{Dir: bench, DBCName: "infotainment.dbc", DBC: dbc.Infotainment, Node: "IVI", Kind: "process"}); err != nil {
		t.Fatal(err)
	}
	suite, _ := os.ReadFile(filepath.Join(bench, "suite_test.go"))
	prof, _ := os.ReadFile(filepath.Join(bench, "profile.yaml"))
	if strings.Contains(string(suite), "simdut") || !strings.Contains(string(prof), "argv:") || !strings.Contains(string(prof), "interface: can0") {
		t.Errorf("a process DUT's module:\n%s\n%s", suite, prof)
	}
}

func TestWriteRefuses(t *testing.T) {
	full := t.TempDir()
	os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o644)
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"a directory with files", Options{Dir: full, DBCName: "i.dbc", DBC: dbc.Infotainment, Node: "IVI"}, "the directory is not empty"},
		{"a node that sends nothing", Options{Dir: filepath.Join(t.TempDir(), "x"), DBCName: "i.dbc", DBC: dbc.Infotainment, Node: "IV"}, `node "IV" sends no message; did you mean IVI? (senders: BCM, ESP, IVI, SWC, TCU)`},
		{"a DBC that does not parse", Options{Dir: filepath.Join(t.TempDir(), "y"), DBCName: "bad.dbc", DBC: []byte("BO_ x"), Node: "IVI"}, "bad.dbc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Write(context.Background(), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Write = %v, want an error saying %q", err, tc.want)
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(full, "keep.txt")); string(b) != "mine" {
		t.Error("a refused init touched the directory's files")
	}
}
