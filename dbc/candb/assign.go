package candb

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/cockpit-hil/hil/dbc/e2e"
	suggestpkg "github.com/cockpit-hil/hil/internal/suggest"
)

// ParseAssignment splits "Message.Signal=Value".
func ParseAssignment(s string) (message, signal, value string, err error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok {
		return "", "", "", fmt.Errorf("%q: want MESSAGE.SIGNAL=VALUE", s)
	}
	message, signal, ok = strings.Cut(strings.TrimSpace(name), ".")
	if !ok || message == "" || signal == "" || strings.Contains(signal, ".") {
		return "", "", "", fmt.Errorf("%q: want MESSAGE.SIGNAL=VALUE", s)
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return "", "", "", fmt.Errorf("%q: no value after '='", s)
	}
	return message, signal, value, nil
}

// Lookup finds MESSAGE.SIGNAL; a misspelt name is answered with the closest ones.
func (db *Database) Lookup(message, signal string) (*Message, *Signal, error) {
	m, ok := db.byName[message]
	if !ok {
		names := make([]string, 0, len(db.Messages))
		for _, x := range db.Messages {
			names = append(names, x.Name)
		}
		return nil, nil, fmt.Errorf("no message %q in %s%s", message, db.File, suggest(message, names))
	}
	s, ok := m.byName[signal]
	if !ok {
		names := make([]string, 0, len(m.Signals))
		for _, x := range m.Signals {
			names = append(names, x.Name)
		}
		return m, nil, fmt.Errorf("no signal %q in %s%s", signal, m.Name, suggest(signal, names))
	}
	return m, s, nil
}

func suggest(name string, names []string) string { return suggestpkg.Closest(name, names) }

// Encode turns a value as a person writes it, a number in physical units or
// a value-table name, into the raw value. It refuses values outside the
// signal's range, or that its bits cannot hold.
func (s *Signal) Encode(text string) (uint64, error) {
	text = strings.TrimSpace(text)
	for _, c := range s.Choices {
		if c.Name == text {
			return s.fromInt(c.Value)
		}
	}
	for _, c := range s.Choices {
		if strings.EqualFold(c.Name, text) {
			return s.fromInt(c.Value)
		}
	}
	if raw, ok, err := s.encodeExact(text); ok {
		return raw, err
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		if len(s.Choices) > 0 {
			names := make([]string, len(s.Choices))
			for i, c := range s.Choices {
				names[i] = c.Name
			}
			return 0, fmt.Errorf("%s: %q is neither a number nor one of %s%s", s.ref(), text, strings.Join(names, ", "), suggest(text, names))
		}
		return 0, fmt.Errorf("%s: %q is not a number", s.ref(), text)
	}
	if s.RangeGiven() {
		eps := math.Abs(s.Factor) / 2
		if v < s.Min-eps || v > s.Max+eps {
			return 0, fmt.Errorf("%s=%s: out of range [%s, %s]%s", s.ref(), text, PythonNumber(s.Min), PythonNumber(s.Max), unitSuffix(s.Unit))
		}
	}
	scaled := (v - s.Offset) / s.Factor
	switch s.FloatBits {
	case 32:
		return uint64(math.Float32bits(float32(scaled))), nil
	case 64:
		return math.Float64bits(scaled), nil
	}
	r := math.Round(scaled)
	if r < math.MinInt64 || r > math.MaxUint64 {
		return 0, fmt.Errorf("%s=%s: does not fit in %d bits", s.ref(), text, s.Length)
	}
	if s.Signed {
		return s.fromInt(int64(r))
	}
	if r < 0 {
		return 0, fmt.Errorf("%s=%s: negative, but the signal is unsigned", s.ref(), text)
	}
	return s.fromUint(uint64(r), text)
}

// encodeExact encodes a whole number exactly, as integer arithmetic: a
// 64-bit signal holds more than a float64 carries (2^64-1 would become
// 2^63 on the way). ok is false where the text or the signal is not a
// whole number's.
func (s *Signal) encodeExact(text string) (raw uint64, ok bool, err error) {
	v, isInt := new(big.Int).SetString(text, 10)
	if !isInt || !s.integral() {
		return 0, false, nil
	}
	if s.RangeGiven() {
		f, _ := new(big.Float).SetInt(v).Float64()
		eps := math.Abs(s.Factor) / 2
		if f < s.Min-eps || f > s.Max+eps {
			return 0, true, fmt.Errorf("%s=%s: out of range [%s, %s]%s", s.ref(), text, PythonNumber(s.Min), PythonNumber(s.Max), unitSuffix(s.Unit))
		}
	}
	scaled := new(big.Int).Sub(v, big.NewInt(int64(s.Offset)))
	if rem := new(big.Int).Rem(scaled, big.NewInt(int64(s.Factor))); rem.Sign() != 0 {
		return 0, false, nil // between two raw values: rounded as any number is
	}
	scaled.Quo(scaled, big.NewInt(int64(s.Factor)))
	switch {
	case scaled.IsInt64() && s.Signed:
		r, err := s.fromInt(scaled.Int64())
		return r, true, err
	case scaled.Sign() < 0:
		return 0, true, fmt.Errorf("%s=%s: negative, but the signal is unsigned", s.ref(), text)
	case scaled.IsUint64() && !s.Signed:
		r, err := s.fromUint(scaled.Uint64(), text)
		return r, true, err
	}
	return 0, true, fmt.Errorf("%s=%s: does not fit in %d bits", s.ref(), text, s.Length)
}

