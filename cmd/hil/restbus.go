package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/candial"
	"github.com/cockpit-hil/hil/harness/restbus"
)

const restbusExamples = `  hil restbus vcan0                                  the reference network, the head unit (IVI) as DUT
  hil restbus --dbc oem.dbc --dut HU can0 VehicleSpeed.Speed=0
  printf 'press SWC_Buttons.NextBtn\nquit\n' | hil restbus vcan0

Every message the DUT does not send goes out at its GenMsgCycleTime with its
alive counter and CRC (kernel BCM on SocketCAN). Lines on stdin:
  set MESSAGE.SIGNAL=VALUE...     change signals; the next cycle carries them
  press MESSAGE.SIGNAL [MSECS]    hold a button (default 3 cycles), then release
  send FRAME                      one frame in cansend syntax
  silence MESSAGE / resume MESSAGE  stop or restart one message (a failed ECU)
  quit                            stop (as does end of input or Ctrl-C)
Each line is answered "ok" or "error: ..." on stdout.
`

func runRestbus(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("restbus", "[--dbc FILE] [--dut NODE] IFACE [MESSAGE.SIGNAL=VALUE]...", restbusExamples, stderr)
	dbcPath := fs.String("dbc", "", "the DBC `FILE` (default: the built-in reference network)")
	dut := fs.String("dut", "IVI", "the `NODE` under test, whose messages are not played")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	var iface string
	var initial []string
	for _, p := range pos {
		if strings.Contains(p, "=") {
			initial = append(initial, p)
		} else if iface == "" {
			iface = p
		} else {
			return usageError(fs, "one interface, then MESSAGE.SIGNAL=VALUE assignments")
		}
	}
	if iface == "" {
		return usageError(fs, "no interface given")
	}
	db, err := loadDBC(*dbcPath, stderr)
	if err != nil {
		return err
	}
	bus, err := candial.Open(iface)
	if err != nil {
		return err
	}
	defer bus.Close()
	sim, err := restbus.Start(ctx, bus, db, *dut, initial...)
	if err != nil {
		return err
	}
	defer sim.Stop()
	how := "a user-space ticker"
	if sim.Kernel() {
		how = "the kernel BCM"
	}
	fmt.Fprintf(stderr, "hil restbus: playing %s on %s with %s\n", strings.Join(sim.Messages(), ", "), iface, how)

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case line, ok := <-lines:
			if !ok {
				return nil
			}
			quit, err := restbusLine(ctx, sim, bus, line)
			if err != nil {
				fmt.Fprintf(stdout, "error: %v\n", err)
			} else if strings.TrimSpace(line) != "" {
				fmt.Fprintln(stdout, "ok")
			}
			if quit {
				return nil
			}
		}
	}
}

func restbusLine(ctx context.Context, sim *restbus.Sim, bus canbus.Bus, line string) (quit bool, err error) {
	f := strings.Fields(line)
	if len(f) == 0 || strings.HasPrefix(f[0], "#") {
		return false, nil
	}
	switch f[0] {
	case "quit", "exit":
		return true, nil
	case "set":
		if len(f) < 2 {
			return false, fmt.Errorf("set MESSAGE.SIGNAL=VALUE...")
		}
		return false, sim.Set(f[1:]...)
	case "press":
		if len(f) < 2 || len(f) > 3 {
			return false, fmt.Errorf("press MESSAGE.SIGNAL [MSECS]")
		}
		var hold time.Duration
		if len(f) == 3 {
			ms, err := strconv.Atoi(f[2])
			if err != nil || ms <= 0 {
				return false, fmt.Errorf("press: %q is not milliseconds", f[2])
			}
			hold = time.Duration(ms) * time.Millisecond
		}
		return false, sim.Press(ctx, f[1], hold)
	case "send":
		if len(f) != 2 {
			return false, fmt.Errorf("send FRAME")
		}
		fr, err := canbus.ParseFrame(f[1])
		if err != nil {
			return false, err
		}
		return false, bus.Send(ctx, fr)
	case "silence":
		if len(f) != 2 {
			return false, fmt.Errorf("silence MESSAGE")
		}
		return false, sim.Silence(f[1])
	case "resume":
		if len(f) != 2 {
			return false, fmt.Errorf("resume MESSAGE")
		}
		return false, sim.Resume(ctx, f[1])
	}
	return false, fmt.Errorf("unknown command %q: set, press, send, silence, resume or quit", f[0])
}
