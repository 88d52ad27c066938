// Package canlog reads and writes CAN traces in the can-utils formats: the
// log format of candump -L / -l and canplayer ("(1700000000.123456) can0
// 123#DEADBEEF"), byte for byte, and the candump screen formats (default,
// -ta, -tA, -td, -tz), which it writes as candump prints them and reads back.
// It also replays a trace with its original timing.
package canlog

import (
	"strconv"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
)

// AppendLog appends one log-format line, as candump -L writes it:
// "(%010d.%06d) %*s FRAME\n" with the interface name right-aligned to width.
func AppendLog(b []byte, r *canbus.Received, width int) []byte {
	b = appendStamp(b, r.Time)
	b = append(b, ' ')
	b = appendPadded(b, r.Interface, width)
	b = append(b, ' ')
	b = r.Frame.AppendText(b)
	return append(b, '\n')
}

// appendStamp writes "(%010d.%06d)" from a timestamp truncated to
// microseconds, as the kernel's SO_TIMESTAMP that candump reads truncates it.
func appendStamp(b []byte, t time.Time) []byte {
	b = append(b, '(')
	b = appendInt(b, t.Unix(), 10)
	b = append(b, '.')
	b = appendInt(b, int64(t.Nanosecond()/1000), 6)
	return append(b, ')')
}

// appendInt writes v zero-padded to at least width digits.
func appendInt(b []byte, v int64, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func appendPadded(b []byte, s string, width int) []byte {
	for i := len(s); i < width; i++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}

// AppendDrop appends the line candump prints when the kernel reports
// dropped frames: "DROPCOUNT: dropped 3 CAN frames on 'vcan0' socket (total drops 3)".
func AppendDrop(b []byte, iface string, dropped, total uint32) []byte {
	b = append(b, "DROPCOUNT: dropped "...)
	b = strconv.AppendUint(b, uint64(dropped), 10)
	b = append(b, " CAN frame"...)
	if dropped > 1 {
		b = append(b, 's')
	}
	b = append(b, " on '"...)
	b = append(b, iface...)
	b = append(b, "' socket (total drops "...)
	b = strconv.AppendUint(b, uint64(total), 10)
	return append(b, ")\n"...)
}

// Timestamp selects candump's -t option for the screen format.
type Timestamp byte

const (
	NoTimestamp Timestamp = 0   // candump (default)
	Absolute    Timestamp = 'a' // -ta: (1700000000.123456)
	Date        Timestamp = 'A' // -tA: (2023-11-14 22:13:20.123456), local time
	Delta       Timestamp = 'd' // -td: time since the previous frame
	Zero        Timestamp = 'z' // -tz: time since the first frame
)

// Screen writes candump's default screen format. It keeps the state candump
// keeps: the first and previous timestamps for -td/-tz, and whether an
// extended frame was seen (standard IDs are indented from then on).
type Screen struct {
	Width     int       // interface names are right-aligned to this width
	Timestamp Timestamp // candump -t
	ASCII     bool      // candump -a: printable bytes after the data
	ErrorInfo bool      // candump -e: decoded error frames on the following lines

	indentSFF bool
	last      time.Time
}

// Append appends one screen line for r, newline included.
func (s *Screen) Append(b []byte, r *canbus.Received) []byte {
	f := &r.Frame
	if f.Extended {
		s.indentSFF = true
	}
	b = append(b, ' ')
	switch s.Timestamp {
	case Absolute:
		b = appendStamp(b, r.Time)
		b = append(b, ' ')
	case Date:
		b = append(b, '(')
		b = r.Time.AppendFormat(b, "2006-01-02 15:04:05")
		b = append(b, '.')
		b = appendInt(b, int64(r.Time.Nanosecond()/1000), 6)
		b = append(b, ") "...)
	case Delta, Zero:
		if s.last.IsZero() {
			s.last = r.Time
		}
		d := r.Time.Truncate(time.Microsecond).Sub(s.last.Truncate(time.Microsecond))
		if d < 0 {
			d = 0
		}
		b = append(b, '(')
		b = appendInt(b, int64(d/time.Second), 3)
		b = append(b, '.')
		b = appendInt(b, int64(d%time.Second/time.Microsecond), 6)
		b = append(b, ") "...)
		if s.Timestamp == Delta {
			s.last = r.Time
		}
	}
	b = append(b, ' ')
	b = appendPadded(b, r.Interface, s.Width)
	b = append(b, "  "...)
	b = appendLong(b, f, s.indentSFF, s.ASCII)
	if s.ErrorInfo && f.Error {
		if info, ok := canbus.DecodeError(f); ok {
			b = append(b, "\n\t"...)
			for i, part := range splitTop(info.String()) {
				if i > 0 {
					b = append(b, "\n\t"...)
				}
				b = append(b, part...)
			}
		}
	}
	return append(b, '\n')
}

// appendLong is can-utils' sprint_long_canframe: "123   [4]  DE AD BE EF".
func appendLong(b []byte, f *canbus.Frame, indentSFF, ascii bool) []byte {
	if indentSFF && !f.Error && !f.Extended {
		b = append(b, "     "...)
	}
	b = f.AppendID(b)
	b = append(b, "  "...)
	n := int(f.Len)
	if f.FD {
		b = append(b, '[')
		b = appendInt(b, int64(n), 2)
		b = append(b, "] "...)
	} else {
		n = min(n, canbus.MaxLen)
		b = append(b, " ["...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, "] "...)
		if f.Remote {
			return append(b, " remote request"...)
		}
	}
	for _, c := range f.Data[:n] {
		b = canbus.AppendHexByte(append(b, ' '), c)
	}
	if n > canbus.MaxLen {
		return b
	}
	switch {
	case f.Error:
		b = appendPadded(b, "ERRORFRAME", 3*(8-n)+13)
	case ascii:
		b = appendPadded(b, "'", 3*(8-n)+4)
		for _, c := range f.Data[:n] {
			if c > 0x1F && c < 0x7F {
				b = append(b, c)
			} else {
				b = append(b, '.')
			}
		}
		b = append(b, '\'')
	}
	return b
}

// splitTop splits an error description at the commas between classes, not
// at those inside braces, as candump -e puts each class on its own line.
func splitTop(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}
