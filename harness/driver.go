package harness

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/harness/profile"
)

// DUTDriver starts the device under test of one dut.kind for a session,
// as database/sql's drivers open a database: the bench looks the kind up
// by name. The kinds process (a program the bench starts) and bench (a
// head unit already running) are built in; the reference head unit (kind
// simulator) registers itself from package headunit/simdut, which a suite
// imports for its side effect when it wants it, so a suite for a real
// head unit does not link the simulator.
type DUTDriver interface {
	StartDUT(ctx context.Context, env DUTEnv) (RunningDUT, error)
}

// DUTEnv is what the bench gives a driver.
type DUTEnv struct {
	Profile *profile.Profile
	// Dial opens a connection of the DUT's own to the session's bus.
	Dial func() (canbus.Bus, error)
	// RunDir is the session's private directory (sockets, files).
	RunDir string
}

// RunningDUT is a DUT a driver started; the bench closes it when the
// session ends.
type RunningDUT interface {
	// Events is the address of its event stream, "" for none (the
	// profile's dut.events then, if set).
	Events() string
	// Clients is how many connections its event stream has, so the bench
	// can wait for its own before the car wakes; -1 when unknown.
	Clients() int
	// Close stops it and returns why it ended, nil for a clean stop.
	Close() error
}

var drivers struct {
	sync.Mutex
	byKind map[string]DUTDriver
}

// RegisterDUT makes a DUT kind available to profiles (dut.kind), which
// then load with it. It panics when the kind is registered twice, as
// database/sql.Register does.
func RegisterDUT(kind string, d DUTDriver) {
	drivers.Lock()
	defer drivers.Unlock()
	if drivers.byKind == nil {
		drivers.byKind = map[string]DUTDriver{}
	}
	if _, dup := drivers.byKind[kind]; dup {
		panic("harness: RegisterDUT called twice for kind " + kind)
	}
	drivers.byKind[kind] = d
	profile.RegisterKind(kind)
}

func driverFor(kind string) (DUTDriver, error) {
	drivers.Lock()
	defer drivers.Unlock()
	if d, ok := drivers.byKind[kind]; ok {
		return d, nil
	}
	var kinds []string
	for k := range drivers.byKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return nil, fmt.Errorf("start DUT: no driver for dut.kind %s (registered: %v)%s", kind, kinds, missingDriverHint(kind))
}

// missingDriverHint says what to import for a built-in kind's driver.
func missingDriverHint(kind string) string {
	if kind == profile.Simulator {
		return `: import _ "github.com/cockpit-hil/hil/headunit/simdut" to run the reference head unit in process`
	}
	return ""
}
