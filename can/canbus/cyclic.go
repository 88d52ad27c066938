package canbus

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// MaxSequence is the longest frame sequence a cyclic transmission cycles
// through; it is the kernel BCM's limit, kept for every transport so code
// written against one works on all.
const MaxSequence = 256

// Cyclic is a periodic transmission: frame i of the sequence goes out in
// period i, wrapping at the end, so a message with an alive counter and a
// checksum is a sequence of precomputed frames.
type Cyclic interface {
	// Update replaces the frames without restarting the period or the
	// position in the sequence; the sequence may shrink but not grow.
	Update(frames ...Frame) error
	// Stop ends the transmission. It is safe to call more than once.
	Stop() error
}

// CyclicSender is a transport that keeps periods itself (SocketCAN's
// kernel BCM); a Bus implements it optionally, and StartCyclic falls back
// to a user-space ticker on one that does not.
type CyclicSender interface {
	StartCyclic(ctx context.Context, period time.Duration, frames ...Frame) (Cyclic, error)
}

// StartCyclic starts a cyclic transmission on bus: by the transport's own
// scheduler where it has one (CyclicSender), by StartTicker otherwise.
func StartCyclic(ctx context.Context, bus Bus, period time.Duration, frames ...Frame) (Cyclic, error) {
	if cs, ok := bus.(CyclicSender); ok {
		return cs.StartCyclic(ctx, period, frames...)
	}
	return StartTicker(ctx, bus, period, frames...)
}

// KernelCyclic reports whether StartCyclic on bus is kept by the
// transport rather than a goroutine.
func KernelCyclic(bus Bus) bool {
	_, ok := bus.(CyclicSender)
	return ok
}

// CheckSequence validates a cyclic sequence.
func CheckSequence(period time.Duration, frames []Frame) error {
	if period <= 0 {
		return fmt.Errorf("period %v is not positive", period)
	}
	if len(frames) == 0 || len(frames) > MaxSequence {
		return fmt.Errorf("sequence of %d frames: want 1 to %d", len(frames), MaxSequence)
	}
	for i := range frames {
		if err := frames[i].Validate(); err != nil {
			return fmt.Errorf("frame %d: %w", i, err)
		}
		if frames[i].ID != frames[0].ID || frames[i].Extended != frames[0].Extended {
			return fmt.Errorf("frame %d: ID %s differs from frame 0's %s: one cyclic message has one ID", i, frames[i].String(), frames[0].String())
		}
	}
	return nil
}

// TickerCyclic sends a cyclic sequence from a goroutine on a time.Ticker.
// It serves transports without a kernel scheduler; its period is only as
// steady as the Go scheduler (see the BCM benchmark for the difference).
type TickerCyclic struct {
	bus    Bus
	mu     sync.Mutex
	frames []Frame
	next   int
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

var _ Cyclic = (*TickerCyclic)(nil)

// StartTicker sends frames[0] at once, then one frame per period, cycling,
// until ctx ends or Stop is called.
func StartTicker(ctx context.Context, bus Bus, period time.Duration, frames ...Frame) (*TickerCyclic, error) {
	if err := CheckSequence(period, frames); err != nil {
		return nil, fmt.Errorf("start cyclic: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	t := &TickerCyclic{bus: bus, frames: append([]Frame(nil), frames...), cancel: cancel, done: make(chan struct{})}
	go t.run(ctx, period)
	return t, nil
}

func (t *TickerCyclic) run(ctx context.Context, period time.Duration) {
	defer close(t.done)
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		t.mu.Lock()
		f := t.frames[t.next]
		t.next = (t.next + 1) % len(t.frames)
		t.mu.Unlock()
		if err := t.bus.Send(ctx, f); err != nil {
			if ctx.Err() == nil {
				t.mu.Lock()
				t.err = err
				t.mu.Unlock()
			}
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Update replaces the frames; the next period sends the new data.
func (t *TickerCyclic) Update(frames ...Frame) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(frames) > len(t.frames) {
		return fmt.Errorf("update cyclic %s: sequence grows from %d to %d frames", t.frames[0].String(), len(t.frames), len(frames))
	}
	if err := CheckSequence(time.Second, frames); err != nil {
		return fmt.Errorf("update cyclic: %w", err)
	}
	t.frames = append(t.frames[:0], frames...)
	t.next %= len(t.frames)
	return nil
}

// Stop ends the transmission and reports a send error that ended it early.
func (t *TickerCyclic) Stop() error {
	t.cancel()
	<-t.done
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}
