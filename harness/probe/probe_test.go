package probe

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/harness/restbus"
	"github.com/cockpit-hil/hil/headunit"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCommandProbeTimestampsLinesAndMatchesByRegexp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := Command(ctx, "logcat", []string{"sh", "-c", "echo booting; sleep 0.2; echo 'I MediaSession: track 7 playing'; sleep 5"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	start := time.Now()
	o, err := p.Await(ctx, 0, Line(`track (\d+) playing`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(o.Line, "track 7") || o.Time.Sub(start) < 150*time.Millisecond {
		t.Errorf("observation %+v: want the second line, stamped on arrival", o)
	}
	short, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel2()
	if _, err := p.Await(short, p.Mark(), Line("never")); err == nil || !strings.Contains(err.Error(), "last seen") {
		t.Errorf("a missing line: %v", err)
	}
}

func TestEventProbeSeesTheHeadUnitAndControlsIt(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	srv, err := headunit.ListenEvents("unix:" + filepath.Join(t.TempDir(), "ev.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	v := canbus.NewVirtual("probe")
	dut, rest := v.Open(), v.Open()
	defer dut.Close()
	defer rest.Close()
	var set headunit.Settings
	set.SetLatency("vehicle.ready=100ms")
	unit := headunit.New(dut, set, headunit.WithEvents(srv.Publish))
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 2)
	go func() { done <- unit.Run(runCtx) }()
	go func() { done <- srv.Serve(runCtx, unit) }()
	defer func() { stop(); <-done; <-done }()

	p, err := Events(ctx, "events", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for srv.Clients() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	db, _ := candb.Parse("infotainment.dbc", dbc.Infotainment)
	sim, err := restbus.Start(runCtx, rest, db, "IVI")
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Stop()
	if _, err := p.Await(ctx, 0, Event("vehicle", "power_state", "state", "Running")); err != nil {
		t.Fatal(err)
	}
	mark := p.Mark()
	if err := p.Send(`{"cmd": "incoming_call"}`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Await(ctx, mark, Event("messaging", "call_state", "state", "Ringing")); err != nil {
		t.Fatal(err)
	}
	go sim.Press(ctx, "SWC_Buttons.NextBtn", 0)
	o, err := p.Await(ctx, mark, Event("music", "track_changed", "track", 1))
	if err != nil {
		t.Fatal(err)
	}
	if o.Fields["service"] != "music" {
		t.Errorf("fields %v", o.Fields)
	}
}
