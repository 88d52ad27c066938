// Package e2e is the end-to-end protection of the reference network
// (docs/design.md section 3): a 4-bit alive counter that advances by one per
// transmission and wraps at 15, and a CRC-8/SAE-J1850 (polynomial 0x1D,
// initial value 0xFF, final XOR 0xFF) over the message's other payload bytes.
//
// A message declares them by its signals' names: "Counter" and "CRC" unless
// Names says otherwise (an OEM's DBC may call them AliveCounter and
// Checksum). The CRC signal must fill one whole byte.
package e2e

import (
	"errors"
	"fmt"

	"go.einride.tech/can"
	"go.einride.tech/can/pkg/descriptor"
)

// CounterModulo is the alive counter's range: 0..15.
const CounterModulo = 16

var crcTable = func() (t [256]uint8) {
	for i := range t {
		c := uint8(i)
		for range 8 {
			if c&0x80 != 0 {
				c = c<<1 ^ 0x1D
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// CRC8 is CRC-8/SAE-J1850 of data; its check value for "123456789" is 0x4B.
func CRC8(data []byte) uint8 {
	c := uint8(0xFF)
	for _, b := range data {
		c = crcTable[c^b]
	}
	return c ^ 0xFF
}

// Names are the signal names that carry the counter and the CRC.
type Names struct{ Counter, CRC string }

// DefaultNames are the reference network's.
var DefaultNames = Names{Counter: "Counter", CRC: "CRC"}

// Field is a signal's place in a payload: einride's descriptors (through
// LayoutOf) and the run-time database's signals both provide one.
type Field interface {
	Raw(data []byte) uint64
	SetRaw(data []byte, raw uint64)
}

// Layout is where one message carries its counter and CRC.
type Layout struct {
	counter Field
	crc     Field
	crcByte int
}

// NewLayout describes a message's protection: counter may be nil, and crc
// may be nil (crcByte is then ignored).
func NewLayout(counter, crc Field, crcByte int) Layout {
	return Layout{counter: counter, crc: crc, crcByte: crcByte}
}

// LayoutOf finds the counter and CRC signals of a generated message.
func LayoutOf(m *descriptor.Message, names Names) (Layout, error) {
	var l Layout
	for _, s := range m.Signals {
		switch s.Name {
		case names.Counter:
			if s.Length < 4 {
				return l, fmt.Errorf("e2e layout of %s: counter %s has %d bits, needs 4", m.Name, s.Name, s.Length)
			}
			l.counter = einrideField{s}
		case names.CRC:
			if s.Length != 8 || s.Start%8 != 0 || s.IsBigEndian {
				return l, fmt.Errorf("e2e layout of %s: CRC %s must fill one whole byte (starts at bit %d, %d bits)", m.Name, s.Name, s.Start, s.Length)
			}
			l.crc, l.crcByte = einrideField{s}, int(s.Start/8)
		}
	}
	return l, nil
}

type einrideField struct{ s *descriptor.Signal }

func (f einrideField) Raw(data []byte) uint64 {
	var d can.Data
	copy(d[:], data)
	return f.s.UnmarshalUnsigned(d)
}

func (f einrideField) SetRaw(data []byte, raw uint64) {
	var d can.Data
	copy(d[:], data)
	f.s.MarshalUnsigned(&d, raw)
	copy(data, d[:])
}

// Protected reports whether the message carries a counter or a CRC.
func (l Layout) Protected() bool { return l.counter != nil || l.crc != nil }

// HasCounter reports whether the message carries an alive counter.
func (l Layout) HasCounter() bool { return l.counter != nil }

// Counter reads the alive counter (0 when the message has none).
func (l Layout) Counter(data []byte) uint64 {
	if l.counter == nil {
		return 0
	}
	return l.counter.Raw(data)
}

// Seal writes the counter (modulo 16) and then the CRC over the other bytes.
func (l Layout) Seal(data []byte, counter uint8) {
	if l.counter != nil {
		l.counter.SetRaw(data, uint64(counter%CounterModulo))
	}
	if l.crc != nil {
		l.crc.SetRaw(data, uint64(l.crcOf(data)))
	}
}

func (l Layout) crcOf(data []byte) uint8 {
	var buf [64]byte
	n := 0
	for i, b := range data {
		if i != l.crcByte {
			buf[n] = b
			n++
		}
	}
	return CRC8(buf[:n])
}

// Sequence returns the payloads a cyclic sender cycles through: one per
// counter value, starting at first, each with its CRC; or data alone, sealed,
// for a message without a counter.
func (l Layout) Sequence(data []byte, first uint8) [][]byte {
	n := 1
	if l.counter != nil {
		n = CounterModulo
	}
	seq := make([][]byte, n)
	for i := range seq {
		seq[i] = append([]byte(nil), data...)
		l.Seal(seq[i], first+uint8(i))
	}
	return seq
}

// Errors a receiver branches on.
var (
	ErrCRC          = errors.New("CRC mismatch")
	ErrCounterStuck = errors.New("alive counter did not advance")
)

// Checker is a receiver's view of one protected message: it accepts a frame
// only when its CRC is right and its counter advanced, as an ECU does.
type Checker struct {
	l    Layout
	last int // -1 before the first frame
}

// NewChecker returns a checker that accepts any counter value first.
func NewChecker(l Layout) *Checker { return &Checker{l: l, last: -1} }

// Accept checks a payload and, when it is good, remembers its counter.
func (c *Checker) Accept(data []byte) error {
	if c.l.crc != nil {
		if got, want := uint8(c.l.crc.Raw(data)), c.l.crcOf(data); got != want {
			return fmt.Errorf("% X: %w: carries %02X, payload gives %02X", data, ErrCRC, got, want)
		}
	}
	if c.l.counter != nil {
		n := int(c.l.counter.Raw(data) % CounterModulo)
		if n == c.last {
			return fmt.Errorf("% X: %w: still %d", data, ErrCounterStuck, n)
		}
		c.last = n
	}
	return nil
}
