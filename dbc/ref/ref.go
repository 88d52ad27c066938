// Package ref names a DBC's messages and signals with Go values, so that a
// misspelled name is a compile error. `hil dbc generate` writes a package
// of them beside the codecs (dbc/infotainmentref for the reference
// network):
//
//	bench.Press(ctx, ivi.SWC_Buttons.NextBtn)
//	bench.Change(ctx, ivi.TCU_Gear.Gear.Is("R"))
//
// The types are strings, so names typed as constants ("SWC_Buttons.NextBtn")
// still work, and a name built at run time (for a DBC loaded at run time)
// is converted: ref.Signal("SWC_Buttons." + button).
package ref

import (
	"fmt"
	"strings"
)

// Message names a message: "SWC_Buttons".
type Message string

// Signal names a signal as MESSAGE.SIGNAL: "SWC_Buttons.NextBtn".
type Signal string

// Assignment sets a signal as MESSAGE.SIGNAL=VALUE, the value a number or
// a value-table name: "TCU_Gear.Gear=R", "ESP_VehicleSpeed.VehicleSpeed=30".
type Assignment string

// Message is the message the signal is in.
func (s Signal) Message() Message {
	m, _, _ := strings.Cut(string(s), ".")
	return Message(m)
}

// Name is the signal's name within its message.
func (s Signal) Name() string {
	_, n, _ := strings.Cut(string(s), ".")
	return n
}

// Is assigns the signal a value: a value-table name ("R") or a number
// ("30", 30, 0.5).
func (s Signal) Is(value any) Assignment {
	return Assignment(fmt.Sprintf("%s=%v", s, value))
}
