package headunit_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/canraw"
	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/dbc/candb"
	ic "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"github.com/cockpit-hil/hil/harness/restbus"
	"github.com/cockpit-hil/hil/headunit"
	"github.com/cockpit-hil/hil/internal/specs"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gexec"
	"go.einride.tech/can"
)

var busSeq atomic.Int64

// rig is a head unit with the rest of the car around it and an observer
// that sees every frame, as candump would. The same specs run on two rigs:
// the unit in this process on the virtual bus, and `hil sim` as its own
// process on vcan0 driven through `hil restbus` and the event stream.
type rig struct {
	obs canbus.Bus

	set     func(assignments ...string) error
	press   func(ctx context.Context, signal string, hold time.Duration) error
	silence func(message string) error
	control func(c headunit.Command) error
	send    func(ctx context.Context, f canbus.Frame) error

	mu     sync.Mutex
	events []headunit.Event
}

// rigMaker starts a rig with settings given as hil sim flags' values.
type rigMaker func(ctx context.Context, latencies, faults []string, initial ...string) *rig

func (r *rig) record(e headunit.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// inProcess runs the unit in this process on a fresh virtual bus.
func inProcess(ctx context.Context, latencies, faults []string, initial ...string) *rig {
	GinkgoHelper()
	var set headunit.Settings
	for _, l := range latencies {
		Expect(set.SetLatency(l)).To(Succeed())
	}
	for _, f := range faults {
		Expect(set.SetFault(f)).To(Succeed())
	}
	v := canbus.NewVirtual(fmt.Sprintf("virtual%d", busSeq.Add(1)))
	dutPort, restPort, obs, tester := v.Open(), v.Open(), v.Open(canbus.WithQueueLen(1<<16)), v.Open()
	r := &rig{obs: obs, send: tester.Send}
	unit := headunit.New(dutPort, set, headunit.WithEvents(r.record))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- unit.Run(runCtx) }()
	db, err := candb.Parse("infotainment.dbc", dbc.Infotainment)
	Expect(err).NotTo(HaveOccurred())
	rest, err := restbus.Start(runCtx, restPort, db, "IVI", initial...)
	Expect(err).NotTo(HaveOccurred())
	r.set, r.press, r.silence = rest.Set, rest.Press, rest.Silence
	r.control = func(c headunit.Command) error {
		switch c.Cmd {
		case "incoming_call":
			unit.IncomingCall()
		case "incoming_message":
			unit.IncomingMessage(c.From)
		case "start_guidance":
			unit.StartGuidance(ic.IVI_NavStatus_NextManeuver_Left, c.Distance)
		default:
			return fmt.Errorf("command %q", c.Cmd)
		}
		return nil
	}
	DeferCleanup(func() {
		rest.Stop()
		stop()
		Eventually(done).Should(Receive(BeNil()))
		for _, p := range []*canbus.Port{dutPort, restPort, obs, tester} {
			p.Close()
		}
	})
	return r
}

