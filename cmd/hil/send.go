package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/candial"
)

const sendExamples = `  hil send vcan0 123#DEADBEEF        standard frame
  hil send vcan0 12345678#00.11.22   extended frame, '.' separators
  hil send vcan0 123#R  123#R8       remote frame (with DLC)
  hil send vcan0 123##1112233        CAN FD frame, flags 1 (BRS)
  hil send vcan0 TCU_Gear.Gear=R     a message by signal names (the built-in reference network)
  hil send --dbc oem.dbc can0 ESP_VehicleSpeed.VehicleSpeed=42.5 ESP_VehicleSpeed.SpeedValid=Valid

By name, signals not given take their initial values (GenSigStartValue), and
a Counter and a CRC signal are filled in (CRC-8/SAE-J1850 over the other
bytes); --counter sets the counter value.
`

func runSend(ctx context.Context, args []string, _ io.Reader, _, stderr io.Writer) error {
	fs := newFlags("send", "[--dbc FILE] IFACE FRAME | IFACE MESSAGE.SIGNAL=VALUE...", sendExamples, stderr)
	dbcPath := fs.String("dbc", "", "the DBC `FILE` for MESSAGE.SIGNAL=VALUE (default: the built-in reference network)")
	counter := fs.Uint("counter", 0, "alive counter `VALUE` for a message built by name")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) < 2 {
		return usageError(fs, "want IFACE FRAME or IFACE MESSAGE.SIGNAL=VALUE...")
	}
	var f canbus.Frame
	if strings.Contains(pos[1], "=") {
		db, err := loadDBC(*dbcPath, stderr)
		if err != nil {
			return err
		}
		m, data, err := db.Build(pos[1:], uint8(*counter))
		if err != nil {
			return err
		}
		f = canbus.Frame{ID: m.ID, Extended: m.Extended, FD: m.FD, Len: uint8(len(data))}
		copy(f.Data[:], data)
	} else {
		if len(pos) != 2 {
			return usageError(fs, "want IFACE FRAME")
		}
		if f, err = canbus.ParseFrame(pos[1]); err != nil {
			return err
		}
	}
	bus, err := candial.Open(pos[0])
	if err != nil {
		return err
	}
	defer bus.Close()
	if err := bus.Send(ctx, f); err != nil {
		return fmt.Errorf("send %s: %w", f.String(), err)
	}
	return nil
}
