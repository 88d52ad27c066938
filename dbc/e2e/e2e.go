// Package e2e is the end-to-end protection of the reference network
// (DESIGN.md section 4): a 4-bit alive counter that advances by one per
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

// Layout is where one message carries its counter and CRC; either may be nil.
type Layout struct {
	Counter *descriptor.Signal
	CRC     *descriptor.Signal
	length  int
}

// LayoutOf finds the counter and CRC signals of m.
func LayoutOf(m *descriptor.Message, names Names) (Layout, error) {
	l := Layout{length: int(m.Length)}
	for _, s := range m.Signals {
		switch s.Name {
		case names.Counter:
			if s.Length < 4 {
				return l, fmt.Errorf("e2e layout of %s: counter %s has %d bits, needs 4", m.Name, s.Name, s.Length)
			}
			l.Counter = s
		case names.CRC:
			if s.Length != 8 || s.Start%8 != 0 {
				return l, fmt.Errorf("e2e layout of %s: CRC %s must fill one whole byte (starts at bit %d, %d bits)", m.Name, s.Name, s.Start, s.Length)
			}
			l.CRC = s
		}
	}
	return l, nil
}

// Protected reports whether the message carries a counter or a CRC.
func (l Layout) Protected() bool { return l.Counter != nil || l.CRC != nil }

// Seal writes the counter (modulo 16) and then the CRC over the other bytes.
func (l Layout) Seal(f *can.Frame, counter uint8) {
	if l.Counter != nil {
		l.Counter.MarshalUnsigned(&f.Data, uint64(counter%CounterModulo))
	}
	if l.CRC != nil {
		l.CRC.MarshalUnsigned(&f.Data, uint64(l.crcOf(f)))
	}
}

func (l Layout) crcOf(f *can.Frame) uint8 {
	var buf [8]byte
	at := int(l.CRC.Start / 8)
	n := 0
	for i := 0; i < int(f.Length); i++ {
		if i != at {
			buf[n] = f.Data[i]
			n++
		}
	}
	return CRC8(buf[:n])
}

// Sequence returns the frames a cyclic sender cycles through: one per
// counter value with its CRC, or f alone for an unprotected message.
func (l Layout) Sequence(f can.Frame, first uint8) []can.Frame {
	if l.Counter == nil {
		if l.CRC != nil {
			l.Seal(&f, 0)
		}
		return []can.Frame{f}
	}
	seq := make([]can.Frame, CounterModulo)
	for i := range seq {
		seq[i] = f
		l.Seal(&seq[i], first+uint8(i))
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

// Accept checks f and, when it is good, remembers its counter.
func (c *Checker) Accept(f can.Frame) error {
	if c.l.CRC != nil {
		if got, want := uint8(c.l.CRC.UnmarshalUnsigned(f.Data)), c.l.crcOf(&f); got != want {
			return fmt.Errorf("%s: %w: carries %02X, payload gives %02X", f.String(), ErrCRC, got, want)
		}
	}
	if c.l.Counter != nil {
		n := int(c.l.Counter.UnmarshalUnsigned(f.Data) % CounterModulo)
		if n == c.last {
			return fmt.Errorf("%s: %w: still %d", f.String(), ErrCounterStuck, n)
		}
		c.last = n
	}
	return nil
}
