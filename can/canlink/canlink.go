// Package canlink manages CAN interfaces through rtnetlink, as `ip link`
// does: bitrate and data bitrate, sample point, control modes (FD,
// listen-only, loopback, one-shot, error reporting), restart-ms, up/down and
// restart; and reads the controller state (error-active, warning, passive,
// bus-off), the error counters and the device statistics that einride's
// candevice does not decode.
package canlink

import "fmt"

// State is the controller's error state (enum can_state).
type State uint32

const (
	ErrorActive State = iota
	ErrorWarning
	ErrorPassive
	BusOff
	Stopped
	Sleeping
	// NoState is reported for interfaces without a controller (vcan, vxcan).
	NoState State = 0xffffffff
)

func (s State) String() string {
	switch s {
	case ErrorActive:
		return "ERROR-ACTIVE"
	case ErrorWarning:
		return "ERROR-WARNING"
	case ErrorPassive:
		return "ERROR-PASSIVE"
	case BusOff:
		return "BUS-OFF"
	case Stopped:
		return "STOPPED"
	case Sleeping:
		return "SLEEPING"
	case NoState:
		return "none"
	}
	return fmt.Sprintf("state(%d)", uint32(s))
}

// Control modes (CAN_CTRLMODE_*).
const (
	ModeLoopback      = 0x01
	ModeListenOnly    = 0x02
	ModeTripleSample  = 0x04
	ModeOneShot       = 0x08
	ModeBerrReporting = 0x10
	ModeFD            = 0x20
	ModePresumeAck    = 0x40
	ModeFDNonISO      = 0x80
)

// Link is what the kernel reports about a CAN interface.
type Link struct {
	Name  string
	Index int
	Kind  string // "can" (a controller), "vcan", "vxcan"
	Up    bool
	MTU   int // 16 classic, 72 CAN FD

	State            State
	Bitrate          uint32 // bit/s, 0 where there is no controller
	SamplePoint      uint32 // tenths of a percent (875 = 87.5%)
	DataBitrate      uint32 // CAN FD data phase
	DataSamplePoint  uint32
	ClockHz          uint32
	CtrlMode         uint32 // Mode* bits in force
	RestartMs        uint32
	TxErrors         uint16 // transmit error counter (TEC)
	RxErrors         uint16 // receive error counter (REC)
	Device           DeviceStats
	RxFrames         uint64
	TxFrames         uint64
	RxDropped        uint64
	TxDropped        uint64
	RxErrorsTotal    uint64
	TxErrorsTotal    uint64
	RxOverrunsFIFO   uint64
	HasCANController bool
}

// DeviceStats are the controller's event counters (struct can_device_stats).
type DeviceStats struct {
	BusError, ErrorWarning, ErrorPassive, BusOff, ArbitrationLost, Restarts uint32
}

// Config changes a CAN interface; zero fields and nil pointers are left as
// they are. Bitrate changes need the interface down: Set takes it down and
// brings it back up when it was up.
type Config struct {
	Bitrate         uint32
	SamplePoint     uint32 // tenths of a percent
	DataBitrate     uint32
	DataSamplePoint uint32
	RestartMs       *uint32
	FD              *bool
	ListenOnly      *bool
	Loopback        *bool
	OneShot         *bool
	BerrReporting   *bool
}
