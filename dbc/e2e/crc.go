package e2e

// The CRCs of AUTOSAR's CRC library (SWS CRC Library) that its E2E
// profiles use, each as the catalogue of parametrised CRCs names it. A
// computation may be continued: Continue takes a finished CRC as the
// library's Crc_StartValue with Crc_IsFirstCall false, so a CRC over
// several pieces equals the CRC over their concatenation.

// crc8 is a CRC of 8 bits, most significant bit first.
type crc8 struct {
	table        [256]uint8
	init, xorout uint8
}

func newCRC8(poly, init, xorout uint8) *crc8 {
	c := &crc8{init: init, xorout: xorout}
	for i := range c.table {
		v := uint8(i)
		for range 8 {
			if v&0x80 != 0 {
				v = v<<1 ^ poly
			} else {
				v <<= 1
			}
		}
		c.table[i] = v
	}
	return c
}

// Sum is the CRC of data.
func (c *crc8) Sum(data ...[]byte) uint8 { return c.Continue(c.init^c.xorout, data...) }

// Continue goes on from a CRC of the data before.
func (c *crc8) Continue(crc uint8, data ...[]byte) uint8 {
	v := crc ^ c.xorout
	for _, d := range data {
		for _, b := range d {
			v = c.table[v^b]
		}
	}
	return v ^ c.xorout
}

// crc16 is a CRC of 16 bits, most significant bit first.
type crc16 struct {
	table        [256]uint16
	init, xorout uint16
}

func newCRC16(poly, init, xorout uint16) *crc16 {
	c := &crc16{init: init, xorout: xorout}
	for i := range c.table {
		v := uint16(i) << 8
		for range 8 {
			if v&0x8000 != 0 {
				v = v<<1 ^ poly
			} else {
				v <<= 1
			}
		}
		c.table[i] = v
	}
	return c
}

func (c *crc16) Sum(data ...[]byte) uint16 { return c.Continue(c.init^c.xorout, data...) }

func (c *crc16) Continue(crc uint16, data ...[]byte) uint16 {
	v := crc ^ c.xorout
	for _, d := range data {
		for _, b := range d {
			v = v<<8 ^ c.table[byte(v>>8)^b]
		}
	}
	return v ^ c.xorout
}

// crc32r is a CRC of 32 bits, least significant bit first (reflected).
type crc32r struct {
	table        [256]uint32
	init, xorout uint32
}

func newCRC32r(reflectedPoly, init, xorout uint32) *crc32r {
	c := &crc32r{init: init, xorout: xorout}
	for i := range c.table {
		v := uint32(i)
		for range 8 {
			if v&1 != 0 {
				v = v>>1 ^ reflectedPoly
			} else {
				v >>= 1
			}
		}
		c.table[i] = v
	}
	return c
}

func (c *crc32r) Sum(data ...[]byte) uint32 { return c.Continue(c.init^c.xorout, data...) }

func (c *crc32r) Continue(crc uint32, data ...[]byte) uint32 {
	v := crc ^ c.xorout
	for _, d := range data {
		for _, b := range d {
			v = v>>8 ^ c.table[byte(v)^b]
		}
	}
	return v ^ c.xorout
}

var (
	// crcSAEJ1850 is CRC-8/SAE-J1850: polynomial 0x1D, init 0xFF, final
	// XOR 0xFF (Crc_CalculateCRC8; E2E profile 1, the reference network).
	crcSAEJ1850 = newCRC8(0x1D, 0xFF, 0xFF)
	// crc8H2F is CRC-8/AUTOSAR: polynomial 0x2F, init 0xFF, final XOR
	// 0xFF (Crc_CalculateCRC8H2F; E2E profiles 2, 11 and 22, VW MQB).
	crc8H2F = newCRC8(0x2F, 0xFF, 0xFF)
	// crcCCITT is CRC-16/IBM-3740 (CCITT-FALSE): polynomial 0x1021, init
	// 0xFFFF, no final XOR (Crc_CalculateCRC16; E2E profile 5).
	crcCCITT = newCRC16(0x1021, 0xFFFF, 0x0000)
	// crc32P4 is CRC-32/AUTOSAR: polynomial 0xF4ACFB13 reflected, init
	// and final XOR 0xFFFFFFFF (Crc_CalculateCRC32P4; E2E profile 4).
	crc32P4 = newCRC32r(0xC8DF352F, 0xFFFFFFFF, 0xFFFFFFFF)
)

// CRC8 is CRC-8/SAE-J1850 of data; its check value for "123456789" is 0x4B.
func CRC8(data []byte) uint8 { return crcSAEJ1850.Sum(data) }

// CRC8H2F is CRC-8/AUTOSAR of data; its check value for "123456789" is 0xDF.
func CRC8H2F(data []byte) uint8 { return crc8H2F.Sum(data) }

// CRC16 is CRC-16/IBM-3740 (CCITT-FALSE) of data; check value 0x29B1.
func CRC16(data []byte) uint16 { return crcCCITT.Sum(data) }

// CRC32P4 is CRC-32/AUTOSAR of data; check value 0x1697D06A.
func CRC32P4(data []byte) uint32 { return crc32P4.Sum(data) }