// integral reports whether the signal's physical values are whole numbers
// computed exactly: an integer signal with a whole factor and offset.
func (s *Signal) integral() bool {
	whole := func(f float64) bool { return f == math.Trunc(f) && math.Abs(f) < 1<<62 }
	return s.FloatBits == 0 && s.Factor != 0 && whole(s.Factor) && whole(s.Offset)
}

func (s *Signal) fromInt(v int64) (uint64, error) {
	if !s.Signed {
		if v < 0 {
			return 0, fmt.Errorf("%s: %d is negative, but the signal is unsigned", s.ref(), v)
		}
		return s.fromUint(uint64(v), strconv.FormatInt(v, 10))
	}
	if s.Length < 64 {
		lo, hi := -int64(1)<<uint(s.Length-1), int64(1)<<uint(s.Length-1)-1
		if v < lo || v > hi {
			return 0, fmt.Errorf("%s: raw %d does not fit in %d signed bits (%d..%d)", s.ref(), v, s.Length, lo, hi)
		}
		return uint64(v) & (1<<uint(s.Length) - 1), nil
	}
	return uint64(v), nil
}

func (s *Signal) fromUint(v uint64, text string) (uint64, error) {
	if s.Length < 64 && v >= 1<<uint(s.Length) {
		return 0, fmt.Errorf("%s=%s: raw %d does not fit in %d bits", s.ref(), text, v, s.Length)
	}
	return v, nil
}

func (s *Signal) ref() string {
	if s.msg == nil {
		return s.Name
	}
	return s.msg.Name + "." + s.Name
}

func unitSuffix(u string) string {
	if u == "" {
		return ""
	}
	return " " + u
}

// PythonNumber formats a range bound as cantools shows it: whole numbers
// without a fraction.
func PythonNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return PythonFloat(f)
}

// Initial returns a payload with every signal at its initial value
// (GenSigStartValue, raw).
func (m *Message) Initial() []byte {
	data := make([]byte, min(m.Length, 64))
	for _, s := range m.Signals {
		if s.Initial != 0 && s.sw == nil {
			s.SetRaw(data, uint64(int64(s.Initial)))
		}
	}
	return data
}

// E2E returns where the message carries its alive counter and CRC.
func (m *Message) E2E(names e2e.Names) (e2e.Layout, error) {
	var counter, crc e2e.Field
	var counterBits int
	var span e2e.Span
	for _, s := range m.Signals {
		switch s.Name {
		case names.Counter:
			counter, counterBits = s, s.Length
		case names.CRC:
			var ok bool
			if span, ok = e2e.SpanOf(s.Start, s.Length, s.BigEndian); !ok {
				return e2e.Layout{}, fmt.Errorf("%s: CRC %s must fill whole bytes (starts at bit %d, %d bits)", m.Name, s.Name, s.Start, s.Length)
			}
			crc = s
		}
	}
	return e2e.NewLayout(counter, counterBits, crc, span), nil
}

// Build makes one message's payload from MESSAGE.SIGNAL=VALUE assignments:
// every other signal at its initial value, then the counter set to counter
// and the CRC computed, unless an assignment sets them.
func (db *Database) Build(assignments []string, counter uint8) (*Message, []byte, error) {
	var m *Message
	var data []byte
	set := map[string]bool{}
	type pending struct {
		s   *Signal
		raw uint64
	}
	var values []pending
	for _, a := range assignments {
		msg, sig, val, err := ParseAssignment(a)
		if err != nil {
			return nil, nil, err
		}
		mm, s, err := db.Lookup(msg, sig)
		if err != nil {
			return nil, nil, err
		}
		if m != nil && mm != m {
			return nil, nil, fmt.Errorf("%s: one frame carries one message, and %s came first", a, m.Name)
		}
		m = mm
		raw, err := s.Encode(val)
		if err != nil {
			return nil, nil, err
		}
		values = append(values, pending{s, raw})
		set[s.Name] = true
	}
	if m == nil {
		return nil, nil, fmt.Errorf("no MESSAGE.SIGNAL=VALUE given")
	}
	if m.Length > 64 {
		return nil, nil, fmt.Errorf("%s: %d bytes do not fit in one CAN frame", m.Name, m.Length)
	}
	data = m.Initial()
	for _, v := range values {
		v.s.SetRaw(data, v.raw)
	}
	var p padded
	copy(p[:], data)
	for _, v := range values {
		if !m.present(v.s, &p) {
			return nil, nil, fmt.Errorf("%s is present only when %s is in %v: set %s.%s too", v.s.ref(), v.s.Switch, v.s.MuxRanges, m.Name, v.s.Switch)
		}
	}
	l, err := m.E2E(e2e.DefaultNames)
	if err != nil {
		return nil, nil, err
	}
	if set[e2e.DefaultNames.Counter] {
		counter = uint8(m.byName[e2e.DefaultNames.Counter].Raw(data))
	}
	if !set[e2e.DefaultNames.CRC] {
		l.Seal(data, int(counter))
	}
	return m, data, nil
}
