// Package e2e is the end-to-end protection of the reference network
// (docs/design.md section 3): a 4-bit alive counter that advances by one per
// transmission and wraps at 15, and a CRC-8/SAE-J1850 (polynomial 0x1D,
// initial value 0xFF, final XOR 0xFF) over the message's other payload bytes.
//
// A message declares them by its signals' names: "Counter" and "CRC" unless
// Names says otherwise (an OEM's DBC may call them AliveCounter and
// Checksum). The CRC signal must fill whole bytes. Other networks protect
// their messages by other schemes (AUTOSAR's E2E profiles, an OEM's): a
// Layout takes any Scheme.
package e2e

import (
	"errors"
	"fmt"

	"go.einride.tech/can"
	"go.einride.tech/can/pkg/descriptor"
)

// CounterModulo is the alive counter's range: 0..15.
const CounterModulo = 16

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

// Layout is where one message carries its counter and CRC, and the
// scheme that computes them (the reference network's unless WithScheme
// says otherwise).
type Layout struct {
	counter     Field
	counterBits int
	crc         Field
	span        Span
	scheme      Scheme
}

// NewLayout describes a message's protection: counter (of counterBits
// bits) may be nil, and crc may be nil (span is then ignored).
func NewLayout(counter Field, counterBits int, crc Field, span Span) Layout {
	return Layout{counter: counter, counterBits: counterBits, crc: crc, span: span}
}

// WithScheme is the layout protected by another scheme.
func (l Layout) WithScheme(s Scheme) Layout {
	l.scheme = s
	return l
}

// Scheme is the layout's scheme.
func (l Layout) Scheme() Scheme {
	if l.scheme == nil {
		return Reference{}
	}
	return l.scheme
}

// SpanOf is the bytes a signal fills, by its DBC start bit, length and
// byte order; ok is false when it does not fill whole bytes.
func SpanOf(start, length int, bigEndian bool) (span Span, ok bool) {
	lo, hi := start, start+length-1
	if bigEndian {
		// The start bit is the most significant; the signal runs down
		// through its byte and on into the next byte's bit 7.
		lo, hi = start, start
		pos := start
		for range length {
			lo, hi = min(lo, pos), max(hi, pos)
			if pos%8 == 0 {
				pos += 15
			} else {
				pos--
			}
		}
	}
	if length <= 0 || lo%8 != 0 || (hi+1)%8 != 0 {
		return Span{}, false
	}
	return Span{At: lo / 8, Len: (hi + 1 - lo) / 8}, true
}

// LayoutOf finds the counter and CRC signals of a generated message.
func LayoutOf(m *descriptor.Message, names Names) (Layout, error) {
	var l Layout
	for _, s := range m.Signals {
		switch s.Name {
		case names.Counter:
			l.counter, l.counterBits = einrideField{s}, int(s.Length)
		case names.CRC:
			span, ok := SpanOf(int(s.Start), int(s.Length), s.IsBigEndian)
			if !ok {
				return l, fmt.Errorf("e2e layout of %s: CRC %s must fill whole bytes (starts at bit %d, %d bits)", m.Name, s.Name, s.Start, s.Length)
			}
			l.crc, l.span = einrideField{s}, span
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

// Counters is the alive counter's range, 0..Counters()-1: the scheme's,
// or less where the counter signal has fewer bits; 1 without a counter.
func (l Layout) Counters() int {
	if l.counter == nil {
		return 1
	}
	n := l.Scheme().Counters()
	if l.counterBits > 0 && l.counterBits < 31 {
		n = min(n, 1<<l.counterBits)
	}
	return n
}

// Counter reads the alive counter (0 when the message has none).
func (l Layout) Counter(data []byte) int {
	if l.counter == nil {
		return 0
	}
	return int(l.counter.Raw(data))
}

// Seal writes the counter (modulo Counters) and then what the scheme
// derives: its header, if it has one, and the CRC.
func (l Layout) Seal(data []byte, counter int) {
	counter %= l.Counters()
	if l.counter != nil {
		l.counter.SetRaw(data, uint64(counter))
	}
	if l.crc != nil {
		if h, ok := l.Scheme().(HeaderWriter); ok {
			h.WriteHeader(data, l.span)
		}
		l.crc.SetRaw(data, l.crcOf(data, counter))
	}
}

func (l Layout) crcOf(data []byte, counter int) uint64 {
	return l.Scheme().CRC(data, l.span, counter)
}

// Sequence returns the payloads a cyclic sender cycles through: one per
// counter value, starting at first, each with its CRC; or data alone, sealed,
// for a message without a counter.
func (l Layout) Sequence(data []byte, first int) [][]byte {
	seq := make([][]byte, l.Counters())
	for i := range seq {
		seq[i] = append([]byte(nil), data...)
		l.Seal(seq[i], first+i)
	}
	return seq
}

// Errors a receiver branches on.
var (
	ErrCRC          = errors.New("CRC mismatch")
	ErrCounterStuck = errors.New("alive counter did not advance")
	ErrCounterRange = errors.New("alive counter out of range")
)

// Checker is a receiver's view of one protected message: it accepts a frame
// only when its CRC is right and its counter advanced, as an ECU does.
type Checker struct {
	l    Layout
	last int // -1 before the first frame
}

// Scheme names the checker's scheme.
func (c *Checker) Scheme() string { return c.l.Scheme().Name() }

// NewChecker returns a checker that accepts any counter value first.
func NewChecker(l Layout) *Checker { return &Checker{l: l, last: -1} }

// Accept checks a payload and, when it is good, remembers its counter.
// A bad one is a *CheckError.
func (c *Checker) Accept(data []byte) error {
	n := c.l.Counter(data)
	if c.l.counter != nil && n >= c.l.Counters() {
		return &CheckError{Data: data, Err: ErrCounterRange, Counter: n, Counters: c.l.Counters()}
	}
	if c.l.crc != nil {
		if got, want := c.l.crc.Raw(data), c.l.crcOf(data, n); got != want {
			return &CheckError{Data: data, Err: ErrCRC, Got: got, Want: want, Counter: n}
		}
	}
	if c.l.counter != nil {
		if n == c.last {
			return &CheckError{Data: data, Err: ErrCounterStuck, Counter: n}
		}
		c.last = n
	}
	return nil
}

// CheckError is a payload a Checker refused, and why.
type CheckError struct {
	Data      []byte
	Err       error  // ErrCRC, ErrCounterStuck or ErrCounterRange
	Got, Want uint64 // the CRC carried and the CRC due (ErrCRC)
	Counter   int
	Counters  int // the counter's range (ErrCounterRange)
}

func (e *CheckError) Error() string { return fmt.Sprintf("% X: %v: %s", e.Data, e.Err, e.Reason()) }
func (e *CheckError) Unwrap() error { return e.Err }

// Reason says what was wrong in a few words: "CRC 0x6B, want 0x5A",
// "counter 3 repeated", "counter 15 out of range 0..14".
func (e *CheckError) Reason() string {
	switch e.Err {
	case ErrCRC:
		return fmt.Sprintf("CRC 0x%02X, want 0x%02X", e.Got, e.Want)
	case ErrCounterStuck:
		return fmt.Sprintf("counter %d repeated", e.Counter)
	case ErrCounterRange:
		return fmt.Sprintf("counter %d out of range 0..%d", e.Counter, e.Counters-1)
	}
	return e.Err.Error()
}
