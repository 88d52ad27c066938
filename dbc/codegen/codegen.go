// Package codegen makes Go codecs from a DBC file with einride's `cantool
// generate`: it normalises the file first (candb.Write), so that files
// einride's strict parser refuses still generate, says exactly why when
// einride's codecs cannot carry the network, and puts the canonical
// "// Code generated ... DO NOT EDIT." line first.
package codegen

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"unicode"

	"github.com/cockpit-hil/hil/dbc/candb"
	"golang.org/x/tools/go/ast/astutil"
)

// Limits returns why einride's generated codecs cannot carry the database,
// one reason a line; none when they can.
func Limits(db *candb.Database) []string {
	var why []string
	ident := func(what, name string) {
		for i, r := range name {
			if !(unicode.IsLetter(r) || r == '_' || i > 0 && unicode.IsDigit(r)) {
				why = append(why, fmt.Sprintf("%s %q is not a Go identifier", what, name))
				return
			}
		}
	}
	for _, m := range db.Messages {
		ident("message", m.Name)
		if m.Length > 8 {
			why = append(why, fmt.Sprintf("message %s has %d bytes: einride's codecs carry at most 8 (no CAN FD)", m.Name, m.Length))
		}
		switches := 0
		for _, s := range m.Signals {
			ident("signal "+m.Name+".", s.Name)
			if s.IsMultiplexer {
				switches++
			}
			if len(s.MuxRanges) > 1 || len(s.MuxRanges) == 1 && s.MuxRanges[0].Lo != s.MuxRanges[0].Hi {
				why = append(why, fmt.Sprintf("signal %s.%s is selected by a range of multiplexer values: einride knows simple multiplexing only", m.Name, s.Name))
			}
			if s.FloatBits == 64 {
				why = append(why, fmt.Sprintf("signal %s.%s is a 64-bit float: einride's codecs carry 32-bit floats only", m.Name, s.Name))
			}
		}
		if switches > 1 {
			why = append(why, fmt.Sprintf("message %s has %d multiplexers: einride knows one per message", m.Name, switches))
		}
		if _, clash := m.Signal(m.Name); clash {
			why = append(why, fmt.Sprintf("message %s has a signal of the same name: einride's generated node types then clash", m.Name))
		}
	}
	return why
}

// Generate writes the Go codecs of db to outFile. cantool runs the way the
// module pins it when run inside this project, or at the version hil was
// built with otherwise.
func Generate(ctx context.Context, db *candb.Database, outFile string) error {
	if why := Limits(db); len(why) > 0 {
		return fmt.Errorf("generate %s: einride's codecs cannot carry this network:\n  %s", db.File, strings.Join(why, "\n  "))
	}
	dedupeChoices(db)
	tmp, err := os.MkdirTemp("", "hil-codegen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	name := Network(db.File)
	in := filepath.Join(tmp, "in")
	if err := os.MkdirAll(in, 0o755); err != nil {
		return err
	}
	var norm bytes.Buffer
	if err := db.Write(&norm); err != nil {
		return err
	}
	dbcFile := filepath.Join(in, name+".dbc")
	if err := os.WriteFile(dbcFile, norm.Bytes(), 0o644); err != nil {
		return err
	}
	code, err := cantool(ctx, in, tmp, name)
	if err != nil {
		return fmt.Errorf("generate %s: %w", db.File, err)
	}
	return writeGenerated(code, filepath.ToSlash(db.File), outFile)
}

// Network is the name Generate gives a DBC file's network: its base name
// in lower case, letters and digits only ("Audi A4.dbc" → "audia4"). The
// codecs' package is the name and "can", the references' the name and
// "ref".
func Network(dbcFile string) string {
	base := strings.TrimSuffix(filepath.Base(dbcFile), filepath.Ext(dbcFile))
	name := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, base)
	if name == "" || unicode.IsDigit(rune(name[0])) {
		name = "network" + name
	}
	return name
}

