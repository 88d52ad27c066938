// Package scaffold writes the Go module of a new suite for a user's head
// unit and network (`hil init`): go.mod, the DBC, its generated codecs and
// typed references, a bench profile, a budget file and a Ginkgo suite on
// the kit (harness/suite) with one spec per message the DUT sends, so the
// module passes `go vet` and `go test` from its first minute and each
// spec shows how the next one is written.
package scaffold

import (
	"bytes"
	"context"
	"fmt"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/codegen"
	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/cockpit-hil/hil/internal/suggest"
)

// Options say what the module is for.
type Options struct {
	Dir    string // where the module goes: a new or empty directory
	Module string // its module path ("" is example.com/<base of Dir>)
	// DBCName and DBC are the network's DBC file: its name as the module
	// keeps it, and its text.
	DBCName string
	DBC     []byte
	Node    string // the DUT's node in the DBC
	Kind    string // dut.kind: simulator, process, bench or a registered one
	Bus     string // the bus interface ("" is virtual for a simulator, can0 otherwise)
	// Hil is the directory of a hil checkout the module's go.mod replaces
	// github.com/cockpit-hil/hil with ("" requires it from the proxy).
	Hil string
	// Tidy runs `go mod tidy` in the module once it is written, so that
	// go.sum is complete.
	Tidy bool
}

// Write writes the module and returns the files it wrote.
func Write(ctx context.Context, o Options) ([]string, error) {
	if entries, err := os.ReadDir(o.Dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("init %s: the directory is not empty; give a new one", o.Dir)
	}
	db, err := candb.Parse(o.DBCName, o.DBC)
	if err != nil {
		return nil, fmt.Errorf("init %s: %w", o.Dir, err)
	}
	sent, err := dutMessages(db, o.Node)
	if err != nil {
		return nil, fmt.Errorf("init %s: %w", o.Dir, err)
	}
	if o.Module == "" {
		o.Module = "example.com/" + strings.ToLower(filepath.Base(o.Dir))
	}
	if o.Kind == "" {
		o.Kind = profile.Bench
	}
	if o.Bus == "" {
		o.Bus = "can0"
		if o.Kind == profile.Simulator {
			o.Bus = "virtual"
		}
	}
	network := codegen.Network(o.DBCName)
	dbcFile := filepath.Join("dbc", filepath.Base(o.DBCName))
	m := model{Options: o, Network: network, DBCFile: filepath.ToSlash(dbcFile), Package: goPackage(filepath.Base(o.Dir))}
	for _, msg := range sent {
		m.Messages = append(m.Messages, message{Name: msg.Name, Cycle: msg.CycleTime, Ident: token.IsIdentifier(msg.Name)}) // as the references name it (codegen)
	}
	m.Codecs = len(codegen.Limits(db)) == 0
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("init: %w", err)
	}
	var written []string
	write := func(rel string, text []byte) error {
		path := filepath.Join(o.Dir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		written = append(written, path)
		return os.WriteFile(path, text, 0o644)
	}
	if err := write(dbcFile, o.DBC); err != nil {
		return written, fmt.Errorf("init: %w", err)
	}
	for _, f := range []struct{ rel, tmpl string }{
		{"go.mod", goMod}, {"profile.yaml", profileYAML}, {"budgets.yaml", budgetsYAML},
		{"suite_test.go", suiteGo}, {"README.md", readme},
	} {
		text, err := render(f.tmpl, m)
		if err != nil {
			return written, fmt.Errorf("init: %s: %w", f.rel, err)
		}
		if err := write(f.rel, text); err != nil {
			return written, fmt.Errorf("init: %w", err)
		}
	}
	// The generated code names the DBC as the module keeps it.
	db.File = m.DBCFile
	refs := filepath.Join(o.Dir, network+"ref", network+".refs.go")
	if err := codegen.Refs(db, network+"ref", refs); err != nil {
		return written, fmt.Errorf("init: %w", err)
	}
	written = append(written, refs)
	if m.Codecs {
		codecs := filepath.Join(o.Dir, network+"can", network+".dbc.go")
		if err := codegen.Generate(ctx, db, codecs); err != nil {
			return written, fmt.Errorf("init: %w", err)
		}
		written = append(written, codecs)
	}
	if o.Tidy {
		cmd := exec.CommandContext(ctx, "go", "mod", "tidy")
		cmd.Dir = o.Dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return written, fmt.Errorf("init: go mod tidy in %s: %w\n%s", o.Dir, err, out)
		}
		written = append(written, filepath.Join(o.Dir, "go.sum"))
	}
	return written, nil
}

// dutMessages are the messages node sends, by name; an error names the
// closest sender when node sends nothing.
func dutMessages(db *candb.Database, node string) ([]*candb.Message, error) {
	var sent []*candb.Message
	senders := map[string]bool{}
	for _, m := range db.Messages {
		for _, s := range m.Senders {
			senders[s] = true
		}
		if slices.Contains(m.Senders, node) {
			sent = append(sent, m)
		}
	}
	if len(sent) == 0 {
		names := slices.Sorted(func(yield func(string) bool) {
			for s := range senders {
				if !yield(s) {
					return
				}
			}
		})
		return nil, fmt.Errorf("%s: node %q sends no message%s (senders: %s)", db.File, node, suggest.Closest(node, names), strings.Join(names, ", "))
	}
	slices.SortFunc(sent, func(a, b *candb.Message) int { return strings.Compare(a.Name, b.Name) })
	return sent, nil
}

// goPackage is a package name made of a directory's name.
func goPackage(base string) string {
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return -1
	}, base)
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		name = "suite" + name
	}
	return name
}

type model struct {
	Options
	Network, DBCFile, Package string
	Messages                  []message
	Codecs                    bool
}

type message struct {
	Name  string
	Cycle time.Duration
	Ident bool
}

func render(tmpl string, m model) ([]byte, error) {
	t, err := template.New("").Funcs(template.FuncMap{"quote": func(s string) string { return fmt.Sprintf("%q", s) }}).Parse(tmpl)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
