package harness

import (
	"context"
	"fmt"
	"sync"
	"time"

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
	ticks  uint64 // wake-ups without a frame, for waiters that keep time
	closed bool
	err    error
	// arrived, when set, is told of every frame and when it was read:
	// the bench's watch of its own timing.
	arrived func(f *canbus.Received, at time.Time)
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
		if err != nil {
			r.mu.Lock()
			r.closed, r.err = true, err
			r.cond.Broadcast()
			r.mu.Unlock()
			return
		}
		if r.arrived != nil {
			r.arrived(&f, time.Now())
		}
		r.add(&f)
	}
}

// add records one frame and wakes the waiters.
func (r *recorder) add(f *canbus.Received) {
	r.mu.Lock()
	if r.n < len(r.frames) {
		r.frames[(r.start+r.n)%len(r.frames)] = *f
		r.n++
	} else {
		r.frames[r.start] = *f
		r.start = (r.start + 1) % len(r.frames)
		r.first++
	}
	r.cond.Broadcast()
	r.mu.Unlock()
}

func (r *recorder) wake() {
	r.mu.Lock()
	r.cond.Broadcast()
	r.mu.Unlock()
}

// tick wakes the waiters without a frame, so a cursor's nextOrTick returns.
func (r *recorder) tick() {
	r.mu.Lock()
	r.ticks++
	r.cond.Broadcast()
	r.mu.Unlock()
}

// end is the sequence number the next recorded frame will get.
func (r *recorder) end() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.first + int64(r.n)
}

// sync waits until the recorder holds a frame stamped at t or later, so
// that what was on the bus at t has been recorded, or until ctx ends.
func (r *recorder) sync(ctx context.Context, t time.Time) {
	c := r.follow(ctx, r.end())
	defer c.close()
	for {
		f, err := c.next()
		if err != nil || !f.Time.Before(t) {
			return
		}
	}
}

// since returns copies of the recorded frames that keep accepts, oldest first.
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

// from returns copies of the recorded frames from sequence number seq on
// (those still in the ring), oldest first.
func (r *recorder) from(seq int64) []canbus.Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	seq = max(seq, r.first)
	out := make([]canbus.Received, 0, r.first+int64(r.n)-seq)
	for ; seq < r.first+int64(r.n); seq++ {
		out = append(out, r.frames[(r.start+int(seq-r.first))%len(r.frames)])
	}
	return out
}

// latest returns a copy of the newest recorded frame that keep accepts,
// looking back from the end, so that asking for a message's last frame
// costs what lies after it, not the whole ring.
func (r *recorder) latest(keep func(*canbus.Received) bool) (canbus.Received, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := r.n - 1; i >= 0; i-- {
		if f := &r.frames[(r.start+i)%len(r.frames)]; keep(f) {
			return *f, true
		}
	}
	return canbus.Received{}, false
}

// OverrunError is a reader of the recording that fell so far behind the
// bus that the ring overwrote frames it had yet to read.
type OverrunError struct{ Skipped int64 }

func (e *OverrunError) Error() string {
	return fmt.Sprintf("the bench fell %d frames behind its recording of the bus and could not read them (the host is overloaded, or the recorder too small: Options.RecorderFrames)", e.Skipped)
}

// cursorBatch is how many frames a cursor copies per lock: waiters that
// read one frame per lock would contend with the recorder at 8,000 frames/s.
const cursorBatch = 64

// cursor reads the recording forward from a sequence number. Frames
// overwritten before it read them end a read with an *OverrunError; the
// next read goes on from the oldest frame kept. It watches its context
// once, not per frame.
type cursor struct {
	r    *recorder
	ctx  context.Context
	seq  int64 // sequence number of the next frame to copy from the ring
	buf  []canbus.Received
	pos  int
	tick uint64
	stop func() bool
}

func (r *recorder) follow(ctx context.Context, from int64) *cursor {
	c := &cursor{r: r, ctx: ctx, seq: from, buf: make([]canbus.Received, 0, cursorBatch)}
	c.stop = context.AfterFunc(ctx, r.wake)
	r.mu.Lock()
	c.tick = r.ticks
	r.mu.Unlock()
	return c
}

func (c *cursor) close() { c.stop() }

// next returns the next frame, waiting for it.
func (c *cursor) next() (*canbus.Received, error) {
	f, _, err := c.await(false)
	return f, err
}

// nextOrTick returns the next frame, or ticked when the recorder ticked
// before one came.
func (c *cursor) nextOrTick() (f *canbus.Received, ticked bool, err error) {
	return c.await(true)
}

func (c *cursor) await(ticks bool) (*canbus.Received, bool, error) {
	if c.pos < len(c.buf) {
		c.pos++
		return &c.buf[c.pos-1], false, nil
	}
	r := c.r
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		if c.seq < r.first {
			// The ring overwrote frames this reader had yet to read: say
			// so once, and go on from the oldest frame kept.
			skipped := r.first - c.seq
			c.seq = r.first
			return nil, false, &OverrunError{Skipped: skipped}
		}
		if avail := r.first + int64(r.n) - c.seq; avail > 0 {
			c.buf, c.pos = c.buf[:0], 1
			for i := int64(0); i < min(avail, cursorBatch); i++ {
				c.buf = append(c.buf, r.frames[(r.start+int(c.seq-r.first))%len(r.frames)])
				c.seq++
			}
			return &c.buf[0], false, nil
		}
		if err := c.ctx.Err(); err != nil {
			return nil, false, err
		}
		if r.closed {
			return nil, false, r.err
		}
		if ticks && r.ticks != c.tick {
			c.tick = r.ticks
			return nil, true, nil
		}
		r.cond.Wait()
	}
}
