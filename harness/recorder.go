package harness

import (
	"context"
	"sync"

	"github.com/cockpit-hil/hil/can/canbus"
)

// recorder keeps the most recent frames of the bus, as seen by one
// receiving socket, so that waiters can look back to a stimulus and forward
// to its reaction, and a failed spec can be given the last seconds as evidence.
type recorder struct {
	mu     sync.Mutex
	cond   *sync.Cond
	frames []canbus.Received // ring
	first  int64             // sequence number of frames[start]
	start  int
	n      int
	closed bool
	err    error
}

func newRecorder(capacity int) *recorder {
	r := &recorder{frames: make([]canbus.Received, capacity)}
	r.cond = sync.NewCond(&r.mu)
	return r
}

// run records until the bus fails or closes.
func (r *recorder) run(ctx context.Context, bus canbus.Bus) {
	for {
		f, err := bus.Receive(ctx)
		r.mu.Lock()
		if err != nil {
			r.closed, r.err = true, err
			r.cond.Broadcast()
			r.mu.Unlock()
			return
		}
		if r.n < len(r.frames) {
			r.frames[(r.start+r.n)%len(r.frames)] = f
			r.n++
		} else {
			r.frames[r.start] = f
			r.start = (r.start + 1) % len(r.frames)
			r.first++
		}
		r.cond.Broadcast()
		r.mu.Unlock()
	}
}

// next returns the frame with sequence number seq (waiting for it), and the
// sequence number to ask for next. Frames already overwritten are skipped.
func (r *recorder) next(ctx context.Context, seq int64) (canbus.Received, int64, error) {
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		if seq < r.first {
			seq = r.first
		}
		if seq < r.first+int64(r.n) {
			return r.frames[(r.start+int(seq-r.first))%len(r.frames)], seq + 1, nil
		}
		if err := ctx.Err(); err != nil {
			return canbus.Received{}, seq, err
		}
		if r.closed {
			return canbus.Received{}, seq, r.err
		}
		r.cond.Wait()
	}
}

// end is the sequence number the next recorded frame will get.
func (r *recorder) end() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first + int64(r.n)
}

// last returns copies of the frames recorded since t0 (oldest first).
func (r *recorder) since(keep func(*canbus.Received) bool) []canbus.Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []canbus.Received
	for i := 0; i < r.n; i++ {
		f := &r.frames[(r.start+i)%len(r.frames)]
		if keep(f) {
			out = append(out, *f)
		}
	}
	return out
}
