package main

import (
	"context"
	"fmt"
	"io"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/candial"
)

const sendExamples = `  hil send vcan0 123#DEADBEEF        standard frame
  hil send vcan0 12345678#00.11.22   extended frame, '.' separators
  hil send vcan0 123#R  123#R8       remote frame (with DLC)
  hil send vcan0 123##1112233        CAN FD frame, flags 1 (BRS)
`

func runSend(ctx context.Context, args []string, _ io.Reader, _, stderr io.Writer) error {
	fs := newFlags("send", "IFACE FRAME", sendExamples, stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError(fs, "want IFACE FRAME")
	}
	f, err := canbus.ParseFrame(pos[1])
	if err != nil {
		return err
	}
	bus, err := candial.Open(pos[0])
	if err != nil {
		return err
	}
	defer bus.Close()
	if err := bus.Send(ctx, f); err != nil {
		return fmt.Errorf("send %s: %w", pos[1], err)
	}
	return nil
}
