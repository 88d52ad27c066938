package e2e

import "unsafe"

// The CRCs of AUTOSAR's CRC library (SWS CRC Library) that its E2E
// profiles use, each as the catalogue of parametrised CRCs names it. A
// computation may be continued: Continue takes a finished CRC as the
// library's Crc_StartValue with Crc_IsFirstCall false, so a CRC over
// several pieces equals the CRC over their concatenation.

// crc is a table-driven CRC of T's width: most significant bit first, or
// least (reflected) as CRC-32 and CRC-64 are.
type crc[T uint8 | uint16 | uint32] struct {
	table        [256]T
	init, xorout T
	reflected    bool
	top          int  // the shift that brings the register's top byte down
	byteShift    uint // 8: a byte moves out per step (all of an 8-bit register)
}

// newCRC builds the table of poly (as the catalogue writes it: most
// significant bit first, or reflected for a reflected CRC).
func newCRC[T uint8 | uint16 | uint32](poly, init, xorout T, reflected bool) *crc[T] {
	width := int(unsafe.Sizeof(poly)) * 8
	c := &crc[T]{init: init, xorout: xorout, reflected: reflected, top: width - 8, byteShift: 8}
	for i := range c.table {
		v := T(i) << c.top
		if reflected {
			v = T(i)
		}
		for range 8 {
			switch {
			case reflected && v&1 != 0:
				v = v>>1 ^ poly
			case reflected:
				v >>= 1
			case v>>(width-1) != 0:
				v = v<<1 ^ poly
			default:
				v <<= 1
			}
		}
		c.table[i] = v
	}
	return c
}

// Sum is the CRC of the pieces of data, one after the other.
func (c *crc[T]) Sum(data ...[]byte) T { return c.Continue(c.init^c.xorout, data...) }

// Continue goes on from a CRC of the data before.
func (c *crc[T]) Continue(sum T, data ...[]byte) T {
	v := sum ^ c.xorout
	for _, d := range data {
		for _, b := range d {
			if c.reflected {
				v = v>>c.byteShift ^ c.table[byte(v)^b]
			} else {
				v = v<<c.byteShift ^ c.table[byte(v>>c.top)^b]
			}
		}
	}
	return v ^ c.xorout
}

var (
	// crcSAEJ1850 is CRC-8/SAE-J1850: polynomial 0x1D, init 0xFF, final
	// XOR 0xFF (Crc_CalculateCRC8; E2E profile 1, the reference network).
	crcSAEJ1850 = newCRC[uint8](0x1D, 0xFF, 0xFF, false)
	// crc8H2F is CRC-8/AUTOSAR: polynomial 0x2F, init 0xFF, final XOR
	// 0xFF (Crc_CalculateCRC8H2F; E2E profiles 2, 11 and 22, VW MQB).
	crc8H2F = newCRC[uint8](0x2F, 0xFF, 0xFF, false)
	// crcCCITT is CRC-16/IBM-3740 (CCITT-FALSE): polynomial 0x1021, init
	// 0xFFFF, no final XOR (Crc_CalculateCRC16; E2E profile 5).
	crcCCITT = newCRC[uint16](0x1021, 0xFFFF, 0x0000, false)
	// crc32P4 is CRC-32/AUTOSAR: polynomial 0xF4ACFB13 reflected, init
	// and final XOR 0xFFFFFFFF (Crc_CalculateCRC32P4; E2E profile 4).
	crc32P4 = newCRC[uint32](0xC8DF352F, 0xFFFFFFFF, 0xFFFFFFFF, true)
)

// CRC8 is CRC-8/SAE-J1850 of data; its check value for "123456789" is 0x4B.
func CRC8(data []byte) uint8 { return crcSAEJ1850.Sum(data) }

// CRC8H2F is CRC-8/AUTOSAR of data; its check value for "123456789" is 0xDF.
func CRC8H2F(data []byte) uint8 { return crc8H2F.Sum(data) }

// CRC16 is CRC-16/IBM-3740 (CCITT-FALSE) of data; check value 0x29B1.
func CRC16(data []byte) uint16 { return crcCCITT.Sum(data) }

// CRC32P4 is CRC-32/AUTOSAR of data; check value 0x1697D06A.
func CRC32P4(data []byte) uint32 { return crc32P4.Sum(data) }
