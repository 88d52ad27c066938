package canbus

import (
	"strconv"
	"strings"
)

// Error classes of a SocketCAN error frame (linux/can/error.h), the bits of
// an error frame's ID.
const (
	ErrTxTimeout   = 0x001
	ErrLostArb     = 0x002 // data[0]: bit number
	ErrController  = 0x004 // data[1]: controller state, ErrCtrl*
	ErrProtocol    = 0x008 // data[2]: violation type, data[3]: location
	ErrTransceiver = 0x010
	ErrNoAck       = 0x020
	ErrBusOff      = 0x040
	ErrBusError    = 0x080
	ErrRestarted   = 0x100
	ErrCounters    = 0x200 // data[6], data[7]: TX and RX error counters are valid
)

// Controller states carried in data[1] of an ErrController frame.
const (
	ErrCtrlRxOverflow = 0x01
	ErrCtrlTxOverflow = 0x02
	ErrCtrlRxWarning  = 0x04
	ErrCtrlTxWarning  = 0x08
	ErrCtrlRxPassive  = 0x10
	ErrCtrlTxPassive  = 0x20
	ErrCtrlActive     = 0x40 // recovered to error active
)

// ErrorInfo is an error frame decoded.
type ErrorInfo struct {
	Classes        uint32 // Err* bits
	ArbitrationBit uint8  // with ErrLostArb
	Controller     uint8  // ErrCtrl* bits, with ErrController
	ProtocolType   uint8  // with ErrProtocol
	ProtocolWhere  uint8  // with ErrProtocol
	Transceiver    uint8  // with ErrTransceiver
	TxErrors       uint8  // TX error counter, when reported
	RxErrors       uint8  // RX error counter, when reported
}

// DecodeError decodes an error frame. ok is false for any other frame.
func DecodeError(f *Frame) (info ErrorInfo, ok bool) {
	if !f.Error {
		return info, false
	}
	d := f.Data
	return ErrorInfo{
		Classes:        f.ID,
		ArbitrationBit: d[0],
		Controller:     d[1],
		ProtocolType:   d[2],
		ProtocolWhere:  d[3],
		Transceiver:    d[4],
		TxErrors:       d[6],
		RxErrors:       d[7],
	}, true
}

// BusOff reports whether the controller went bus-off.
func (e ErrorInfo) BusOff() bool { return e.Classes&ErrBusOff != 0 }

// Passive reports whether the controller entered error-passive state.
func (e ErrorInfo) Passive() bool {
	return e.Classes&ErrController != 0 && e.Controller&(ErrCtrlRxPassive|ErrCtrlTxPassive) != 0
}

// Warning reports whether an error counter passed the warning level (96).
func (e ErrorInfo) Warning() bool {
	return e.Classes&ErrController != 0 && e.Controller&(ErrCtrlRxWarning|ErrCtrlTxWarning) != 0
}

// Restarted reports whether the controller restarted after bus-off.
func (e ErrorInfo) Restarted() bool { return e.Classes&ErrRestarted != 0 }

var (
	errorClassNames = []string{"tx-timeout", "lost-arbitration", "controller-problem",
		"protocol-violation", "transceiver-status", "no-acknowledgement-on-tx", "bus-off",
		"bus-error", "restarted-after-bus-off"}
	controllerNames = []string{"rx-overflow", "tx-overflow", "rx-error-warning",
		"tx-error-warning", "rx-error-passive", "tx-error-passive", "back-to-error-active"}
	protocolTypeNames = []string{"single-bit-error", "frame-format-error", "bit-stuffing-error",
		"tx-dominant-bit-error", "tx-recessive-bit-error", "bus-overload", "back-to-error-active",
		"error-on-tx"}
	protocolWhereNames = []string{"unspecified", "unspecified", "id.28-to-id.28",
		"start-of-frame", "bit-srtr", "bit-ide", "id.20-to-id.18", "id.17-to-id.13",
		"crc-sequence", "reserved-bit-0", "data-field", "data-length-code", "bit-rtr",
		"reserved-bit-1", "id.4-to-id.0", "id.12-to-id.5", "unspecified", "active-error-flag",
		"intermission", "tolerate-dominant-bits", "unspecified", "unspecified",
		"passive-error-flag", "error-delimiter", "crc-delimiter", "acknowledge-slot",
		"end-of-frame", "acknowledge-delimiter", "overload-flag"}
)

// String describes the error as candump -e does:
// "controller-problem{rx-error-passive},error-counter-tx-rx{{0}{128}}".
func (e ErrorInfo) String() string {
	var b strings.Builder
	n := 0
	for i, name := range errorClassNames {
		if e.Classes&(1<<i) == 0 {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		b.WriteString(name)
		switch 1 << i {
		case ErrLostArb:
			b.WriteString("{at bit ")
			b.WriteString(strconv.Itoa(int(e.ArbitrationBit)))
			b.WriteByte('}')
		case ErrController:
			b.WriteByte('{')
			writeBits(&b, e.Controller, controllerNames)
			b.WriteByte('}')
		case ErrProtocol:
			b.WriteString("{{")
			writeBits(&b, e.ProtocolType, protocolTypeNames)
			b.WriteString("}{")
			if e.ProtocolWhere > 0 && int(e.ProtocolWhere) < len(protocolWhereNames) {
				b.WriteString(protocolWhereNames[e.ProtocolWhere])
			}
			b.WriteString("}}")
		}
	}
	if e.TxErrors != 0 || e.RxErrors != 0 {
		if n > 0 {
			b.WriteByte(',')
		}
		b.WriteString("error-counter-tx-rx{{" + strconv.Itoa(int(e.TxErrors)) + "}{" + strconv.Itoa(int(e.RxErrors)) + "}}")
	}
	return b.String()
}

func writeBits(b *strings.Builder, v uint8, names []string) {
	n := 0
	for i, name := range names {
		if v&(1<<i) == 0 {
			continue
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		b.WriteString(name)
	}
}
