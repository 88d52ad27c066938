package canraw_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/canraw"
)

// BenchmarkReceive measures the receive path (socket → timestamped frame,
// no decoding): frames are queued in batches of 1000 with the timer stopped,
// then read. Run it on SocketCAN: ci/test does, inside its sandbox.
func BenchmarkReceive(b *testing.B) {
	if _, err := net.InterfaceByName("vcan0"); err != nil {
		b.Fatal("vcan0 missing: run this benchmark through ./ci/test or after `sudo ci/vcan-up`")
	}
	rx, err := canraw.Open("vcan0", canbus.WithReceiveBuffer(16<<20))
	if err != nil {
		b.Fatal(err)
	}
	defer rx.Close()
	tx, err := canraw.Open("vcan0")
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Close()
	ctx := context.Background()
	f := canbus.MustParseFrame("123#0011223344556677")
	const batch = 1000
	b.ReportAllocs()
	b.ResetTimer()
	var busy time.Duration
	for done := 0; done < b.N; {
		n := min(batch, b.N-done)
		b.StopTimer()
		for i := 0; i < n; i++ {
			if err := tx.Send(ctx, f); err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		b.StartTimer()
		for i := 0; i < n; i++ {
			if _, err := rx.Receive(ctx); err != nil {
				b.Fatal(err)
			}
		}
		busy += time.Since(start)
		done += n
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/busy.Seconds(), "frames/s")
	if d := rx.Stats().Dropped; d != 0 {
		b.Fatalf("%d frames dropped", d)
	}
}
