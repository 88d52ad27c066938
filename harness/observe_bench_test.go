package harness

import (
	"context"
	"sync"
	"testing"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/dbc/candb"
)

// BenchmarkObservationPath is the harness's own share of watching a bus:
// the recorder takes each frame, and 10 waiters each decode it by the DBC
// and run a Gomega matcher on it. ns/op is per frame, all 10 done with it.
func BenchmarkObservationPath(b *testing.B) {
	db, err := candb.Parse("infotainment.dbc", dbc.Infotainment)
	if err != nil {
		b.Fatal(err)
	}
	m, _ := db.Message("IVI_MediaStatus")
	exp := Emits("IVI_MediaStatus", Where("never", func(f Frame) bool { return f.Raw("TrackIndex") == 255 }))
	rec := newRecorder(b.N + 1) // no waiter falls a ring behind
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const waiters = 10
	var wg sync.WaitGroup
	for range waiters {
		c := rec.follow(ctx, 0)
		wg.Go(func() {
			defer c.close()
			for range b.N {
				f, err := c.next()
				if err != nil {
					b.Error(err)
					return
				}
				if isMessage(f, m) {
					exp.matcher.Match(exp.actual(f, m))
				}
			}
		})
	}
	f := canbus.Received{Frame: canbus.Frame{ID: m.ID, Len: 5, Data: [64]byte{0x12, 0x34, 0x56, 0x78, 0x9A}}, Source: canbus.SourceKernel}
	b.ResetTimer()
	for range b.N {
		rec.add(&f)
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "frames/s")
}
