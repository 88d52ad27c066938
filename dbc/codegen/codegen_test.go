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
// network, the reasons must be given instead.
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