// onVcan runs `hil sim` and `hil restbus` as processes on this parallel
// process's vcan, with the events over a Unix socket and a kernel-timestamped
// observer socket.
func onVcan(ctx context.Context, latencies, faults []string, initial ...string) *rig {
	GinkgoHelper()
	iface := specs.VCAN(0)
	hil := specs.Hil()
	sock := filepath.Join(GinkgoT().TempDir(), "events.sock")
	args := []string{"sim", "--bus", iface, "--events", "unix:" + sock}
	for _, l := range latencies {
		args = append(args, "--latency", l)
	}
	for _, f := range faults {
		args = append(args, "--fault", f)
	}
	obs, err := canraw.Open(iface, canbus.WithReceiveBuffer(4<<20))
	Expect(err).NotTo(HaveOccurred())
	tester, err := canraw.Open(iface)
	Expect(err).NotTo(HaveOccurred())
	r := &rig{obs: obs, send: tester.Send}
	sim, err := gexec.Start(exec.Command(hil, args...), GinkgoWriter, GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	// Stop it whatever happens next: a head unit left running would answer
	// on vcan0 in every later spec.
	DeferCleanup(func() {
		sim.Signal(syscall.SIGTERM)
		Eventually(sim, 10*time.Second).Should(gexec.Exit(0))
	})
	DeferCleanup(obs.Close)
	DeferCleanup(tester.Close)
	// The socket file appears at bind, before listen: dial until it answers.
	var conn net.Conn
	Eventually(func() (err error) { conn, err = net.Dial("unix", sock); return err }, 10*time.Second, 20*time.Millisecond).Should(Succeed())
	DeferCleanup(conn.Close)
	go func() {
		sc := bufio.NewScanner(conn)
		for sc.Scan() {
			var obj map[string]any
			if json.Unmarshal(sc.Bytes(), &obj) != nil || obj["event"] == nil {
				continue
			}
			t, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(obj["time"]))
			e := headunit.Event{Time: t, Service: fmt.Sprint(obj["service"]), Event: fmt.Sprint(obj["event"]), Fields: obj}
			r.record(e)
		}
	}()
	var ctlMu sync.Mutex
	r.control = func(c headunit.Command) error {
		ctlMu.Lock()
		defer ctlMu.Unlock()
		b, _ := json.Marshal(c)
		_, err := conn.Write(append(b, '\n'))
		return err
	}
	// The connection must be served before the car wakes, to see the boot.
	time.Sleep(100 * time.Millisecond)

	rest := exec.Command(hil, append([]string{"restbus", iface}, initial...)...)
	in, err := rest.StdinPipe()
	Expect(err).NotTo(HaveOccurred())
	outPipe, err := rest.StdoutPipe()
	Expect(err).NotTo(HaveOccurred())
	rest.Stderr = GinkgoWriter
	Expect(rest.Start()).To(Succeed())
	DeferCleanup(func() {
		io.WriteString(in, "quit\n")
		in.Close()
		Expect(rest.Wait()).To(Succeed())
	})
	answers := bufio.NewScanner(outPipe)
	var restMu sync.Mutex
	line := func(text string) error {
		restMu.Lock()
		defer restMu.Unlock()
		if _, err := io.WriteString(in, text+"\n"); err != nil {
			return err
		}
		if !answers.Scan() {
			return fmt.Errorf("hil restbus ended: %v", answers.Err())
		}
		if a := answers.Text(); a != "ok" {
			return fmt.Errorf("hil restbus: %s", a)
		}
		return nil
	}
	r.set = func(a ...string) error { return line("set " + strings.Join(a, " ")) }
	r.press = func(ctx context.Context, signal string, hold time.Duration) error {
		if hold > 0 {
			return line(fmt.Sprintf("press %s %d", signal, hold.Milliseconds()))
		}
		return line("press " + signal)
	}
	r.silence = func(m string) error { return line("silence " + m) }
	return r
}

// fast boots in 150 ms instead of the default 1.5 s, for specs about services.
func fast(extra ...string) []string {
	return append([]string{"vehicle.ready=150ms"}, extra...)
}

// await reads the observer until a frame with the ID satisfies pred.
func (r *rig) await(ctx context.Context, id uint32, within time.Duration, what string, pred func(can.Frame) bool) canbus.Received {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	var last string
	for {
		rx, err := r.obs.Receive(ctx)
		if err != nil {
			Fail(fmt.Sprintf("waited %v for %s; last frame with ID %03X: %s", within, what, id, last))
		}
		if rx.ID != id || rx.Own {
			continue
		}
		f, err := rx.Einride()
		if err != nil {
			continue
		}
		last = f.String()
		if pred(f) {
			return rx
		}
	}
}

func (r *rig) running(ctx context.Context) {
	GinkgoHelper()
	r.await(ctx, 0x3B0, 10*time.Second, "a running head unit", func(f can.Frame) bool {
		var hb ic.IVI_Heartbeat
		return hb.UnmarshalFrame(f) == nil && hb.PowerState() == ic.IVI_Heartbeat_PowerState_Running
	})
}

func media(f can.Frame) *ic.IVI_MediaStatus {
	var m ic.IVI_MediaStatus
	Expect(m.UnmarshalFrame(f)).To(Succeed())
	return &m
}

func messaging(f can.Frame) *ic.IVI_MessagingStatus {
	var m ic.IVI_MessagingStatus
	Expect(m.UnmarshalFrame(f)).To(Succeed())
	return &m
}

func nav(f can.Frame) *ic.IVI_NavStatus {
	var m ic.IVI_NavStatus
	Expect(m.UnmarshalFrame(f)).To(Succeed())
	return &m
}

// reaction presses a button and measures from the first SWC_Buttons frame
// with the bit set to the first frame of id satisfying pred.
func (r *rig) reaction(ctx context.Context, button string, bit func(ic.SWC_Buttons) bool, id uint32, within time.Duration, what string, pred func(can.Frame) bool) time.Duration {
	GinkgoHelper()
	go r.press(ctx, button, 0)
	stim := r.await(ctx, 0x1A0, 2*time.Second, "the press of "+button, func(f can.Frame) bool {
		var b ic.SWC_Buttons
		return b.UnmarshalFrame(f) == nil && bit(b)
	})
	react := r.await(ctx, id, within, what, pred)
	return react.Time.Sub(stim.Time)
}

func (r *rig) eventsOf(service, event string) []headunit.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []headunit.Event
	for _, e := range r.events {
		if e.Service == service && e.Event == event {
			out = append(out, e)
		}
	}
	return out
}

// einride converts a received classic frame for the generated codecs.
func einride(rx canbus.Received) can.Frame {
	GinkgoHelper()
	f, err := rx.Einride()
	Expect(err).NotTo(HaveOccurred())
	return f
}
