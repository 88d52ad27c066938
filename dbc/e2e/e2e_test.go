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
