// Command cangen runs einride's `cantool generate` (pinned by the tool line
// in go.mod) on one of the project's DBC files and writes its Go code with
// the canonical "// Code generated ... DO NOT EDIT." line first: cantool
// writes its own marker further down, where go vet, gopls and linters do not
// look for it. With -refs it writes the typed message and signal
// references (package dbc/ref's types) instead.
//
//	go run ./internal/cangen network/infotainment.dbc infotainmentcan/infotainment.dbc.go
//	go run ./internal/cangen -refs network/infotainment.dbc infotainmentref/infotainment.refs.go
//
// Run from the directory that holds the DBC's folder, so that the source path
// recorded in the generated code does not depend on the machine.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/codegen"
)

func main() {
	refs := flag.Bool("refs", false, "write the typed references, not the codecs")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: cangen [-refs] DBC OUTPUT.go")
		os.Exit(2)
	}
	if err := run(*refs, flag.Arg(0), flag.Arg(1)); err != nil {
		fmt.Fprintln(os.Stderr, "cangen:", err)
		os.Exit(1)
	}
}

func run(refs bool, dbcPath, out string) error {
	if !refs {
		return codegen.Run(context.Background(), dbcPath, out)
	}
	src, err := os.ReadFile(dbcPath)
	if err != nil {
		return err
	}
	db, err := candb.Parse(dbcPath, src)
	if err != nil {
		return err
	}
	return codegen.Refs(db, codegen.Network(dbcPath)+"ref", out)
}
