package headunit_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/dbc/candb"
	ic "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"github.com/cockpit-hil/hil/harness/restbus"
	"github.com/cockpit-hil/hil/headunit"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.einride.tech/can"
)

var busSeq atomic.Int64

// rig is a head unit on its own virtual bus, the rest of the car played by
// the rest-bus, and an observer that sees every frame, as candump would.
type rig struct {
	unit   *headunit.Unit
	rest   *restbus.Sim
	obs    *canbus.Port
	tester *canbus.Port
	done   chan error

	mu     sync.Mutex
	events []headunit.Event
}

func newRig(ctx context.Context, set headunit.Settings, initial ...string) *rig {
	GinkgoHelper()
	v := canbus.NewVirtual(fmt.Sprintf("virtual%d", busSeq.Add(1)))
	dutPort, restPort := v.Open(), v.Open()
	r := &rig{obs: v.Open(canbus.WithQueueLen(1 << 16)), tester: v.Open(), done: make(chan error, 1)}
	r.unit = headunit.New(dutPort, set, headunit.WithEvents(func(e headunit.Event) {
		r.mu.Lock()
		r.events = append(r.events, e)
		r.mu.Unlock()
	}))
	runCtx, stop := context.WithCancel(ctx)
	go func() { r.done <- r.unit.Run(runCtx) }()
	db, err := candb.Parse("infotainment.dbc", dbc.Infotainment)
	Expect(err).NotTo(HaveOccurred())
	r.rest, err = restbus.Start(runCtx, restPort, db, "IVI", initial...)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		r.rest.Stop()
		stop()
		Eventually(r.done).Should(Receive(BeNil()))
		for _, p := range []*canbus.Port{dutPort, restPort, r.obs, r.tester} {
			p.Close()
		}
	})
	return r
}

// fast boots in 150 ms instead of the default 1.5 s, for specs about services.
func fast(extra ...string) headunit.Settings {
	var s headunit.Settings
	Expect(s.SetLatency("vehicle.ready=150ms")).To(Succeed())
	for _, kv := range extra {
		Expect(s.SetLatency(kv)).To(Succeed())
	}
	return s
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
		if rx.ID != id {
			continue
		}
		f, _ := rx.Einride()
		last = f.String()
		if pred(f) {
			return rx
		}
	}
}

func (r *rig) running(ctx context.Context) {
	GinkgoHelper()
	r.await(ctx, 0x3B0, 5*time.Second, "a running head unit", func(f can.Frame) bool {
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
	go r.rest.Press(ctx, button, 0)
	stim := r.await(ctx, 0x1A0, time.Second, "the press of "+button, func(f can.Frame) bool {
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
