// Package canbus holds what every transport shares: the CAN and CAN FD frame,
// the timestamped frame a receiver sees, the Bus interface, ID filters,
// error-frame decoding, the in-process virtual bus and a user-space cyclic
// sender for transports without a kernel one.
package canbus

import (
	"fmt"

	"go.einride.tech/can"
)

// Limits of the frame formats.
const (
	MaxID         = 0x7ff
	MaxExtendedID = 0x1fffffff
	MaxLen        = 8  // classic CAN payload
	MaxFDLen      = 64 // CAN FD payload
)

// Flag bits of a CAN FD frame as the kernel and the can-utils `##<flags>`
// syntax number them.
const (
	FlagBRS = 0x01 // bit rate switch: the data phase ran at the data bitrate
	FlagESI = 0x02 // error state indicator: the sender was error passive
)

// Frame is one classic CAN or CAN FD frame, including remote and error frames.
// It is a value type: pass it and copy it freely.
type Frame struct {
	ID       uint32 // 11 or 29 bits; for an error frame, the error class bits
	Len      uint8  // payload length in bytes; for a remote frame, the requested DLC
	Extended bool   // 29-bit identifier
	Remote   bool   // remote transmission request (classic CAN only)
	Error    bool   // error frame reported by the controller (ID holds the class)
	FD       bool   // CAN FD frame (up to 64 bytes)
	Flags    uint8  // CAN FD flags: FlagBRS, FlagESI
	Data     [MaxFDLen]byte
}

// Payload returns the frame's data bytes (none for a remote frame).
func (f *Frame) Payload() []byte {
	if f.Remote {
		return nil
	}
	return f.Data[:f.Len]
}

// Validate reports whether the frame can be put on a bus.
func (f *Frame) Validate() error {
	switch {
	case f.Error:
		if f.ID > MaxExtendedID {
			return fmt.Errorf("error frame class %#x does not fit in 29 bits", f.ID)
		}
	case f.Extended && f.ID > MaxExtendedID:
		return fmt.Errorf("extended ID %#x does not fit in 29 bits", f.ID)
	case !f.Extended && f.ID > MaxID:
		return fmt.Errorf("standard ID %#x does not fit in 11 bits", f.ID)
	}
	if f.FD {
		if f.Remote {
			return fmt.Errorf("CAN FD has no remote frames")
		}
		if !ValidFDLen(int(f.Len)) {
			return fmt.Errorf("CAN FD length %d is not one of 0-8, 12, 16, 20, 24, 32, 48, 64", f.Len)
		}
		return nil
	}
	if f.Len > MaxLen {
		return fmt.Errorf("classic CAN length %d exceeds 8", f.Len)
	}
	if f.Flags != 0 {
		return fmt.Errorf("flags %#x are only valid on CAN FD frames", f.Flags)
	}
	return nil
}

// ValidFDLen reports whether n is a length that a CAN FD DLC can encode.
func ValidFDLen(n int) bool {
	switch n {
	case 12, 16, 20, 24, 32, 48, 64:
		return true
	}
	return n >= 0 && n <= 8
}

// FromEinride converts an einride frame (classic CAN only).
func FromEinride(f can.Frame) Frame {
	out := Frame{ID: f.ID, Len: f.Length, Extended: f.IsExtended, Remote: f.IsRemote}
	copy(out.Data[:], f.Data[:])
	return out
}

// Einride converts the frame for einride's codecs. CAN FD and error frames
// have no einride form.
func (f *Frame) Einride() (can.Frame, error) {
	if f.FD || f.Error {
		return can.Frame{}, fmt.Errorf("convert %s to einride frame: only classic data and remote frames convert", f)
	}
	out := can.Frame{ID: f.ID, Length: f.Len, IsExtended: f.Extended, IsRemote: f.Remote}
	copy(out.Data[:], f.Data[:can.MaxDataLength])
	return out, nil
}
