package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/cockpit-hil/hil/can/canlink"
)

const linkExamples = `  hil link can0                                    state, bitrate, error counters, statistics
  hil link can0 bitrate 500000 restart-ms 100 up   as ip link set can0 type can bitrate 500000 restart-ms 100; ip link set can0 up
  hil link can0 bitrate 500000 dbitrate 2000000 fd on up
  hil link can0 listen-only on                     watch a bus without acknowledging frames
  hil link can0 restart                            leave bus-off now
  hil link vcan0 down

Settings take ip's words. Changing bit timing or modes takes an interface down
and brings it back up if it was up. Needs root (CAP_NET_ADMIN) to change.
`

func runLink(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("link", "IFACE [SETTING VALUE]... [up|down|restart]", linkExamples, stderr)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError(fs, "no interface given")
	}
	name, words := pos[0], pos[1:]
	var cfg canlink.Config
	changed, restart := false, false
	var up *bool
	onOff := func(w, v string) (*bool, error) {
		switch v {
		case "on":
			t := true
			return &t, nil
		case "off":
			f := false
			return &f, nil
		}
		return nil, usageError(fs, "%s %q: want on or off", w, v)
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch w {
		case "up", "down":
			v := w == "up"
			up = &v
			continue
		case "restart":
			restart = true
			continue
		}
		if i+1 >= len(words) {
			return usageError(fs, "%s needs a value", w)
		}
		v := words[i+1]
		i++
		changed = true
		switch w {
		case "bitrate", "dbitrate":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil || n == 0 {
				return usageError(fs, "%s %q: want bits per second", w, v)
			}
			if w == "bitrate" {
				cfg.Bitrate = uint32(n)
			} else {
				cfg.DataBitrate = uint32(n)
			}
		case "sample-point", "dsample-point":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f <= 0 || f >= 1 {
				return usageError(fs, "%s %q: want a fraction such as 0.875", w, v)
			}
			if w == "sample-point" {
				cfg.SamplePoint = uint32(f*1000 + 0.5)
			} else {
				cfg.DataSamplePoint = uint32(f*1000 + 0.5)
			}
		case "restart-ms":
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return usageError(fs, "restart-ms %q: want milliseconds", v)
			}
			ms := uint32(n)
			cfg.RestartMs = &ms
		case "fd", "listen-only", "loopback", "one-shot", "berr-reporting":
			b, err := onOff(w, v)
			if err != nil {
				return err
			}
			switch w {
			case "fd":
				cfg.FD = b
			case "listen-only":
				cfg.ListenOnly = b
			case "loopback":
				cfg.Loopback = b
			case "one-shot":
				cfg.OneShot = b
			case "berr-reporting":
				cfg.BerrReporting = b
			}
		default:
			return usageError(fs, "unknown setting %q", w)
		}
	}
	if changed {
		if err := canlink.Set(ctx, name, cfg); err != nil {
			return err
		}
	}
	if restart {
		if err := canlink.Restart(ctx, name); err != nil {
			return err
		}
	}
	if up != nil {
		if err := canlink.SetUp(ctx, name, *up); err != nil {
			return err
		}
	}
	if changed || restart || up != nil {
		return nil
	}
	l, err := canlink.Get(ctx, name)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, describeLink(l))
	return err
}

func describeLink(l canlink.Link) string {
	var b strings.Builder
	state := "down"
	if l.Up {
		state = "up"
	}
	frames := "classic CAN"
	if l.MTU == 72 {
		frames = "CAN FD"
	}
	fmt.Fprintf(&b, "%s: %s, %s, mtu %d (%s)\n", l.Name, l.Kind, state, l.MTU, frames)
	if l.HasCANController {
		fmt.Fprintf(&b, "  state %s, error counters tx %d rx %d, restart-ms %d\n", l.State, l.TxErrors, l.RxErrors, l.RestartMs)
		fmt.Fprintf(&b, "  bitrate %d sample-point %.3f", l.Bitrate, float64(l.SamplePoint)/1000)
		if l.DataBitrate != 0 {
			fmt.Fprintf(&b, ", dbitrate %d dsample-point %.3f", l.DataBitrate, float64(l.DataSamplePoint)/1000)
		}
		fmt.Fprintf(&b, ", clock %d Hz, modes %s\n", l.ClockHz, modes(l.CtrlMode))
		d := l.Device
		fmt.Fprintf(&b, "  restarts %d, bus errors %d, arbitration lost %d, error-warning %d, error-passive %d, bus-off %d\n",
			d.Restarts, d.BusError, d.ArbitrationLost, d.ErrorWarning, d.ErrorPassive, d.BusOff)
	} else {
		fmt.Fprintf(&b, "  no controller: no bitrate, error state or counters\n")
	}
	fmt.Fprintf(&b, "  rx %d frames, %d errors, %d dropped, %d overruns; tx %d frames, %d errors, %d dropped\n",
		l.RxFrames, l.RxErrorsTotal, l.RxDropped, l.RxOverrunsFIFO, l.TxFrames, l.TxErrorsTotal, l.TxDropped)
	return b.String()
}

func modes(m uint32) string {
	var on []string
	for _, x := range []struct {
		bit  uint32
		name string
	}{{canlink.ModeLoopback, "loopback"}, {canlink.ModeListenOnly, "listen-only"}, {canlink.ModeTripleSample, "triple-sampling"},
		{canlink.ModeOneShot, "one-shot"}, {canlink.ModeBerrReporting, "berr-reporting"}, {canlink.ModeFD, "fd"},
		{canlink.ModePresumeAck, "presume-ack"}, {canlink.ModeFDNonISO, "fd-non-iso"}} {
		if m&x.bit != 0 {
			on = append(on, x.name)
		}
	}
	if len(on) == 0 {
		return "none"
	}
	return strings.Join(on, ",")
}
