package candb

import (
	"encoding/binary"
	"math"
	"math/big"
	"strconv"
)

// bitSpan returns the lowest and highest bit the signal touches, numbered
// byte*8 + bit (bit 0 the least significant of its byte).
func (s *Signal) bitSpan() (lo, hi int) {
	if !s.BigEndian {
		return s.Start, s.Start + s.Length - 1
	}
	lo, hi = s.Start, s.Start
	pos := s.Start
	for i := 0; i < s.Length; i++ {
		lo, hi = min(lo, pos), max(hi, pos)
		if pos%8 == 0 {
			pos += 15
		} else {
			pos--
		}
	}
	return lo, hi
}

// padded is a frame payload with room for any signal's 8-byte window.
type padded [64 + 8]byte

// raw reads the signal's raw bits from a padded payload.
func (s *Signal) raw(p *padded) uint64 {
	var mask uint64 = math.MaxUint64
	if s.Length < 64 {
		mask = 1<<uint(s.Length) - 1
	}
	b := s.Start / 8
	if b > 63 {
		return 0
	}
	if !s.BigEndian {
		shift := uint(s.Start % 8)
		if int(shift)+s.Length <= 64 {
			return binary.LittleEndian.Uint64(p[b:]) >> shift & mask
		}
	} else {
		// The MSB is bit Start%8 of byte b; a big-endian load puts it at 56+Start%8.
		lsb := 56 + s.Start%8 - (s.Length - 1)
		if lsb >= 0 {
			return binary.BigEndian.Uint64(p[b:]) >> uint(lsb) & mask
		}
	}
	return s.rawBits(p[:])
}

// rawBits reads bit by bit, for the rare signal wider than one 8-byte window.
func (s *Signal) rawBits(data []byte) uint64 {
	var v uint64
	get := func(pos int) uint64 {
		if pos/8 >= len(data) || pos < 0 {
			return 0
		}
		return uint64(data[pos/8]>>(pos%8)) & 1
	}
	if !s.BigEndian {
		for i := s.Length - 1; i >= 0; i-- {
			v = v<<1 | get(s.Start+i)
		}
		return v
	}
	pos := s.Start
	for i := 0; i < s.Length; i++ {
		v = v<<1 | get(pos)
		if pos%8 == 0 {
			pos += 15
		} else {
			pos--
		}
	}
	return v
}

// SetRaw writes raw into the signal's bits of data (bits beyond data are dropped).
func (s *Signal) SetRaw(data []byte, raw uint64) {
	set := func(pos int, bit uint64) {
		if pos < 0 || pos/8 >= len(data) {
			return
		}
		if bit != 0 {
			data[pos/8] |= 1 << uint(pos%8)
		} else {
			data[pos/8] &^= 1 << uint(pos%8)
		}
	}
	if !s.BigEndian {
		for i := 0; i < s.Length; i++ {
			set(s.Start+i, raw>>uint(i)&1)
		}
		return
	}
	pos := s.Start
	for i := s.Length - 1; i >= 0; i-- {
		set(pos, raw>>uint(i)&1)
		if pos%8 == 0 {
			pos += 15
		} else {
			pos--
		}
	}
}

// Raw reads the signal's raw bits from a payload.
func (s *Signal) Raw(data []byte) uint64 {
	var p padded
	copy(p[:], data)
	return s.raw(&p)
}

// Physical turns a raw value into the physical one: sign, float, factor, offset.
func (s *Signal) Physical(raw uint64) float64 {
	var v float64
	switch {
	case s.FloatBits == 32:
		v = float64(math.Float32frombits(uint32(raw)))
	case s.FloatBits == 64:
		v = math.Float64frombits(raw)
	case s.Signed:
		v = float64(s.signExtend(raw))
	default:
		v = float64(raw)
	}
	return v*s.Factor + s.Offset
}

// exact is the physical value of an integral signal's raw value, exactly.
func (s *Signal) exact(raw uint64) *big.Int {
	v := new(big.Int).SetUint64(raw)
	if s.Signed {
		v.SetInt64(s.signExtend(raw))
	}
	v.Mul(v, big.NewInt(int64(s.Factor)))
	return v.Add(v, big.NewInt(int64(s.Offset)))
}

func (s *Signal) signExtend(raw uint64) int64 {
	if s.Length >= 64 {
		return int64(raw)
	}
	shift := uint(64 - s.Length)
	return int64(raw<<shift) >> shift
}

// Value is one decoded signal.
type Value struct {
	Signal   *Signal
	Raw      uint64
	Physical float64
}

// Choice returns the value table's name for the value, if any.
func (v Value) Choice() (string, bool) {
	if len(v.Signal.Choices) == 0 || v.Signal.FloatBits != 0 {
		return "", false
	}
	raw := int64(v.Raw)
	if v.Signal.Signed {
		raw = v.Signal.signExtend(v.Raw)
	}
	return v.Signal.ChoiceName(raw)
}

// Decode appends the message's signals present in data (multiplexed ones
// only when their multiplexer selects them) to out and returns it. With
// enough room in out it allocates nothing.
func (m *Message) Decode(data []byte, out []Value) []Value {
	var p padded
	copy(p[:], data)
	for _, s := range m.Signals {
		if !m.present(s, &p) {
			continue
		}
		raw := s.raw(&p)
		out = append(out, Value{Signal: s, Raw: raw, Physical: s.Physical(raw)})
	}
	return out
}

func (m *Message) present(s *Signal, p *padded) bool {
	for depth := 0; s.sw != nil; depth++ {
		if depth > len(m.Signals) {
			return false // a multiplexer loop in the file
		}
		v := s.sw.raw(p)
		in := false
		for _, r := range s.MuxRanges {
			if v >= r.Lo && v <= r.Hi {
				in = true
				break
			}
		}
		if !in {
			return false
		}
		s = s.sw
	}
	return true
}

// Format writes the value as cantools decode prints it (since 37.0.6,
// which decodes value-table names as NamedSignalValue): the value table's
// name alone, or the number (Python's repr of an int or a float) and the
// unit: "Enabled", "255.92 degK", "240".
func (v Value) Format() string {
	if name, ok := v.Choice(); ok {
		return name
	}
	var s string
	if v.Signal.integral() {
		s = v.Signal.exact(v.Raw).String() // 64-bit values exactly, past float64's 53 bits
	} else {
		s = PythonFloat(v.Physical)
	}
	if v.Signal.Unit != "" {
		s += " " + v.Signal.Unit
	}
	return s
}

// PythonFloat formats f as Python's repr does: the shortest form that reads
// back exactly, with ".0" on whole numbers and exponents from 1e16 and below 1e-4.
func PythonFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	a := math.Abs(f)
	if a != 0 && (a >= 1e16 || a < 1e-4) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go writes e+16 and e-05; Python writes e+16 and e-05 too, but no
		// ".0" in the mantissa: both omit it.
		return s
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !containsByte(s, '.') {
		s += ".0"
	}
	return s
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}
