package canudp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func group() string { return fmt.Sprintf("239.64.142.206:%d", 20000+rand.IntN(20000)) }

func TestMembersMeetAndSkipTheirOwnFrames(t *testing.T) {
	g := group()
	a, err := Open(g)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(g, canbus.WithEcho())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, s := range []string{"123#DEADBEEF", "12345678#01", "7FF#R2"} {
		if err := a.Send(ctx, canbus.MustParseFrame(s)); err != nil {
			t.Fatal(err)
		}
		r, err := b.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if r.String() != s || r.Own || r.Dir != canbus.RX {
			t.Errorf("b received %s own=%v, want %s from a", r.String(), r.Own, s)
		}
	}
	if err := b.Send(ctx, canbus.MustParseFrame("321#01")); err != nil {
		t.Fatal(err)
	}
	if r, err := b.Receive(ctx); err != nil || !r.Own {
		t.Errorf("b with echo got %+v, %v: want its own frame back", r, err)
	}
	if r, err := a.Receive(ctx); err != nil || r.String() != "321#01" {
		t.Errorf("a got %v, %v; want b's frame and never its own", r.String(), err)
	}
	short, cancel2 := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel2()
	if r, err := a.Receive(short); err == nil {
		t.Errorf("a received %s: its own frames must be skipped", r.String())
	}
	if err := a.Send(ctx, canbus.MustParseFrame("123##100")); err == nil {
		t.Error("a CAN FD frame went out on UDP")
	}
}

func TestRefusesAUnicastAddress(t *testing.T) {
	if _, err := Open("127.0.0.1:20000"); err == nil {
		t.Error("opened a unicast address as a multicast bus")
	}
}
