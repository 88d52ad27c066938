package canbus

import (
	"fmt"
	"strings"
)

// ErrFlag is the bit that marks an error frame in a SocketCAN ID and in the
// can-utils text syntax (an 8-digit ID with 0x20000000 set).
const ErrFlag = 0x20000000

const hexDigits = "0123456789ABCDEF"

// ParseFrame parses the compact frame syntax of cansend and candump -L:
//
//	123#DEADBEEF        standard frame (3 hex digits)
//	12345678#00.11.22   extended frame (8 hex digits), '.' separators allowed
//	123#R  123#R8       remote frame, optionally with a DLC
//	123##1DEADBEEF      CAN FD frame; the digit after ## holds the flags (1 = BRS, 2 = ESI)
//	20000004#0004...    error frame (8 digits with the error flag 0x20000000)
//
// Unlike cansend it refuses what it would silently truncate.
func ParseFrame(s string) (Frame, error) {
	var f Frame
	hash := strings.IndexByte(s, '#')
	var digits int
	switch hash {
	case 3:
		digits = 3
	case 8:
		digits = 8
	default:
		return f, fmt.Errorf("parse frame %q: want 3 (standard) or 8 (extended) hex digits before '#'", s)
	}
	id, ok := parseHex(s[:digits])
	if !ok {
		return f, fmt.Errorf("parse frame %q: ID %q is not hexadecimal", s, s[:digits])
	}
	switch {
	case digits == 3:
		if id > MaxID {
			return f, fmt.Errorf("parse frame %q: standard ID %03X exceeds 7FF", s, id)
		}
	case id&ErrFlag != 0:
		f.Error = true
		id &^= ErrFlag
		if id > MaxExtendedID {
			return f, fmt.Errorf("parse frame %q: error class %08X has bits beyond the 29-bit mask", s, id)
		}
	default:
		if id > MaxExtendedID {
			return f, fmt.Errorf("parse frame %q: extended ID %08X exceeds 1FFFFFFF", s, id)
		}
		f.Extended = true
	}
	f.ID = id
	rest := s[hash+1:]
	if len(rest) > 0 && (rest[0] == 'R' || rest[0] == 'r') {
		if f.Error {
			return f, fmt.Errorf("parse frame %q: error frames have no remote form", s)
		}
		f.Remote = true
		switch {
		case len(rest) == 1:
		case len(rest) == 2 && rest[1] >= '0' && rest[1] <= '8':
			f.Len = rest[1] - '0'
		default:
			return f, fmt.Errorf("parse frame %q: remote DLC %q is not 0-8", s, rest[1:])
		}
		return f, nil
	}
	maxLen := MaxLen
	if len(rest) > 0 && rest[0] == '#' {
		if len(rest) < 2 {
			return f, fmt.Errorf("parse frame %q: CAN FD frame needs a flags digit after '##'", s)
		}
		flags, ok := parseHex(rest[1:2])
		if !ok {
			return f, fmt.Errorf("parse frame %q: CAN FD flags %q is not a hex digit", s, rest[1:2])
		}
		f.FD, f.Flags, maxLen = true, uint8(flags), MaxFDLen
		rest = rest[2:]
	}
	n := 0
	for i := 0; i < len(rest); {
		if rest[i] == '.' {
			i++
			continue
		}
		if i+1 >= len(rest) {
			return f, fmt.Errorf("parse frame %q: odd number of hex digits in data", s)
		}
		b, ok := parseHex(rest[i : i+2])
		if !ok {
			return f, fmt.Errorf("parse frame %q: data byte %q is not hexadecimal", s, rest[i:i+2])
		}
		if n == maxLen {
			return f, fmt.Errorf("parse frame %q: more than %d data bytes", s, maxLen)
		}
		f.Data[n] = byte(b)
		n++
		i += 2
	}
	f.Len = uint8(n)
	return f, nil
}

// MustParseFrame is ParseFrame for constants in tests and examples.
func MustParseFrame(s string) Frame {
	f, err := ParseFrame(s)
	if err != nil {
		panic(err)
	}
	return f
}

func parseHex(s string) (uint32, bool) {
	if s == "" {
		return 0, false
	}
	var v uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(c)
	}
	return v, true
}

// String formats the frame as candump -L and cansend write it.
func (f Frame) String() string {
	var buf [160]byte
	return string(f.AppendText(buf[:0]))
}

// AppendText appends the compact syntax of the frame (as String) to b
// without allocating when b has room.
func (f *Frame) AppendText(b []byte) []byte {
	b = f.AppendID(b)
	b = append(b, '#')
	if f.Remote && !f.FD {
		b = append(b, 'R')
		if f.Len > 0 && f.Len <= MaxLen {
			b = append(b, '0'+f.Len)
		}
		return b
	}
	if f.FD {
		b = append(b, '#', hexDigits[f.Flags&0xF])
	}
	for _, c := range f.Data[:f.Len] {
		b = AppendHexByte(b, c)
	}
	return b
}

// AppendID appends the ID as can-utils writes it: 3 hex digits for a
// standard frame, 8 for an extended one, 8 with the error flag for an error frame.
func (f *Frame) AppendID(b []byte) []byte {
	switch {
	case f.Error:
		return appendHex(b, f.ID|ErrFlag, 8)
	case f.Extended:
		return appendHex(b, f.ID, 8)
	}
	return appendHex(b, f.ID, 3)
}

// AppendHexByte appends c as two upper-case hex digits.
func AppendHexByte(b []byte, c byte) []byte {
	return append(b, hexDigits[c>>4], hexDigits[c&0xF])
}

func appendHex(b []byte, v uint32, digits int) []byte {
	for shift := (digits - 1) * 4; shift >= 0; shift -= 4 {
		b = append(b, hexDigits[(v>>uint(shift))&0xF])
	}
	return b
}
