package canbus

import "encoding/binary"

// Sizes of the Linux SocketCAN structures, which are also the datagrams of
// einride's UDP emulator.
const (
	WireLen   = 16 // struct can_frame
	WireFDLen = 72 // struct canfd_frame
)

// SocketCAN ID flag bits.
const (
	wireEFF = 0x80000000
	wireRTR = 0x40000000
	wireERR = 0x20000000
)

// EncodeWire writes f as struct can_frame (classic) or struct canfd_frame
// (CAN FD) and returns the number of bytes used.
func EncodeWire(b *[WireFDLen]byte, f *Frame) int {
	*b = [WireFDLen]byte{}
	id := f.ID
	switch {
	case f.Error:
		id |= wireERR
	case f.Extended:
		id |= wireEFF
	}
	if f.Remote {
		id |= wireRTR
	}
	binary.LittleEndian.PutUint32(b[0:4], id)
	b[4] = f.Len
	if f.FD {
		b[5] = f.Flags
		copy(b[8:], f.Data[:f.Len])
		return WireFDLen
	}
	if !f.Remote {
		copy(b[8:WireLen], f.Data[:min(f.Len, MaxLen)])
	}
	return WireLen
}

// DecodeWire reads a struct can_frame (n = 16) or struct canfd_frame (n = 72)
// into f, clamping lengths a broken sender may have set too high.
func DecodeWire(f *Frame, b []byte) {
	id := binary.LittleEndian.Uint32(b[0:4])
	length := b[4]
	switch {
	case id&wireERR != 0:
		f.Error, f.ID = true, id&MaxExtendedID
	case id&wireEFF != 0:
		f.Extended, f.ID = true, id&MaxExtendedID
	default:
		f.ID = id & MaxID
	}
	f.Remote = id&wireRTR != 0
	if len(b) >= WireFDLen {
		f.FD, f.Flags = true, b[5]
		length = min(length, MaxFDLen)
	} else {
		length = min(length, MaxLen)
	}
	f.Len = length
	if !f.Remote {
		copy(f.Data[:length], b[8:8+int(length)])
	}
}
