package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/canlink"
	"github.com/cockpit-hil/hil/can/canraw"
	"github.com/cockpit-hil/hil/dbc/candb"
)

const doctorExamples = `  hil doctor can0                        before a bench run: is the adapter fit, is the head unit there?
  hil doctor -t 5s --dut IVI vcan0       listen for 5 s
  hil doctor --dbc oem.dbc --dut HU can0 another network

One line per check, "ok", "warn" or "fail", with what to do when it is not
ok: the interface is present and up; its bitrate, sample point and CAN FD
setting; the controller's state (error-active, warning, passive, bus-off)
and error counters; frames the kernel dropped; the traffic seen while
listening (frames/s, error frames, bus load against the bitrate); and the
DUT's heartbeat, its period and ready bits. The exit status is 1 when a
check fails.
`

type verdict int

const (
	ok verdict = iota
	warn
	fail
)

func (v verdict) String() string { return [...]string{"ok", "warn", "fail"}[v] }

type finding struct {
	v          verdict
	what, todo string
}

func runDoctor(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("doctor", "[-t DURATION] [--dbc FILE] [--dut NODE] IFACE", doctorExamples, stderr)
	listen := fs.Duration("t", time.Second, "listen to the bus for `DURATION`")
	dbcFile := fs.String("dbc", "", "the network's DBC `FILE` (default: the built-in infotainment network)")
	dut := fs.String("dut", "IVI", "the head unit's `NODE` name in the DBC, whose heartbeat is looked for")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError(fs, "want one interface")
	}
	db, err := loadDBC(*dbcFile, stderr)
	if err != nil {
		return err
	}
	findings := diagnose(ctx, pos[0], *listen, db, *dut)
	failed := 0
	for _, f := range findings {
		line := fmt.Sprintf("%-4s  %s", f.v, f.what)
		if f.todo != "" && f.v != ok {
			line += "\n      → " + f.todo
		}
		fmt.Fprintln(stdout, line)
		if f.v == fail {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%s: %d checks failed", pos[0], failed)
	}
	return nil
}

// diagnose runs the checks in order; a failure that makes the later checks
// meaningless ends the list.
func diagnose(ctx context.Context, iface string, listen time.Duration, db *candb.Database, dut string) []finding {
	var out []finding
	add := func(v verdict, todo, format string, a ...any) {
		out = append(out, finding{v: v, what: fmt.Sprintf(format, a...), todo: todo})
	}
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		add(fail, fmt.Sprintf("an adapter: plug it in and look for it in `ip link` and `dmesg` (gs_usb, peak_usb, kvaser_usb; slcan: slcand -o -s6 /dev/ttyACM0 %s); a virtual bus: sudo ci/vcan-up 4 or sudo ip link add %s type vcan", iface, iface),
			"%s: no such interface", iface)
		return out
	}
	l, err := canlink.Get(ctx, iface)
	if err != nil {
		add(fail, "is it a CAN interface? `ip -details link show "+iface+"`", "%s: present, but its CAN details cannot be read: %v", iface, err)
		return out
	}
	if !l.Up || ifi.Flags&net.FlagUp == 0 {
		add(fail, fmt.Sprintf("sudo hil link %s up (a controller needs its bitrate first: sudo hil link %s bitrate 500000 up)", iface, iface), "%s: present (%s) but down", iface, l.Kind)
		return out
	}
	fd := "classic frames only (MTU 16)"
	if l.MTU == 72 {
		fd = "CAN FD frames allowed (MTU 72)"
	}
	add(ok, "", "%s: present and up (%s, %s)", iface, l.Kind, fd)

	if !l.HasCANController {
		add(ok, "", "bitrate: none, %s is a virtual bus without a controller", iface)
	} else {
		checkController(add, iface, l)
	}
	if l.RxDropped > 0 || l.RxOverrunsFIFO > 0 {
		add(warn, "a reader is too slow or its buffer too small: hil record -r BYTES, or fewer listeners", "drops: the kernel has dropped %d received frames since the interface came up (%d FIFO overruns)", l.RxDropped, l.RxOverrunsFIFO)
	} else {
		add(ok, "", "drops: none since the interface came up")
	}
	checkTraffic(ctx, add, iface, l, listen, db, dut)
	return out
}

func checkController(add func(verdict, string, string, ...any), iface string, l canlink.Link) {
	if l.Bitrate == 0 {
		add(fail, fmt.Sprintf("sudo hil link %s down; sudo hil link %s bitrate 500000 up", iface, iface), "bitrate: not set")
	} else {
		sp := ""
		if l.SamplePoint > 0 {
			sp = fmt.Sprintf(", sample point %.1f%%", float64(l.SamplePoint)/10)
		}
		add(ok, "", "bitrate: %d bit/s%s", l.Bitrate, sp)
	}
	if l.CtrlMode&canlink.ModeFD != 0 {
		add(ok, "", "CAN FD: on, data bitrate %d bit/s", l.DataBitrate)
	} else {
		add(ok, "", "CAN FD: off")
	}
	if l.CtrlMode&canlink.ModeListenOnly != 0 {
		add(warn, fmt.Sprintf("sudo hil link %s down; sudo hil link %s listen-only off up", iface, iface), "listen-only: the adapter acknowledges nothing and cannot send stimuli")
	}
	counters := fmt.Sprintf("TX errors %d, RX errors %d", l.TxErrors, l.RxErrors)
	switch l.State {
	case canlink.ErrorActive:
		add(ok, "", "controller: ERROR-ACTIVE (%s)", counters)
	case canlink.ErrorWarning, canlink.ErrorPassive:
		add(warn, "check the bitrate against the head unit's, the 120 Ω termination at both ends, and CAN_H/CAN_L", "controller: %s (%s)", l.State, counters)
	case canlink.BusOff:
		restart := fmt.Sprintf("sudo hil link %s restart (or set restart-ms 100 to recover by itself)", iface)
		add(fail, restart+"; then check bitrate, termination and wiring", "controller: BUS-OFF (%s)", counters)
	default:
		add(warn, fmt.Sprintf("sudo hil link %s up", iface), "controller: %s", l.State)
	}
}

