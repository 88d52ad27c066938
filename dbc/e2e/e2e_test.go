package e2e

import (
	"errors"
	"testing"

	ic "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"go.einride.tech/can"
)

func TestCRC8CheckValue(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint8
	}{
		{"123456789", 0x4B}, // the catalogue's check value for CRC-8/SAE-J1850
		{"", 0x00},
	} {
		if got := CRC8([]byte(tc.in)); got != tc.want {
			t.Errorf("CRC8(%q) = %02X, want %02X", tc.in, got, tc.want)
		}
	}
	// AUTOSAR's own examples for this CRC (SWS CRC Library, CRC-8 SAE J1850).
	for _, tc := range []struct {
		in   []byte
		want uint8
	}{
		{[]byte{0x00, 0x00, 0x00, 0x00}, 0x59},
		{[]byte{0xF2, 0x01, 0x83}, 0x37},
		{[]byte{0x0F, 0xAA, 0x00, 0x55}, 0x79},
		{[]byte{0x00, 0xFF, 0x55, 0x11}, 0xB8},
		{[]byte{0x33, 0x22, 0x55, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF}, 0xCB},
		{[]byte{0x92, 0x6B, 0x55}, 0x8C},
		{[]byte{0xFF, 0xFF, 0xFF, 0xFF}, 0x74},
	} {
		if got := CRC8(tc.in); got != tc.want {
			t.Errorf("CRC8(% X) = %02X, want %02X", tc.in, got, tc.want)
		}
	}
}

func TestSequenceCountsAndChecks(t *testing.T) {
	m := ic.NewTCU_Gear().SetGear(ic.TCU_Gear_Gear_R)
	l, err := LayoutOf(m.Descriptor(), DefaultNames)
	if err != nil || !l.Protected() {
		t.Fatalf("layout %+v, %v", l, err)
	}
	f0 := m.Frame()
	seq := l.Sequence(f0.Data[:f0.Length], 14)
	if len(seq) != 16 {
		t.Fatalf("sequence of %d frames", len(seq))
	}
	c := NewChecker(l)
	for i, data := range append(seq, seq[0]) {
		f := can.Frame{ID: f0.ID, Length: f0.Length}
		copy(f.Data[:], data)
		var back ic.TCU_Gear
		if err := back.UnmarshalFrame(f); err != nil {
			t.Fatal(err)
		}
		if want := uint8((14 + i) % 16); back.Counter() != want {
			t.Errorf("frame %d counter %d, want %d", i, back.Counter(), want)
		}
		if back.Gear() != ic.TCU_Gear_Gear_R {
			t.Errorf("frame %d lost the gear", i)
		}
		if want := CRC8([]byte{f.Data[1], f.Data[2]}); back.CRC() != want {
			t.Errorf("frame %d CRC %02X, want %02X over bytes 1..2", i, back.CRC(), want)
		}
		if err := c.Accept(data); err != nil {
			t.Errorf("frame %d refused: %v", i, err)
		}
	}
	if err := c.Accept(seq[0]); !errors.Is(err, ErrCounterStuck) {
		t.Errorf("repeated frame: %v, want ErrCounterStuck", err)
	}
	bad := append([]byte(nil), seq[1]...)
	bad[2] ^= 0x01
	if err := c.Accept(bad); !errors.Is(err, ErrCRC) {
		t.Errorf("corrupted frame: %v, want ErrCRC", err)
	}
}

func TestUnprotectedAndBadLayouts(t *testing.T) {
	l, err := LayoutOf(ic.NewIVI_Heartbeat().Descriptor(), DefaultNames)
	if err != nil || l.crc != nil || l.counter == nil {
		t.Errorf("IVI_Heartbeat has a counter and no CRC: %+v %v", l, err)
	}
	l, _ = LayoutOf(ic.NewIVI_Heartbeat().Descriptor(), Names{Counter: "Nope", CRC: "Nope"})
	if l.Protected() {
		t.Error("unknown names found signals")
	}
	if seq := l.Sequence([]byte{1, 2}, 0); len(seq) != 1 {
		t.Errorf("unprotected sequence of %d frames", len(seq))
	}
	if _, err := LayoutOf(ic.NewIVI_Heartbeat().Descriptor(), Names{CRC: "PowerState"}); err == nil {
		t.Error("a 2-bit CRC was accepted")
	}
}

// The catalogue's check values ("123456789") and the CRC library's own
// examples (SWS CRC Library) for each CRC the profiles use.
func TestCRCCheckValues(t *testing.T) {
	check := []byte("123456789")
	examples := [][]byte{
		{0x00, 0x00, 0x00, 0x00}, {0xF2, 0x01, 0x83}, {0x0F, 0xAA, 0x00, 0x55}, {0x00, 0xFF, 0x55, 0x11},
		{0x33, 0x22, 0x55, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF}, {0x92, 0x6B, 0x55}, {0xFF, 0xFF, 0xFF, 0xFF},
	}
	for _, tc := range []struct {
		name  string
		sum   func([]byte) uint64
		check uint64
		want  []uint64 // for the examples, in order
	}{
		{"CRC-8/AUTOSAR (8H2F)", func(d []byte) uint64 { return uint64(CRC8H2F(d)) }, 0xDF,
			[]uint64{0x12, 0xC2, 0xC6, 0x77, 0x11, 0x33, 0x6C}},
		{"CRC-16/IBM-3740", func(d []byte) uint64 { return uint64(CRC16(d)) }, 0x29B1,
			[]uint64{0x84C0, 0xD374, 0x2023, 0xB8F9, 0xF53F, 0x0745, 0x1D0F}},
		{"CRC-32/AUTOSAR (P4)", func(d []byte) uint64 { return uint64(CRC32P4(d)) }, 0x1697D06A,
			[]uint64{0x6FB32240, 0x4F721A25, 0x20662DF8, 0x9BD7996E, 0xA65A343D, 0xEE688A78, 0xFFFFFFFF}},
	} {
		if got := tc.sum(check); got != tc.check {
			t.Errorf("%s(123456789) = %X, want %X", tc.name, got, tc.check)
		}
		for i, ex := range examples {
			if got := tc.sum(ex); got != tc.want[i] {
				t.Errorf("%s(% X) = %X, want %X", tc.name, ex, got, tc.want[i])
			}
		}
	}
	// Continuing a CRC over pieces is the CRC over the whole.
	if a, b := crc8H2F.Continue(crc8H2F.Sum(check[:4]), check[4:]), CRC8H2F(check); a != b {
		t.Errorf("8H2F continued %02X, whole %02X", a, b)
	}
	if a, b := crcCCITT.Continue(crcCCITT.Sum(check[:3]), check[3:]), CRC16(check); a != b {
		t.Errorf("CRC16 continued %04X, whole %04X", a, b)
	}
	if a, b := crc32P4.Continue(crc32P4.Sum(check[:5]), check[5:]), CRC32P4(check); a != b {
		t.Errorf("CRC32P4 continued %08X, whole %08X", a, b)
	}
}
