// Package candial opens a bus by the names the CLI and bench profiles use:
// a SocketCAN interface ("vcan0", "can0", "any"), the in-process virtual bus
// ("virtual" or "virtual:NAME"), or UDP multicast ("udp:GROUP:PORT"). The
// names are parsed once, into an Address, whose methods say what a bus of
// that kind can do; a new transport is one more Transport here.
package candial

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/canraw"
	"github.com/cockpit-hil/hil/can/canudp"
)

// Transport is how a bus is reached.
type Transport int

const (
	SocketCAN Transport = iota // a kernel interface: vcan0, can0, any
	Virtual                    // the in-process bus: virtual, virtual:NAME
	UDP                        // UDP multicast between processes: udp:GROUP:PORT
)

func (t Transport) String() string {
	return [...]string{"SocketCAN", "virtual", "UDP"}[t]
}

// Address is a parsed bus name.
type Address struct {
	Transport Transport
	// Name is the SocketCAN interface, or the virtual bus's full name
	// ("virtual", "virtual:bench").
	Name string
	// Group and Port are a UDP bus's multicast group and port.
	Group string
	Port  int
}

// Names says what Parse takes, for error messages and help texts.
const Names = "vcan0, can0, virtual, virtual:NAME or udp:GROUP:PORT"

// Parse reads a bus name.
func Parse(name string) (Address, error) {
	switch {
	case name == "":
		return Address{}, fmt.Errorf("no bus named (%s)", Names)
	case name == "virtual" || strings.HasPrefix(name, "virtual:"):
		return Address{Transport: Virtual, Name: name}, nil
	case strings.HasPrefix(name, "udp:"):
		rest := strings.TrimPrefix(name, "udp:")
		i := strings.LastIndexByte(rest, ':')
		if i <= 0 {
			return Address{}, fmt.Errorf("bus %s: want udp:GROUP:PORT (udp:239.0.0.1:20000)", name)
		}
		port, err := strconv.Atoi(rest[i+1:])
		if err != nil || port <= 0 || port > 65535 {
			return Address{}, fmt.Errorf("bus %s: port %q is not 1 to 65535", name, rest[i+1:])
		}
		return Address{Transport: UDP, Group: rest[:i], Port: port}, nil
	case strings.ContainsAny(name, ": /") || len(name) > 15:
		return Address{}, fmt.Errorf("bus %s: not a SocketCAN interface name (at most 15 characters, no ':' or '/'); want %s", name, Names)
	}
	return Address{Transport: SocketCAN, Name: name}, nil
}

// String is the name Parse reads back.
func (a Address) String() string {
	if a.Transport == UDP {
		return fmt.Sprintf("udp:%s:%d", a.Group, a.Port)
	}
	return a.Name
}

// Isolate gives parallel process n (1-based) its own bus, so parallel
// processes share nothing: vcanK becomes vcan(K+n-1), a UDP bus moves its
// port by n-1, and a virtual bus is private to its process anyway. A real
// adapter cannot be shared out: an error.
func (a Address) Isolate(n int) (Address, error) {
	if n <= 1 || a.Transport == Virtual {
		return a, nil
	}
	switch a.Transport {
	case UDP:
		a.Port += n - 1
		return a, nil
	case SocketCAN:
		if k, ok := strings.CutPrefix(a.Name, "vcan"); ok {
			if i, err := strconv.Atoi(k); err == nil {
				a.Name = fmt.Sprintf("vcan%d", i+n-1)
				return a, nil
			}
		}
	}
	return Address{}, fmt.Errorf("parallel process %d: cannot give it its own bus next to %s (use vcanN, udp:GROUP:PORT or virtual)", n, a)
}

// HasController reports whether a bus of this address can have a CAN
// controller with bit timing to set: a SocketCAN interface can (whether it
// has one, a real adapter and not a vcan, the kernel says: canlink); a
// virtual or UDP bus cannot.
func (a Address) HasController() bool { return a.Transport == SocketCAN }

var (
	virtualMu    sync.Mutex
	virtualBuses = map[string]*canbus.Virtual{}
)

// VirtualBus returns the process-wide virtual bus of that name, creating it
// on first use, so that every "virtual" opened in one process meets on one
// bus.
func VirtualBus(name string) *canbus.Virtual {
	virtualMu.Lock()
	defer virtualMu.Unlock()
	v := virtualBuses[name]
	if v == nil {
		v = canbus.NewVirtual(name)
		virtualBuses[name] = v
	}
	return v
}

// Open connects to the bus. A SocketCAN connection keeps cyclic periods in
// the kernel (canbus.StartCyclic uses its BCM); the others send cyclic
// frames from a user-space ticker.
func (a Address) Open(opts ...canbus.Option) (canbus.Bus, error) {
	switch a.Transport {
	case Virtual:
		return VirtualBus(a.Name).Open(opts...), nil
	case UDP:
		c, err := canudp.Open(fmt.Sprintf("%s:%d", a.Group, a.Port), opts...)
		if err != nil {
			return nil, err // not a nil *Conn in a non-nil Bus
		}
		return c, nil
	}
	c, err := canraw.Open(a.Name, opts...)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Open connects to the named bus.
func Open(name string, opts ...canbus.Option) (canbus.Bus, error) {
	a, err := Parse(name)
	if err != nil {
		return nil, fmt.Errorf("open bus: %w", err)
	}
	return a.Open(opts...)
}
