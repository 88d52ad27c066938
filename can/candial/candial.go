// Package candial opens a bus by the names the CLI and bench profiles use:
// a SocketCAN interface ("vcan0", "can0", "any"), the in-process virtual bus
// ("virtual" or "virtual:NAME"), or UDP multicast ("udp:GROUP:PORT"). It also
// picks the cyclic sender that fits the transport: the kernel BCM on
// SocketCAN, a user-space ticker elsewhere.
package candial

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/canraw"
	"github.com/cockpit-hil/hil/can/canudp"
)

var (
	virtualMu    sync.Mutex
	virtualBuses = map[string]*canbus.Virtual{}
)

// Virtual returns the process-wide virtual bus of that name, creating it on
// first use, so that every "virtual" opened in one process meets on one bus.
func Virtual(name string) *canbus.Virtual {
	virtualMu.Lock()
	defer virtualMu.Unlock()
	v := virtualBuses[name]
	if v == nil {
		v = canbus.NewVirtual(name)
		virtualBuses[name] = v
	}
	return v
}

// Open connects to the named bus.
func Open(name string, opts ...canbus.Option) (canbus.Bus, error) {
	switch {
	case name == "virtual" || strings.HasPrefix(name, "virtual:"):
		return Virtual(name).Open(opts...), nil
	case strings.HasPrefix(name, "udp:"):
		return canudp.Open(strings.TrimPrefix(name, "udp:"), opts...)
	case name == "":
		return nil, fmt.Errorf("open bus: no interface named (vcan0, can0, virtual, udp:GROUP:PORT)")
	}
	return canraw.Open(name, opts...)
}

// Scheduler starts cyclic transmissions on one bus.
type Scheduler struct {
	bus canbus.Bus
	bcm *canraw.BCM
}

// NewScheduler returns a scheduler for bus: the kernel BCM for a SocketCAN
// bus, a user-space ticker sending through bus otherwise.
func NewScheduler(bus canbus.Bus) (*Scheduler, error) {
	s := &Scheduler{bus: bus}
	if c, ok := bus.(*canraw.Conn); ok && c.Interface() != "any" {
		bcm, err := canraw.OpenBCM(c.Interface())
		if err != nil {
			return nil, err
		}
		s.bcm = bcm
	}
	return s, nil
}

// Kernel reports whether the kernel keeps the period (BCM).
func (s *Scheduler) Kernel() bool { return s.bcm != nil }

// Start begins a cyclic transmission of the frame sequence.
func (s *Scheduler) Start(ctx context.Context, period time.Duration, frames ...canbus.Frame) (canbus.Cyclic, error) {
	if s.bcm != nil {
		return s.bcm.Start(ctx, period, frames...)
	}
	return canbus.StartTicker(ctx, s.bus, period, frames...)
}

// Close stops every kernel transmission of this scheduler; user-space ones
// end with their context or Stop.
func (s *Scheduler) Close() error {
	if s.bcm != nil {
		return s.bcm.Close()
	}
	return nil
}
