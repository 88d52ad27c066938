package codegen_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/codegen"
	"github.com/cockpit-hil/hil/internal/specs"
)

// TestEveryLoadableCorpusFileGeneratesOrSaysWhy generates codecs for every
// corpus DBC that loads and compiles them all; where einride cannot carry a
// network, the reasons must be given instead. The typed references of every
// file that loads compile too.
func TestEveryLoadableCorpusFileGeneratesOrSaysWhy(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles generated code for the whole corpus")
	}
	dir, err := specs.CorpusDir()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "dbc", "cantools", "*"))
	out, err := os.MkdirTemp("testdata", "gen")
	if err != nil {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		out, err = os.MkdirTemp("testdata", "gen")
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.RemoveAll("testdata") })
	generated, refused := 0, 0
	var pkgs []string
	for i, f := range files {
		db, err := candb.Load(f)
		if err != nil {
			continue
		}
		pkg := filepath.Join(out, "p"+strings.TrimSpace(string(rune('a'+i/26)))+string(rune('a'+i%26)))
		// Typed references carry every network, einride's limits or not.
		if err := codegen.Refs(db, filepath.Base(pkg)+"ref", filepath.Join(pkg+"ref", "refs.go")); err != nil {
			t.Errorf("%s: references: %v", filepath.Base(f), err)
		} else {
			pkgs = append(pkgs, "./"+filepath.ToSlash(pkg+"ref"))
		}
		err = codegen.Generate(context.Background(), db, filepath.Join(pkg, "codec.go"))
		if err != nil {
			if why := codegen.Limits(db); len(why) == 0 {
				t.Errorf("%s: generation failed without a stated limit: %v", filepath.Base(f), err)
			}
			refused++
			continue
		}
		generated++
		pkgs = append(pkgs, "./"+filepath.ToSlash(pkg))
	}
	cmd := exec.Command("go", append([]string{"build"}, pkgs...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generated code does not compile: %v\n%s", err, b)
	}
	t.Logf("corpus: %d files generate compiling code, %d say why einride cannot carry them", generated, refused)
}

// References name every message and signal that is a Go identifier, and
// say which are not; a signal called Message moves the message's own name.
func TestRefsNameWhatGoCanName(t *testing.T) {
	const dbc = `VERSION ""
BU_: A
BO_ 256 Ctl: 2 A
 SG_ Message : 0|4@1+ (1,0) [0|15] "" A
 SG_ type : 4|4@1+ (1,0) [0|15] "" A
 SG_ Level : 8|8@1+ (0.5,0) [0|127] "%" A
VAL_ 256 Level 0 "Off" 1 "Low" ;
`
	db, err := candb.Parse("net/ctl.dbc", []byte(dbc))
	if err != nil {
		t.Fatal(err)
	}
	src, err := codegen.RefsSource(db, "ctlref")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"package ctlref",
		`Message_: "Ctl",`,
		`Message:  "Ctl.Message",`,
		`Level:    "Ctl.Level",`,
		`// signal "type" is not a Go identifier: name it with a string`,
		"Level    ref.Signal // 8 bit, %: Off, Low",
	} {
		if !strings.Contains(string(src), want) {
			t.Errorf("references lack %q:\n%s", want, src)
		}
	}
}
