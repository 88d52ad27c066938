package canudp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"go.einride.tech/can"
	"go.einride.tech/can/pkg/socketcan"
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

// TestMeetsEinrideOnOneGroup checks the claim in the package doc: a program
// using einride's socketcan UDP transport and one using canudp share a bus.
func TestMeetsEinrideOnOneGroup(t *testing.T) {
	g := group()
	ours, err := Open(g)
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()
	conn, err := socketcan.Dial("udp", g)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()

	want := can.Frame{ID: 0x1AB, Length: 3, Data: can.Data{1, 2, 3}}
	if err := socketcan.NewTransmitter(conn).TransmitFrame(ctx, want); err != nil {
		t.Fatal(err)
	}
	r, err := ours.Receive(ctx)
	if err != nil {
		t.Fatalf("canudp did not receive einride's frame: %v", err)
	}
	if got, _ := r.Einride(); got != want {
		t.Errorf("received %v from einride, want %v", got, want)
	}

	if err := ours.Send(ctx, canbus.MustParseFrame("12345678#CAFE")); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	rx := socketcan.NewReceiver(conn)
	for rx.Receive() {
		if f := rx.Frame(); f.ID == 0x1AB {
			continue // einride hears its own frame back
		} else if f.String() != "12345678#CAFE" {
			t.Errorf("einride received %v, want 12345678#CAFE", f)
		}
		return
	}
	t.Fatalf("einride did not receive our frame: %v", rx.Err())
}

func TestSendsConcurrentlyAndAfterAnExpiredDeadline(t *testing.T) {
	g := group()
	a, err := Open(g)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(g)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	// A send with a deadline that then passes must not fail the next
	// send, which has none.
	short, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	if err := a.Send(short, canbus.MustParseFrame("100#01")); err != nil {
		t.Fatal(err)
	}
	<-short.Done()
	cancel()
	if err := a.Send(context.Background(), canbus.MustParseFrame("100#02")); err != nil {
		t.Fatalf("a send after an earlier send's deadline passed: %v", err)
	}
	// Senders share the connection (the rest-bus and a one-off frame):
	// each frame arrives whole. go test -race checks the buffers.
	const senders, each = 4, 50
	done := make(chan error, senders)
	for i := range senders {
		go func() {
			for j := range each {
				f := canbus.Frame{ID: uint32(0x200 + i), Len: 2, Data: [64]byte{byte(i), byte(j)}}
				if err := a.Send(context.Background(), f); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
	}
	for range senders {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	ctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	for got := 0; got < 2+senders*each; got++ {
		r, err := b.Receive(ctx)
		if err != nil {
			t.Fatalf("frame %d: %v", got, err)
		}
		if r.ID >= 0x200 && (r.Data[0] != byte(r.ID-0x200) || r.Len != 2) {
			t.Fatalf("frame %v mixes two senders' bytes", r.Frame)
		}
	}
}