// Run runs cantool generate on one DBC file as it is (the project's own
// files need no normalising) and writes its code with the canonical header.
func Run(ctx context.Context, dbcPath, outFile string) error {
	name := strings.TrimSuffix(filepath.Base(dbcPath), filepath.Ext(dbcPath))
	tmp, err := os.MkdirTemp("", "hil-codegen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	code, err := cantool(ctx, filepath.Dir(dbcPath), tmp, name)
	if err != nil {
		return fmt.Errorf("generate %s: %w", dbcPath, err)
	}
	return writeGenerated(code, filepath.ToSlash(dbcPath), outFile)
}

func cantool(ctx context.Context, inDir, outDir, name string) ([]byte, error) {
	args := []string{"tool", "cantool", "generate", inDir, outDir}
	if !insideProject() {
		args = []string{"run", "go.einride.tech/can/cmd/cantool@" + einrideVersion(), "generate", inDir, outDir}
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if _, err := cmd.Output(); err != nil {
		if errors := strings.TrimSpace(stderr.String()); errors != "" {
			return nil, fmt.Errorf("cantool generate: %w: %s", err, errors)
		}
		return nil, fmt.Errorf("cantool generate (needs the Go toolchain on PATH): %w", err)
	}
	return os.ReadFile(filepath.Join(outDir, name+".dbc.go"))
}

// insideProject reports whether `go tool cantool` resolves here: the working
// directory is in this module, whose go.mod pins cantool.
func insideProject() bool {
	out, err := exec.Command("go", "list", "-m").Output()
	return err == nil && strings.TrimSpace(string(out)) == "github.com/cockpit-hil/hil"
}

func einrideVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "go.einride.tech/can" {
				return d.Version
			}
		}
	}
	return "v0.17.0"
}

func writeGenerated(code []byte, source, outFile string) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by cantool generate from %s. DO NOT EDIT.\n\n", source)
	b.Write(code)
	formatted, err := dropUnusedImports(b.Bytes())
	if err != nil {
		return fmt.Errorf("format generated code for %s: %w", source, err)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), outFile, formatted, parser.AllErrors); err != nil {
		return fmt.Errorf("generated code for %s does not parse: %w", source, err)
	}
	if err := os.MkdirAll(filepath.Dir(outFile), 0o755); err != nil {
		return err
	}
	return os.WriteFile(outFile, formatted, 0o644)
}

var nonAlphaNumeric = regexp.MustCompile("[^a-zA-Z0-9]+")

// dedupeChoices gives every value name of a signal its own Go constant, as
// einride names them (the name without non-alphanumerics): a second "Unused"
// becomes "Unused3" after its value. A value a signed signal cannot hold
// as written (254 in 8 signed bits) is written as the same bits, signed (-2).
func dedupeChoices(db *candb.Database) {
	for _, m := range db.Messages {
		for _, s := range m.Signals {
			seen := map[string]bool{}
			for i := range s.Choices {
				c := &s.Choices[i]
				if s.Signed && s.Length < 64 && c.Value >= 1<<uint(s.Length-1) && c.Value < 1<<uint(s.Length) {
					c.Value -= 1 << uint(s.Length)
				}
				slug := nonAlphaNumeric.ReplaceAllString(c.Name, "")
				if slug == "" || seen[slug] {
					c.Name = fmt.Sprintf("%s%d", slug, c.Value)
					if c.Value < 0 {
						c.Name = fmt.Sprintf("%sMinus%d", slug, -c.Value)
					}
					slug = c.Name
				}
				seen[slug] = true
			}
		}
	}
}

// dropUnusedImports removes imports the generated file does not use:
// einride imports cantext even where no message needs it.
func dropUnusedImports(src []byte) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	var unused []*ast.ImportSpec
	for _, imp := range f.Imports {
		path := strings.Trim(imp.Path.Value, `"`)
		name := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			name = imp.Name.Name
		}
		if !used[name] && name != "_" {
			unused = append(unused, imp)
		}
	}
	for _, imp := range unused {
		astutil.DeleteNamedImport(fset, f, nameOrEmpty(imp), strings.Trim(imp.Path.Value, `"`))
	}
	var b bytes.Buffer
	if err := format.Node(&b, fset, f); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func nameOrEmpty(imp *ast.ImportSpec) string {
	if imp.Name != nil {
		return imp.Name.Name
	}
	return ""
}
