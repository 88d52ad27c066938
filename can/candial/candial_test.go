package candial

import (
	"context"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/canraw"
)

func TestVirtualNamesMeetInOneProcess(t *testing.T) {
	a, err := Open("virtual:test")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, _ := Open("virtual:test")
	defer b.Close()
	other, _ := Open("virtual:other")
	defer other.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	a.Send(ctx, canbus.MustParseFrame("123#01"))
	if r, err := b.Receive(ctx); err != nil || r.String() != "123#01" {
		t.Fatalf("b got %v, %v", r.String(), err)
	}
	short, c2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer c2()
	if _, err := other.Receive(short); err == nil {
		t.Error("a differently named virtual bus received the frame")
	}
}

func TestSchedulerPicksTheTransportsSender(t *testing.T) {
	bus, _ := Open("virtual:sched")
	defer bus.Close()
	s, err := NewScheduler(bus)
	if err != nil {
		t.Fatal(err)
	}
	if s.Kernel() {
		t.Error("virtual bus got a kernel scheduler")
	}
	c, err := s.Start(context.Background(), time.Millisecond, canbus.MustParseFrame("100#"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.(*canbus.TickerCyclic); !ok {
		t.Errorf("cyclic is %T, want the user-space ticker", c)
	}
	c.Stop()
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(""); err == nil {
		t.Error("opened a bus without a name")
	}
	_, err := Open("nosuchcan7")
	if err == nil {
		t.Fatal("opened a missing interface")
	}
	if canraw.ErrNoInterface == nil {
		t.Fatal("sentinel missing")
	}
}
