package canbus

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Virtual is an in-process CAN bus: every frame sent on one of its ports is
// delivered to every other port whose filters accept it, as SocketCAN
// delivers to every other socket. It needs no kernel support. All ports share
// one clock: a frame carries the same timestamp at every receiver.
type Virtual struct {
	name  string
	mu    sync.RWMutex
	ports map[*Port]struct{}
}

// NewVirtual creates an empty virtual bus; name appears as the Interface of
// the frames it delivers.
func NewVirtual(name string) *Virtual {
	return &Virtual{name: name, ports: make(map[*Port]struct{})}
}

// Open attaches a new port to the bus.
func (v *Virtual) Open(opts ...Option) *Port {
	o := Apply(opts)
	if o.QueueLen <= 0 {
		o.QueueLen = 1
	}
	p := &Port{bus: v, opts: o, rx: make(chan Received, o.QueueLen), done: make(chan struct{})}
	v.mu.Lock()
	v.ports[p] = struct{}{}
	v.mu.Unlock()
	return p
}

// Port is one connection to a Virtual bus; it implements Bus.
type Port struct {
	bus  *Virtual
	opts Options
	rx   chan Received
	done chan struct{}
	once sync.Once

	in, out, dropped, errs atomic.Uint64
}

var _ Bus = (*Port)(nil)

// Send delivers the frame to every other port at once. A receiver whose queue
// is full loses the frame and counts it as dropped, as a socket would.
func (p *Port) Send(ctx context.Context, f Frame) error {
	if err := f.Validate(); err != nil {
		return fmt.Errorf("send on %s: %w", p.bus.name, err)
	}
	select {
	case <-p.done:
		return fmt.Errorf("send on %s: %w", p.bus.name, ErrClosed)
	case <-ctx.Done():
		return fmt.Errorf("send on %s: %w", p.bus.name, ctx.Err())
	default:
	}
	r := Received{Frame: f, Time: time.Now(), Source: SourceUser, Interface: p.bus.name, Dir: TX}
	p.bus.mu.RLock()
	for q := range p.bus.ports {
		switch {
		case q == p:
			if p.opts.Echo {
				own := r
				own.Own = true
				q.deliver(&own)
			}
		case q.opts.Accepts(&f):
			q.deliver(&r)
		}
	}
	p.bus.mu.RUnlock()
	p.out.Add(1)
	return nil
}

func (p *Port) deliver(r *Received) {
	select {
	case p.rx <- *r:
	default:
		p.dropped.Add(1)
	}
}

// Receive returns the next frame, blocking until one arrives, the context
// ends or the port is closed.
func (p *Port) Receive(ctx context.Context) (Received, error) {
	select {
	case r := <-p.rx:
		p.count(&r)
		return r, nil
	default:
	}
	select {
	case r := <-p.rx:
		p.count(&r)
		return r, nil
	case <-ctx.Done():
		return Received{}, fmt.Errorf("receive on %s: %w", p.bus.name, ctx.Err())
	case <-p.done:
		return Received{}, fmt.Errorf("receive on %s: %w", p.bus.name, ErrClosed)
	}
}

func (p *Port) count(r *Received) {
	p.in.Add(1)
	if r.Error {
		p.errs.Add(1)
	}
	if !r.Own {
		r.Dir = RX
	}
}

// Stats returns the port's counters.
func (p *Port) Stats() Stats {
	return Stats{In: p.in.Load(), Out: p.out.Load(), Dropped: p.dropped.Load(), Errors: p.errs.Load()}
}

// Close detaches the port; blocked receivers return ErrClosed.
func (p *Port) Close() error {
	p.once.Do(func() {
		p.bus.mu.Lock()
		delete(p.bus.ports, p)
		p.bus.mu.Unlock()
		close(p.done)
	})
	return nil
}
