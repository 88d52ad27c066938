package candial

import (
	"context"
	"strings"
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

func TestStartCyclicPicksTheTransportsSender(t *testing.T) {
	bus, _ := Open("virtual:sched")
	defer bus.Close()
	if canbus.KernelCyclic(bus) {
		t.Error("a virtual bus claims a kernel scheduler")
	}
	c, err := canbus.StartCyclic(context.Background(), bus, time.Millisecond, canbus.MustParseFrame("100#"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.(*canbus.TickerCyclic); !ok {
		t.Errorf("cyclic is %T, want the user-space ticker", c)
	}
	c.Stop()
	var raw canbus.Bus = (*canraw.Conn)(nil)
	if !canbus.KernelCyclic(raw) {
		t.Error("a SocketCAN connection does not offer the kernel's scheduler")
	}
}

func TestParseReadsEveryBusName(t *testing.T) {
	for _, tc := range []struct {
		name       string
		want       Address
		controller bool
		err        string
	}{
		{"vcan0", Address{Transport: SocketCAN, Name: "vcan0"}, true, ""},
		{"can0", Address{Transport: SocketCAN, Name: "can0"}, true, ""},
		{"virtual", Address{Transport: Virtual, Name: "virtual"}, false, ""},
		{"virtual:bench", Address{Transport: Virtual, Name: "virtual:bench"}, false, ""},
		{"udp:239.0.0.1:20000", Address{Transport: UDP, Group: "239.0.0.1", Port: 20000}, false, ""},
		{"", Address{}, false, "no bus named"},
		{"udp:239.0.0.1", Address{}, false, "want udp:GROUP:PORT"},
		{"udp:239.0.0.1:x", Address{}, false, "port \"x\" is not 1 to 65535"},
		{"udp:20000", Address{}, false, "want udp:GROUP:PORT"},
		{"virtual-bench:x", Address{}, false, "not a SocketCAN interface name"},
		{"averyveryverylongname", Address{}, false, "at most 15 characters"},
	} {
		got, err := Parse(tc.name)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) = %+v, %v; want an error saying %q", tc.name, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want || got.String() != tc.name || got.HasController() != tc.controller {
			t.Errorf("Parse(%q) = %+v (%q, controller %v), %v; want %+v", tc.name, got, got.String(), got.HasController(), err, tc.want)
		}
	}
}

func TestIsolateGivesEachProcessItsOwnBus(t *testing.T) {
	for _, tc := range []struct {
		name string
		n    int
		want string
	}{
		{"vcan0", 1, "vcan0"},
		{"vcan0", 4, "vcan3"},
		{"vcan2", 2, "vcan3"},
		{"udp:239.0.0.1:20000", 3, "udp:239.0.0.1:20002"},
		{"virtual", 4, "virtual"},
		{"can0", 1, "can0"},
	} {
		a, _ := Parse(tc.name)
		got, err := a.Isolate(tc.n)
		if err != nil || got.String() != tc.want {
			t.Errorf("Isolate(%q, %d) = %q, %v; want %q", tc.name, tc.n, got, err, tc.want)
		}
	}
	a, _ := Parse("can0")
	if _, err := a.Isolate(2); err == nil {
		t.Error("Isolate(can0, 2): want an error, a real adapter cannot be shared out")
	}
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
