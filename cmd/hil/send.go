package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/candial"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/e2e"
	"github.com/cockpit-hil/hil/dbc/protection"
)

const sendExamples = `  hil send vcan0 123#DEADBEEF        standard frame
  hil send vcan0 12345678#00.11.22   extended frame, '.' separators
  hil send vcan0 123#R  123#R8       remote frame (with DLC)
  hil send vcan0 123##1112233        CAN FD frame, flags 1 (BRS)
  hil send vcan0 TCU_Gear.Gear=R     a message by signal names (the built-in reference network)
  hil send --dbc oem.dbc can0 ESP_VehicleSpeed.VehicleSpeed=42.5 ESP_VehicleSpeed.SpeedValid=Valid

By name, signals not given take their initial values (GenSigStartValue), and
a Counter and a CRC signal are filled in (CRC-8/SAE-J1850 over the other
bytes, or the scheme --e2e names); --counter sets the counter value. hil
encode makes the same frame without a bus.
`

func runSend(ctx context.Context, args []string, _ io.Reader, _, stderr io.Writer) error {
	fs := newFlags("send", "[--dbc FILE] [--e2e SPEC] IFACE FRAME | IFACE MESSAGE.SIGNAL=VALUE...", sendExamples, stderr)
	var ff frameFlags
	ff.register(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usageError(fs, "want IFACE FRAME or IFACE MESSAGE.SIGNAL=VALUE...")
	}
	addr, err := candial.Parse(pos[0])
	if err != nil {
		return err
	}
	f, err := ff.frame(pos[1:], stderr)
	if err != nil {
		return err
	}
	if addr.Transport == candial.Virtual {
		return fmt.Errorf("send to %s: an in-process bus of its own, where no one listens; to see the frame, use hil encode %s", pos[0], strings.Join(pos[1:], " "))
	}
	bus, err := addr.Open()
	if err != nil {
		return err
	}
	defer bus.Close()
	if err := bus.Send(ctx, f); err != nil {
		return fmt.Errorf("send %s: %w", f.String(), err)
	}
	return nil
}

const encodeExamples = `  hil encode TCU_Gear.Gear=R                           by signal names (the built-in reference network)
  hil encode --dbc oem.dbc ESP_VehicleSpeed.VehicleSpeed=42.5 --counter 3
  hil encode --dbc vw_mqb.dbc --e2e vw-mqb ESP_21.ESP_21_BZ=2   sealed as the network's E2E scheme demands
  hil encode --dbc vw_mqb.dbc --e2e vw-mqb 0FD#00D21F8000000300  re-sealed: its counter and data kept, its CRC made anew

It prints the frame in cansend syntax, on no bus. By name, signals not given
take their initial values and the counter and CRC are filled in, by the
reference network's scheme or the one --e2e names (a preset: ` + "reference, vw-mqb" + `; or a
file). A frame given as ID#DATA keeps its counter and data and gets the CRC
its message's scheme demands.
`

func runEncode(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("encode", "[--dbc FILE] [--e2e SPEC] [--counter N] MESSAGE.SIGNAL=VALUE... | ID#DATA", encodeExamples, stderr)
	ff := frameFlags{seal: true}
	ff.register(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError(fs, "want MESSAGE.SIGNAL=VALUE... or ID#DATA")
	}
	f, err := ff.frame(pos, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, f.String())
	return nil
}

// frameFlags make a frame from the command line: one in cansend syntax,
// or a message by signal names, sealed by its E2E scheme.
type frameFlags struct {
	dbc, e2e *string
	counter  *uint
	seal     bool // a frame given as ID#DATA is sealed too (encode), not sent as it is (send)
}

func (ff *frameFlags) register(fs *flag.FlagSet) {
	ff.dbc = fs.String("dbc", "", "the DBC `FILE` for MESSAGE.SIGNAL=VALUE (default: the built-in reference network)")
	ff.e2e = fs.String("e2e", "", "seal by the E2E protection `SPEC`: a preset ("+strings.Join(protection.Presets(), ", ")+") or a file")
	ff.counter = fs.Uint("counter", 0, "alive counter `VALUE` for a message built by name")
}

func (ff *frameFlags) frame(args []string, stderr io.Writer) (canbus.Frame, error) {
	byName := strings.Contains(args[0], "=")
	if !byName && len(args) != 1 {
		return canbus.Frame{}, fmt.Errorf("want one FRAME (ID#DATA), or MESSAGE.SIGNAL=VALUE...")
	}
	if !byName && !ff.seal && *ff.e2e == "" && *ff.dbc == "" {
		return canbus.ParseFrame(args[0]) // as cansend: nothing to seal
	}
	db, err := loadDBC(*ff.dbc, stderr)
	if err != nil {
		return canbus.Frame{}, err
	}
	layouts := map[string]e2e.Layout{}
	if *ff.e2e != "" {
		c, err := protection.Load(*ff.e2e)
		if err != nil {
			return canbus.Frame{}, err
		}
		if layouts, err = c.Layouts(db); err != nil {
			return canbus.Frame{}, err
		}
	}
	var f canbus.Frame
	var m *candb.Message
	if byName {
		var data []byte
		if m, data, err = db.Build(args, uint8(*ff.counter)); err != nil {
			return f, err
		}
		f = canbus.Frame{ID: m.ID, Extended: m.Extended, FD: m.FD, Len: uint8(len(data))}
		copy(f.Data[:], data)
	} else {
		if f, err = canbus.ParseFrame(args[0]); err != nil {
			return f, err
		}
		var ok bool
		if m, ok = db.MessageByID(f.ID, f.Extended); !ok {
			return f, fmt.Errorf("%s: %s has no message with ID 0x%X to seal it by", args[0], db.File, f.ID)
		}
	}
	l, ok := layouts[m.Name]
	if !ok && *ff.e2e == "" && !byName {
		l, err = m.E2E(e2e.DefaultNames) // the reference scheme, as by name
		ok = err == nil && l.Protected()
	}
	if ok {
		// A frame given keeps its counter; one built by name has --counter,
		// unless an assignment set the counter signal itself.
		counter := l.Counter(f.Payload())
		if byName && counter == 0 {
			counter = int(*ff.counter)
		}
		l.Seal(f.Data[:f.Len], counter)
	}
	return f, nil
}
