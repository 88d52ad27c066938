package restbus

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/e2e"
	ic "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestPlaysTheRestOfTheCar(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := candb.Parse("infotainment.dbc", dbc.Infotainment)
	if err != nil {
		t.Fatal(err)
	}
	v := canbus.NewVirtual("virtual")
	tx, rx := v.Open(), v.Open()
	defer tx.Close()
	defer rx.Close()
	sim, err := Start(ctx, tx, db, "IVI", "ESP_VehicleSpeed.VehicleSpeed=42.5")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Stop()
	if got := strings.Join(sim.Messages(), " "); got != "BCM_PowerMode ESP_VehicleSpeed SWC_Buttons TCU_Gear" {
		t.Errorf("played %s: want every cyclic message not sent by IVI", got)
	}
	if err := sim.Set("IVI_Heartbeat.Counter=1"); err == nil {
		t.Error("the rest-bus took a message the DUT sends")
	}
	m, _ := db.Message("ESP_VehicleSpeed")
	l, _ := m.E2E(e2e.DefaultNames)
	check := e2e.NewChecker(l)
	var counters []uint8
	var speeds []float64
	set := false
	for len(counters) < 40 {
		r, err := rx.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != 0x0F0 {
			continue
		}
		if err := check.Accept(r.Payload()); err != nil {
			t.Fatalf("frame %d refused by an ECU's check: %v", len(counters), err)
		}
		f, _ := r.Einride()
		var esp ic.ESP_VehicleSpeed
		esp.UnmarshalFrame(f)
		counters = append(counters, esp.Counter())
		speeds = append(speeds, esp.VehicleSpeed())
		if len(counters) == 20 && !set {
			if err := sim.Set("ESP_VehicleSpeed.VehicleSpeed=80"); err != nil {
				t.Fatal(err)
			}
			set = true
		}
	}
	for i := 1; i < len(counters); i++ {
		if counters[i] != (counters[i-1]+1)%16 {
			t.Fatalf("counter went %v: an update must not break the sequence", counters)
		}
	}
	if speeds[0] != 42.5 || speeds[len(speeds)-1] != 80 {
		t.Errorf("speeds %v: want 42.5 first, 80 after the update", speeds)
	}
}

func TestPressHoldsTheBitForThreeCycles(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, _ := candb.Parse("infotainment.dbc", dbc.Infotainment)
	v := canbus.NewVirtual("virtual")
	tx, rx := v.Open(), v.Open(canbus.WithFilters(canbus.Filter{ID: 0x1A0, Mask: 0x7FF}))
	defer tx.Close()
	defer rx.Close()
	sim, err := Start(ctx, tx, db, "IVI")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Stop()
	done := make(chan error, 1)
	go func() { done <- sim.Press(ctx, "SWC_Buttons.NextBtn", 0) }()
	pressed, seen := 0, 0
	for seen < 15 {
		r, err := rx.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f, _ := r.Einride()
		var b ic.SWC_Buttons
		b.UnmarshalFrame(f)
		if b.NextBtn() {
			pressed++
		}
		seen++
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if pressed < 2 || pressed > 4 {
		t.Errorf("NextBtn set in %d frames, want about %d (one press)", pressed, DefaultPressCycles)
	}
}

// A resumed message continues the counter of the last frame on the bus, so
// a receiver that checks the counter takes its first frame; Resume, which
// restarts at 0, is the control: after a last counter of 0 its first frame
// is a repeat that an ECU refuses.
func TestResumeAfterContinuesTheCounter(t *testing.T) {
	db, _ := candb.Parse("infotainment.dbc", dbc.Infotainment)
	m, _ := db.Message("SWC_Buttons")
	l, _ := m.E2E(e2e.DefaultNames)
	for _, tc := range []struct {
		name     string
		last     uint8
		after    bool // ResumeAfter the last frame, or Resume
		accepted bool
	}{
		{"after 15 wraps to 0", 15, true, true},
		{"after 3 goes on at 4", 3, true, true},
		{"after 0 goes on at 1", 0, true, true},
		{"Resume after 0 repeats it", 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			v := canbus.NewVirtual("virtual")
			tx, rx := v.Open(), v.Open(canbus.WithFilters(canbus.Filter{ID: m.ID, Mask: 0x7FF}))
			defer tx.Close()
			defer rx.Close()
			sim, err := Start(ctx, tx, db, "IVI")
			if err != nil {
				t.Fatal(err)
			}
			defer sim.Stop()
			if err := sim.Silence(m.Name); err != nil {
				t.Fatal(err)
			}
			// The last frame on the bus: a one-off one, counter tc.last.
			last := m.Initial()
			l.Seal(last, int(tc.last))
			check := e2e.NewChecker(l)
			if err := check.Accept(last); err != nil {
				t.Fatal(err)
			}
			for { // the frames sent before the silence
				rctx, rcancel := context.WithTimeout(ctx, 3*m.CycleTime)
				_, err := rx.Receive(rctx)
				rcancel()
				if err != nil {
					break
				}
			}
			if tc.after {
				err = sim.ResumeAfter(ctx, m.Name, last)
			} else {
				err = sim.Resume(ctx, m.Name)
			}
			if err != nil {
				t.Fatal(err)
			}
			r, err := rx.Receive(ctx)
			if err != nil {
				t.Fatal(err)
			}
			err = check.Accept(r.Payload())
			if tc.accepted && err != nil {
				t.Errorf("first resumed frame % X refused after counter %d: %v", r.Payload(), tc.last, err)
			}
			if !tc.accepted && err == nil {
				t.Errorf("first resumed frame % X accepted after counter %d; want a repeat", r.Payload(), tc.last)
			}
			if !tc.after {
				return
			}
			// A change after the resume keeps the sequence going.
			if err := sim.Set("SWC_Buttons.NextBtn=1"); err != nil {
				t.Fatal(err)
			}
			for i := range 20 {
				r, err := rx.Receive(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if err := check.Accept(r.Payload()); err != nil {
					t.Fatalf("frame %d after a change of the resumed message: %v", i, err)
				}
			}
		})
	}
}
