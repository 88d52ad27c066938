// Package dbc holds the reference vehicle network's DBC files, the single
// source of truth for message IDs, signals, senders and cycle times. Their Go
// codecs are generated (go generate ./dbc/...) into infotainmentcan, its
// typed message and signal references into infotainmentref, and committed;
// ci/test fails when they are stale.
package dbc

import _ "embed"

//go:generate go run ./internal/cangen network/infotainment.dbc infotainmentcan/infotainment.dbc.go
//go:generate go run ./internal/cangen -refs network/infotainment.dbc infotainmentref/infotainment.refs.go

// Infotainment is the reference network's DBC file (network/infotainment.dbc),
// built into the binary so that hil needs no files beside it.
//
//go:embed network/infotainment.dbc
var Infotainment []byte
