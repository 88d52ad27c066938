package e2e

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// hexBytes reads "00 10 0A" as bytes.
func hexBytes(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for _, f := range bytes.Fields([]byte(s)) {
		var b byte
		if _, err := fmt.Sscanf(string(f), "%02x", &b); err != nil {
			t.Fatalf("%q: %v", f, err)
		}
		out = append(out, b)
	}
	return out
}

// The profiles' protocol examples: the frames AUTOSAR's E2E library
// writes (as autosar-e2e, MIT, reproduces them in its tests), each sealed
// here from its data, counter and header position.
func TestAUTOSARProfilesSealTheirExamples(t *testing.T) {
	nibble := func(at int) func([]byte, int) { // a 4-bit counter in the low nibble of byte at
		return func(d []byte, c int) { d[at] = d[at]&0xF0 | byte(c) }
	}
	for _, tc := range []struct {
		name    string
		scheme  Scheme
		data    string // before sealing, the counter written
		crc     Span
		counter int
		write   func([]byte, int) // writes the counter
		put     func([]byte, uint64)
		want    string
	}{
		{"P01 1A counter 0", P01{0x123, P01Both}, "00 00 00 00 00 00 00 00", Span{0, 1}, 0, nibble(1), put8(0), "CC 00 00 00 00 00 00 00"},
		{"P01 1A counter 1", P01{0x123, P01Both}, "00 00 00 00 00 00 00 00", Span{0, 1}, 1, nibble(1), put8(0), "91 01 00 00 00 00 00 00"},
		{"P01 1B counter 0", P01{0x123, P01Alt}, "00 00 00 00 00 00 00 00", Span{0, 1}, 0, nibble(1), put8(0), "CE 00 00 00 00 00 00 00"},
		{"P01 1B counter 1", P01{0x123, P01Alt}, "00 00 00 00 00 00 00 00", Span{0, 1}, 1, nibble(1), put8(0), "02 01 00 00 00 00 00 00"},
		{"P01 low counter 0", P01{0x123, P01Low}, "00 00 00 00 00 00 00 00", Span{0, 1}, 0, nibble(1), put8(0), "CE 00 00 00 00 00 00 00"},
		{"P01 low counter 1", P01{0x123, P01Low}, "00 00 00 00 00 00 00 00", Span{0, 1}, 1, nibble(1), put8(0), "93 01 00 00 00 00 00 00"},
		// 1C sends the data ID's high nibble in the high nibble of byte 1.
		{"P01 1C counter 0", P01{0x123, P01Nibble}, "00 10 00 00 00 00 00 00", Span{0, 1}, 0, nibble(1), put8(0), "2A 10 00 00 00 00 00 00"},
		{"P01 1C counter 1", P01{0x123, P01Nibble}, "00 10 00 00 00 00 00 00", Span{0, 1}, 1, nibble(1), put8(0), "77 11 00 00 00 00 00 00"},
		{"P02 zeros", P02{}, "00 00 00 00 00 00 00 00", Span{0, 1}, 1, nibble(1), put8(0), "45 01 00 00 00 00 00 00"},
		{"P02 counter 2", P02{DataIDs: ids(0, 16)}, "00 01 02 03 04 05 06 07", Span{0, 1}, 2, nibble(1), put8(0), "BC 02 02 03 04 05 06 07"},
		{"P02 counter 1", P02{DataIDs: ids(0, 16)}, "00 01 02 03 04 05 06 07", Span{0, 1}, 1, nibble(1), put8(0), "61 01 02 03 04 05 06 07"},
		{"P04 counter 0", P04{0x0A0B0C0D}, "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", Span{8, 4}, 0, be16(2), be32(8),
			"00 10 00 00 0A 0B 0C 0D 86 2B 05 56 00 00 00 00"},
		{"P04 counter 1", P04{0x0A0B0C0D}, "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", Span{8, 4}, 1, be16(2), be32(8),
			"00 10 00 01 0A 0B 0C 0D A5 8E 68 07 00 00 00 00"},
		{"P04 at offset 8", P04{0x0A0B0C0D}, "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", Span{16, 4}, 0, be16(10), be32(16),
			"00 00 00 00 00 00 00 00 00 18 00 00 0A 0B 0C 0D 69 D7 50 2E 00 00 00 00"},
		{"P04 at offset 8, counter 1", P04{0x0A0B0C0D}, "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", Span{16, 4}, 1, be16(10), be32(16),
			"00 00 00 00 00 00 00 00 00 18 00 01 0A 0B 0C 0D 4A 72 3D 7F 00 00 00 00"},
		{"P05 counter 0", P05{0x1234}, "00 00 00 00 00 00 00 00", Span{0, 2}, 0, u8(2), le16(0), "1C CA 00 00 00 00 00 00"},
		{"P05 counter 1", P05{0x1234}, "00 00 00 00 00 00 00 00", Span{0, 2}, 1, u8(2), le16(0), "CF 8D 01 00 00 00 00 00"},
		{"P05 at offset 8", P05{0x1234}, "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", Span{8, 2}, 0, u8(10), le16(8),
			"00 00 00 00 00 00 00 00 28 91 00 00 00 00 00 00"},
		{"P05 at offset 8, counter 1", P05{0x1234}, "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", Span{8, 2}, 1, u8(10), le16(8),
			"00 00 00 00 00 00 00 00 FB D6 01 00 00 00 00 00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := hexBytes(t, tc.data)
			tc.write(data, tc.counter)
			if h, ok := tc.scheme.(HeaderWriter); ok {
				h.WriteHeader(data, tc.crc)
			}
			tc.put(data, tc.scheme.CRC(data, tc.crc, tc.counter))
			if want := hexBytes(t, tc.want); !bytes.Equal(data, want) {
				t.Errorf("%s sealed % X, want % X", tc.scheme.Name(), data, want)
			}
			// One flipped bit anywhere outside the CRC changes the CRC.
			for bit := range len(data) * 8 {
				if i := bit / 8; i >= tc.crc.At && i < tc.crc.At+tc.crc.Len {
					continue
				}
				flipped := bytes.Clone(data)
				flipped[bit/8] ^= 1 << (bit % 8)
				before := tc.scheme.CRC(data, tc.crc, tc.counter)
				if tc.scheme.CRC(flipped, tc.crc, tc.counter) == before {
					t.Errorf("bit %d flipped, the CRC stays %X", bit, before)
				}
			}
		})
	}
}

func ids(from, n int) (out [16]byte) {
	for i := range n {
		out[i] = byte(from + i)
	}
	return out
}

func put8(at int) func([]byte, uint64) { return func(d []byte, v uint64) { d[at] = byte(v) } }
func u8(at int) func([]byte, int)      { return func(d []byte, c int) { d[at] = byte(c) } }
func be16(at int) func([]byte, int) {
	return func(d []byte, c int) { binary.BigEndian.PutUint16(d[at:], uint16(c)) }
}
func be32(at int) func([]byte, uint64) {
	return func(d []byte, v uint64) { binary.BigEndian.PutUint32(d[at:], uint32(v)) }
}
func le16(at int) func([]byte, uint64) {
	return func(d []byte, v uint64) { binary.LittleEndian.PutUint16(d[at:], uint16(v)) }
}
