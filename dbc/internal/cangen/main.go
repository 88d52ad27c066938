// Command cangen runs einride's `cantool generate` (pinned by the tool line
// in go.mod) on one of the project's DBC files and writes its Go code with
// the canonical "// Code generated ... DO NOT EDIT." line first: cantool
// writes its own marker further down, where go vet, gopls and linters do not
// look for it.
//
//	go run ./internal/cangen network/infotainment.dbc infotainmentcan/infotainment.dbc.go
//
// Run from the directory that holds the DBC's folder, so that the source path
// recorded in the generated code does not depend on the machine.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/cockpit-hil/hil/dbc/codegen"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: cangen DBC OUTPUT.go")
		os.Exit(2)
	}
	if err := codegen.Run(context.Background(), os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "cangen:", err)
		os.Exit(1)
	}
}
