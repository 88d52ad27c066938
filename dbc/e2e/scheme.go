package e2e

import (
	"encoding/binary"
	"fmt"
)

// Scheme is one E2E protection: the range of its alive counter and how
// its CRC is computed. Where a message carries its counter and CRC comes
// from the message's signals (a Layout); the scheme is the arithmetic.
// Each scheme is a small value with its parameters (a data ID, a list of
// them), so a network's presets are data.
type Scheme interface {
	// Name says what the scheme is, with its parameters.
	Name() string
	// Counters is the alive counter's range: it counts 0..Counters()-1.
	Counters() int
	// CRC is the CRC of a payload whose CRC occupies the bytes of crc,
	// for the counter the payload carries.
	CRC(data []byte, crc Span, counter int) uint64
}

// HeaderWriter is a scheme that writes header fields of its own besides
// the counter and the CRC (profile 4's length and data ID); Seal calls it
// before it computes the CRC.
type HeaderWriter interface {
	WriteHeader(data []byte, crc Span)
}

// Span is the bytes a CRC occupies in a payload.
type Span struct{ At, Len int }

// around calls f with the payload's bytes before and after the span.
func (s Span) around(data []byte) (before, after []byte) {
	end := min(s.At+s.Len, len(data))
	return data[:min(s.At, len(data))], data[end:]
}

// Reference is the reference network's scheme (docs/design.md section 3):
// CRC-8/SAE-J1850 over the payload's other bytes, a counter of 0..15.
type Reference struct{}

func (Reference) Name() string  { return "reference" }
func (Reference) Counters() int { return CounterModulo }

func (Reference) CRC(data []byte, crc Span, _ int) uint64 {
	before, after := crc.around(data)
	return uint64(crcSAEJ1850.Sum(before, after))
}

// P01Mode is how AUTOSAR E2E profile 1 includes its 16-bit data ID.
type P01Mode uint8

const (
	P01Both   P01Mode = iota // both bytes, low first (variant 1A)
	P01Alt                   // the low byte on even counters, the high on odd (variant 1B)
	P01Low                   // the low byte only
	P01Nibble                // the low byte and a zero; the high byte's low nibble is sent (variant 1C)
)

var p01Modes = [...]string{"both", "alt", "low", "nibble"}

func (m P01Mode) String() string { return p01Modes[m] }

// P01 is AUTOSAR E2E profile 1: CRC-8/SAE-J1850 over the data ID and the
// payload's other bytes, started at 0 and not inverted at the end, and a
// 4-bit counter of 0..14 (15 is reserved).
type P01 struct {
	DataID uint16
	Mode   P01Mode
}

func (p P01) Name() string {
	return fmt.Sprintf("autosar-p01(data_id=0x%04X, mode=%s)", p.DataID, p.Mode)
}
func (p P01) Counters() int { return 15 }

func (p P01) CRC(data []byte, crc Span, counter int) uint64 {
	lo, hi := byte(p.DataID), byte(p.DataID>>8)
	var id []byte
	switch p.Mode {
	case P01Both:
		id = []byte{lo, hi}
	case P01Low:
		id = []byte{lo}
	case P01Alt:
		id = []byte{lo}
		if counter%2 == 1 {
			id = []byte{hi}
		}
	case P01Nibble:
		id = []byte{lo, 0}
	}
	before, after := crc.around(data)
	// The library's CRC-8 with start value 0x00 and the result inverted
	// back: the register starts at 0 and is not inverted.
	return uint64(crcSAEJ1850.Continue(0xFF, id, before, after) ^ 0xFF)
}

// P02 is AUTOSAR E2E profile 2: CRC-8/AUTOSAR (8H2F) over the payload's
// other bytes and then the data ID the counter picks from a list of 16,
// and a 4-bit counter of 0..15. VW's MQB network uses it, with a list per
// message.
type P02 struct {
	DataIDs [16]byte
}

func (p P02) Name() string  { return fmt.Sprintf("autosar-p02(data_ids=% X)", p.DataIDs[:]) }
func (p P02) Counters() int { return 16 }

func (p P02) CRC(data []byte, crc Span, counter int) uint64 {
	before, after := crc.around(data)
	return uint64(crc8H2F.Sum(before, after, p.DataIDs[counter%16:counter%16+1]))
}

// P04 is AUTOSAR E2E profile 4: a 12-byte header of length (16 bits),
// counter (16 bits), data ID (32 bits) and CRC-32/AUTOSAR (32 bits), all
// big-endian, the CRC over every byte but its own.
type P04 struct {
	DataID uint32
}

func (p P04) Name() string  { return fmt.Sprintf("autosar-p04(data_id=0x%08X)", p.DataID) }
func (p P04) Counters() int { return 1 << 16 }

func (p P04) CRC(data []byte, crc Span, _ int) uint64 {
	before, after := crc.around(data)
	return uint64(crc32P4.Sum(before, after))
}

// WriteHeader writes the header's length and data ID: the header starts
// 8 bytes before the CRC.
func (p P04) WriteHeader(data []byte, crc Span) {
	off := crc.At - 8
	if off < 0 || off+8 > len(data) {
		return
	}
	binary.BigEndian.PutUint16(data[off:], uint16(len(data)))
	binary.BigEndian.PutUint32(data[off+4:], p.DataID)
}

// P05 is AUTOSAR E2E profile 5: CRC-16/IBM-3740 over the payload's other
// bytes and then the 16-bit data ID, low byte first, and an 8-bit counter.
type P05 struct {
	DataID uint16
}

func (p P05) Name() string  { return fmt.Sprintf("autosar-p05(data_id=0x%04X)", p.DataID) }
func (p P05) Counters() int { return 256 }

func (p P05) CRC(data []byte, crc Span, _ int) uint64 {
	before, after := crc.around(data)
	return uint64(crcCCITT.Sum(before, after, []byte{byte(p.DataID), byte(p.DataID >> 8)}))
}
