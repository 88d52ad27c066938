package canbus

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestVirtualBroadcastsToOthersOnly(t *testing.T) {
	ctx := context.Background()
	v := NewVirtual("virtual")
	a, b := v.Open(), v.Open()
	c := v.Open(WithFilters(Filter{ID: 0x200, Mask: 0x7ff}))
	defer a.Close()
	defer b.Close()
	defer c.Close()
	if err := a.Send(ctx, MustParseFrame("123#01")); err != nil {
		t.Fatal(err)
	}
	if err := a.Send(ctx, MustParseFrame("200#02")); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"123#01", "200#02"} {
		r := receive(t, b)
		if r.String() != want || r.Dir != RX || r.Own || r.Interface != "virtual" {
			t.Errorf("b got %s dir %v own %v on %q, want %s from another node", r.String(), r.Dir, r.Own, r.Interface, want)
		}
	}
	if r := receive(t, c); r.String() != "200#02" {
		t.Errorf("filtered port got %s, want only 200#02", r.String())
	}
	if s := a.Stats(); s.Out != 2 || s.In != 0 {
		t.Errorf("sender stats %+v: the sender must not receive its own frames", s)
	}
	if s := b.Stats(); s.In != 2 {
		t.Errorf("receiver stats %+v", s)
	}
}

func TestVirtualEchoCarriesTheSendTime(t *testing.T) {
	v := NewVirtual("virtual")
	a, b := v.Open(WithEcho()), v.Open()
	defer a.Close()
	defer b.Close()
	if err := a.Send(context.Background(), MustParseFrame("321#AA")); err != nil {
		t.Fatal(err)
	}
	echo, other := receive(t, a), receive(t, b)
	if !echo.Own || echo.Dir != TX {
		t.Errorf("echo own=%v dir=%v, want own TX", echo.Own, echo.Dir)
	}
	if !echo.Time.Equal(other.Time) {
		t.Errorf("echo at %v, receiver at %v: one clock means one timestamp", echo.Time, other.Time)
	}
}

func TestVirtualCountsDropsWhenTheQueueIsFull(t *testing.T) {
	v := NewVirtual("virtual")
	a, b := v.Open(), v.Open(WithQueueLen(10))
	defer a.Close()
	defer b.Close()
	for i := 0; i < 25; i++ {
		if err := a.Send(context.Background(), MustParseFrame("100#00")); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 10; i++ {
		receive(t, b)
	}
	if s := b.Stats(); s.In != 10 || s.Dropped != 15 {
		t.Errorf("stats %+v, want 10 in and 15 dropped", s)
	}
}

func TestVirtualErrorFramesNeedTheirMask(t *testing.T) {
	v := NewVirtual("virtual")
	a, plain, errs := v.Open(), v.Open(), v.Open(WithErrorMask(ErrBusOff))
	defer a.Close()
	defer plain.Close()
	defer errs.Close()
	a.Send(context.Background(), MustParseFrame("20000040#0000000000000000"))
	a.Send(context.Background(), MustParseFrame("123#00"))
	if r := receive(t, plain); r.String() != "123#00" {
		t.Errorf("port without error mask got %s", r.String())
	}
	if r := receive(t, errs); !r.Error {
		t.Errorf("port with bus-off mask got %s, want the error frame", r.String())
	}
	if s := errs.Stats(); s.Errors != 1 {
		t.Errorf("error count %d, want 1", s.Errors)
	}
}

func TestVirtualReceiveEndsWithContextAndClose(t *testing.T) {
	v := NewVirtual("virtual")
	p := v.Open()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := p.Receive(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Receive after deadline: %v", err)
	}
	go func() { time.Sleep(5 * time.Millisecond); p.Close() }()
	if _, err := p.Receive(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Receive after Close: %v", err)
	}
	if err := p.Send(context.Background(), MustParseFrame("123#")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
}

func TestTickerCyclesAndUpdatesInPlace(t *testing.T) {
	ctx := context.Background()
	v := NewVirtual("virtual")
	tx, rx := v.Open(), v.Open()
	defer tx.Close()
	defer rx.Close()
	seq := []Frame{MustParseFrame("100#00"), MustParseFrame("100#01"), MustParseFrame("100#02")}
	c, err := StartTicker(ctx, tx, 2*time.Millisecond, seq...)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		if r := receive(t, rx); r.Data[0] != byte(i%3) {
			t.Fatalf("frame %d carries %02X, want the sequence in order", i, r.Data[0])
		}
	}
	// After 4 frames the next position is 1; the update must not reset it.
	upd := []Frame{MustParseFrame("100#10"), MustParseFrame("100#11"), MustParseFrame("100#12")}
	if err := c.Update(upd...); err != nil {
		t.Fatal(err)
	}
	var got []byte
	for len(got) < 3 {
		r := receive(t, rx)
		if r.Data[0] >= 0x10 {
			got = append(got, r.Data[0])
		}
	}
	if got[1] != (got[0]-0x10+1)%3+0x10 || got[2] != (got[1]-0x10+1)%3+0x10 {
		t.Errorf("after update the sequence went %X: the position must carry on", got)
	}
	if err := c.Update(append(upd, upd[0])...); err == nil {
		t.Error("Update grew the sequence without error")
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := StartTicker(ctx, tx, time.Millisecond, MustParseFrame("100#"), MustParseFrame("200#")); err == nil {
		t.Error("a sequence of two IDs started")
	}
}

func receive(t *testing.T, b Bus) Received {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r, err := b.Receive(ctx)
	if err != nil {
		t.Fatalf("receive: %v", err)
	}
	return r
}