// frameBits estimates a frame's length on the wire, without bit stuffing:
// 47 bits of overhead for a standard frame, 67 for an extended one, plus
// the data.
func frameBits(f *canbus.Frame) int {
	bits := 47
	if f.Extended {
		bits = 67
	}
	if !f.Remote {
		bits += 8 * int(f.Len)
	}
	return bits
}

func checkTraffic(ctx context.Context, add func(verdict, string, string, ...any), iface string, l canlink.Link, listen time.Duration, db *candb.Database, dut string) {
	c, err := canraw.Open(iface, canbus.WithErrorMask(canbus.ErrMaskAll))
	if err != nil {
		add(fail, "run as a user who may open CAN sockets", "traffic: cannot listen on %s: %v", iface, err)
		return
	}
	defer c.Close()
	hb := heartbeatOf(db, dut)
	listenCtx, cancel := context.WithTimeout(ctx, listen)
	defer cancel()
	var frames, errFrames, bits, hbFrames int
	var hbFirst, hbLast time.Time
	var hbReady, hbState string
	var values []candb.Value
	for {
		r, err := c.Receive(listenCtx)
		if err != nil {
			if !errors.Is(err, context.DeadlineExceeded) {
				add(fail, "", "traffic: listening failed: %v", err)
				return
			}
			break
		}
		if r.Error {
			errFrames++
			continue
		}
		frames++
		bits += frameBits(&r.Frame)
		if hb != nil && r.ID == hb.ID && r.Extended == hb.Extended && int(r.Len) >= hb.Length {
			if hbFrames == 0 {
				hbFirst = r.Time
			}
			hbLast = r.Time
			hbFrames++
			values = hb.Decode(r.Payload(), values[:0])
			var notReady []string
			hbState = ""
			for _, v := range values {
				if strings.HasSuffix(v.Signal.Name, "Ready") && v.Raw != 1 {
					notReady = append(notReady, v.Signal.Name)
				}
				if name, ok := v.Choice(); ok && strings.Contains(v.Signal.Name, "State") {
					hbState = name
				}
			}
			hbReady = "all ready"
			if len(notReady) > 0 {
				hbReady = "not ready: " + strings.Join(notReady, ", ")
			}
		}
	}
	secs := listen.Seconds()
	load := "no bus load figure for a bus without a bitrate"
	if l.Bitrate > 0 {
		pct := float64(bits) / secs / float64(l.Bitrate) * 100
		load = fmt.Sprintf("bus load ≈ %.1f%% of %d bit/s (bit stuffing not counted)", pct, l.Bitrate)
		if pct > 70 {
			add(warn, "latency figures suffer on a bus this full: find the chatty node (hil dump)", "traffic: %d frames in %v (%.0f frames/s), %s", frames, listen, float64(frames)/secs, load)
			load = ""
		}
	}
	switch {
	case load == "":
	case frames == 0:
		add(warn, "is the head unit powered, and the rest of the car on the bus (hil restbus)? Is the bitrate the head unit's?", "traffic: no frames in %v", listen)
	default:
		add(ok, "", "traffic: %d frames in %v (%.0f frames/s), %s", frames, listen, float64(frames)/secs, load)
	}
	if errFrames > 0 {
		add(warn, "check the bitrate, the 120 Ω termination and the wiring; hil dump -e "+iface+",#FFFFFFFF shows them decoded", "error frames: %d in %v", errFrames, listen)
	} else {
		add(ok, "", "error frames: none")
	}
	switch {
	case hb == nil:
		add(warn, "name the head unit's node with --dut", "DUT heartbeat: the DBC has no cyclic message sent by %s", dut)
	case hbFrames == 0:
		add(warn, "is the head unit powered and awake (power mode ON on the bus: hil restbus)? Is it wired to this bus?", "DUT heartbeat: no %s from %s in %v", hb.Name, dut, listen)
	default:
		period := "one frame"
		v := ok
		todo := ""
		if hbFrames > 1 {
			mean := hbLast.Sub(hbFirst) / time.Duration(hbFrames-1)
			period = fmt.Sprintf("every %.1f ms (DBC: %v)", float64(mean)/float64(time.Millisecond), hb.CycleTime)
			if hb.CycleTime > 0 && (mean > hb.CycleTime*3/2 || mean < hb.CycleTime/2) {
				v, todo = warn, "the head unit is overloaded or the bus drops its frames"
			}
		}
		if strings.HasPrefix(hbReady, "not ready") {
			v, todo = warn, "the head unit is still booting or in standby (power mode ON?)"
		}
		state := ""
		if hbState != "" {
			state = ", " + hbState
		}
		add(v, todo, "DUT heartbeat: %s from %s %s (%d frames), %s%s", hb.Name, dut, period, hbFrames, hbReady, state)
	}
}

// heartbeatOf picks the DUT's heartbeat: its cyclic message named for it,
// else its first cyclic message.
func heartbeatOf(db *candb.Database, dut string) *candb.Message {
	var cyclic []*candb.Message
	for _, m := range db.Messages {
		if slices.Contains(m.Senders, dut) && m.CycleTime > 0 {
			if strings.Contains(strings.ToLower(m.Name), "heartbeat") {
				return m
			}
			cyclic = append(cyclic, m)
		}
	}
	if len(cyclic) == 0 {
		return nil
	}
	return cyclic[0]
}
