package canlog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
)

// Kind says what a trace line holds.
type Kind uint8

const (
	FrameLine Kind = iota // a frame
	DropLine              // a DROPCOUNT report
)

// Style is the candump output style a line was written in.
type Style uint8

const (
	LogStyle    Style = iota // candump -L / -l, canplayer input
	ScreenStyle              // candump's default screen format, with or without -t
)

// Clock says what a line's timestamp means.
type Clock uint8

const (
	NoClock       Clock = iota // no timestamp on the line; Time is zero
	AbsoluteClock              // wall-clock time
	RelativeClock              // seconds since the first or previous frame (-tz, -td); Time counts from the Unix epoch
)

// Record is one parsed trace line.
type Record struct {
	canbus.Received
	Kind  Kind
	Style Style
	Clock Clock
	Line  int // 1-based line number in its file
	// Nanos is set when the timestamp had 9 fraction digits; writing the
	// record back keeps them.
	Nanos bool
	// Suffix is the direction letter after a log-format frame ('R' or 'T'),
	// 0 when there was none.
	Suffix byte
	// Dropped and TotalDropped are the counts of a DROPCOUNT line.
	Dropped, TotalDropped uint32
	// Indent is the number of spaces before a log-format line, kept so that
	// a hand-edited file writes back as it was.
	Indent int
	// Decoded is set when the line ends in " ::" and the decoded message
	// follows on the next lines (cantools decode without --single-line).
	Decoded bool
}

// AppendRecord writes a frame record back in the log format, keeping its
// fraction width and direction suffix, so a log file round-trips byte for byte.
func AppendRecord(b []byte, r *Record) []byte {
	if r.Kind == DropLine {
		return AppendDrop(b, r.Interface, r.Dropped, r.TotalDropped)
	}
	if !r.Nanos && r.Suffix == 0 && r.Indent == 0 {
		return AppendLog(b, &r.Received, 0)
	}
	for i := 0; i < r.Indent; i++ {
		b = append(b, ' ')
	}
	b = append(b, '(')
	b = appendInt(b, r.Time.Unix(), 10)
	b = append(b, '.')
	if r.Nanos {
		b = appendInt(b, int64(r.Time.Nanosecond()), 9)
	} else {
		b = appendInt(b, int64(r.Time.Nanosecond()/1000), 6)
	}
	b = append(b, ") "...)
	b = append(b, r.Interface...)
	b = append(b, ' ')
	b = r.Frame.AppendText(b)
	if r.Suffix != 0 {
		b = append(b, ' ', r.Suffix)
	}
	return append(b, '\n')
}

// LineError is a trace line that could not be read. Reading may go on
// after it: the next call reads the next line.
type LineError struct {
	Name string // file name, or "stdin"
	Line int
	Text string
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("read trace %s line %d: %v (line: %q)", e.Name, e.Line, e.Err, e.Text)
}

func (e *LineError) Unwrap() error { return e.Err }

// Reader reads trace lines of any candump style, one record per Next.
type Reader struct {
	sc      *bufio.Scanner
	name    string
	line    int
	decoded bool // inside a multi-line decoded message
}

// NewReader reads from r; name appears in errors.
func NewReader(r io.Reader, name string) *Reader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 1<<20)
	return &Reader{sc: sc, name: name}
}

// Next returns the next record, skipping blank lines. It returns io.EOF at
// the end and a *LineError for a line it cannot read; after a *LineError the
// next call goes on with the next line.
func (r *Reader) Next() (Record, error) {
	for r.sc.Scan() {
		r.line++
		text := r.sc.Text()
		trimmed := strings.TrimSpace(text)
		if trimmed == "" {
			continue
		}
		if r.decoded {
			// cantools' multi-line decode: "Message(", one signal a line, ")".
			r.decoded = trimmed != ")"
			continue
		}
		rec, err := ParseLine(text)
		if err != nil {
			return rec, &LineError{Name: r.name, Line: r.line, Text: text, Err: err}
		}
		rec.Line = r.line
		r.decoded = rec.Decoded
		return rec, nil
	}
	if err := r.sc.Err(); err != nil {
		return Record{}, fmt.Errorf("read trace %s after line %d: %w", r.name, r.line, err)
	}
	return Record{}, io.EOF
}

// ParseLine parses one line of candump output in any style. A decoded
// suffix as cantools and `hil decode` append (" :: Message(...)") is ignored.
func ParseLine(line string) (Record, error) { return parseLine(line, false) }

// ParseLineLoose is ParseLine for decoding what other tools wrote: like
// cantools it takes payloads of any length up to 64 bytes in either frame
// format ("064   [10]  F0 01 ..."); such a frame is marked FD.
func ParseLineLoose(line string) (Record, error) { return parseLine(line, true) }

func parseLine(line string, loose bool) (Record, error) {
	var rec Record
	line = strings.TrimRight(line, "\r\n")
	if i := strings.Index(line, " :: "); i >= 0 {
		line = line[:i]
	} else if strings.HasSuffix(line, " ::") {
		line, rec.Decoded = line[:len(line)-3], true
	}
	s := strings.TrimLeft(line, " ")
	rec.Indent = len(line) - len(s)
	if strings.HasPrefix(s, "DROPCOUNT:") {
		return parseDrop(s)
	}
	if strings.HasPrefix(s, "(") {
		end := strings.IndexByte(s, ')')
		if end < 0 {
			return rec, errors.New("timestamp has no closing ')'")
		}
		var err error
		rec.Time, rec.Clock, rec.Nanos, err = parseStamp(s[1:end])
		if err != nil {
			return rec, err
		}
		s = s[end+1:]
	}
	fields := strings.Fields(s)
	if len(fields) >= 2 && strings.IndexByte(fields[1], '#') >= 0 && rec.Clock != NoClock {
		if loose && len(fields) >= 2 {
			if id, data, ok := strings.Cut(fields[1], "#"); ok && !strings.HasPrefix(data, "#") && !strings.HasPrefix(data, "R") && len(strings.ReplaceAll(data, ".", "")) > 16 {
				fields[1] = id + "##0" + data
			}
		}
		return parseLogFields(rec, fields)
	}
	return parseScreenFields(rec, fields, loose)
}

func parseLogFields(rec Record, fields []string) (Record, error) {
	rec.Style = LogStyle
	if len(fields) > 3 {
		return rec, fmt.Errorf("unexpected %q after the frame", strings.Join(fields[3:], " "))
	}
	rec.Interface = fields[0]
	f, err := canbus.ParseFrame(fields[1])
	if err != nil {
		return rec, err
	}
	rec.Frame = f
	if len(fields) == 3 {
		switch fields[2] {
		case "R":
			rec.Suffix, rec.Dir = 'R', canbus.RX
		case "T":
			rec.Suffix, rec.Dir = 'T', canbus.TX
		default:
			return rec, fmt.Errorf("direction %q is not R or T", fields[2])
		}
	}
	if rec.Clock == AbsoluteClock {
		rec.Source = canbus.SourceKernel
	}
	return rec, nil
}

// parseScreenFields reads "IFACE ID [LEN] BYTES..." with an optional
// "remote request", "ERRORFRAME" or 'ascii' tail.
func parseScreenFields(rec Record, fields []string, loose bool) (Record, error) {
	rec.Style = ScreenStyle
	rec.Indent = 0
	if len(fields) < 3 {
		return rec, errors.New("want INTERFACE ID [LEN] DATA or (TIME) INTERFACE FRAME")
	}
	rec.Interface = fields[0]
	idText := fields[1]
	if len(idText) > 8 {
		return rec, fmt.Errorf("ID %q: more than 8 hex digits", idText)
	}
	id, err := strconv.ParseUint(idText, 16, 32)
	if err != nil {
		return rec, fmt.Errorf("ID %q is not hexadecimal", idText)
	}
	f := &rec.Frame
	// candump writes 3 or 8 digits; other tools (and cantools' tests) write
	// any width, which cantools reads as extended beyond 3 digits.
	switch {
	case id&canbus.ErrFlag != 0 && len(idText) == 8:
		f.Error, f.ID = true, uint32(id)&^canbus.ErrFlag
	case len(idText) <= 3:
		f.ID = uint32(id)
	case id <= canbus.MaxExtendedID:
		f.Extended, f.ID = true, uint32(id)
	default:
		return rec, fmt.Errorf("ID %q exceeds 29 bits", idText)
	}
	lenText := fields[2]
	if len(lenText) < 3 || lenText[0] != '[' || lenText[len(lenText)-1] != ']' {
		return rec, fmt.Errorf("length %q: want [N] (classic) or [NN] (CAN FD)", lenText)
	}
	n, err := strconv.Atoi(lenText[1 : len(lenText)-1])
	if err != nil || n < 0 {
		return rec, fmt.Errorf("length %q is not a number", lenText)
	}
	// candump prints a classic length as [%d] and a CAN FD length as [%02d].
	f.FD = len(lenText) >= 4
	if n > canbus.MaxFDLen {
		return rec, fmt.Errorf("length [%d] exceeds 64 bytes", n)
	}
	f.Len = uint8(n)
	if loose && n > canbus.MaxLen {
		f.FD = true
	}
	rest := fields[3:]
	if !f.FD && len(rest) >= 2 && rest[0] == "remote" && rest[1] == "request" {
		f.Remote = true
		return rec, f.Validate()
	}
	if err := f.Validate(); err != nil && !loose {
		return rec, err
	}
	if len(rest) < n {
		return rec, fmt.Errorf("length [%d] but %d data bytes", n, len(rest))
	}
	for i := 0; i < n; i++ {
		b, err := strconv.ParseUint(rest[i], 16, 8)
		if err != nil || len(rest[i]) != 2 {
			return rec, fmt.Errorf("data byte %d %q is not two hex digits", i, rest[i])
		}
		f.Data[i] = byte(b)
	}
	if tail := rest[n:]; len(tail) > 0 && tail[0] != "ERRORFRAME" && !strings.HasPrefix(tail[0], "'") {
		return rec, fmt.Errorf("length [%d] but more data follows: %q", n, strings.Join(tail, " "))
	}
	if rec.Clock == AbsoluteClock {
		rec.Source = canbus.SourceKernel
	}
	return rec, nil
}

// parseStamp reads "1700000000.123456" (6 or 9 fraction digits),
// "000.123456" (relative) or "2023-11-14 22:13:20.123456" (local time).
func parseStamp(s string) (t time.Time, clock Clock, nanos bool, err error) {
	if strings.IndexByte(s, '-') > 0 && strings.IndexByte(s, ':') > 0 {
		t, err = time.ParseInLocation("2006-01-02 15:04:05.999999999", s, time.Local)
		if err != nil {
			return t, NoClock, false, fmt.Errorf("timestamp %q is not YYYY-MM-DD HH:MM:SS.ffffff", s)
		}
		return t, AbsoluteClock, false, nil
	}
	dot := strings.IndexByte(s, '.')
	if dot <= 0 {
		return t, NoClock, false, fmt.Errorf("timestamp %q: want SECONDS.FRACTION", s)
	}
	sec, err1 := strconv.ParseInt(s[:dot], 10, 64)
	frac := s[dot+1:]
	fv, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || sec < 0 || fv < 0 || frac[0] == '+' {
		return t, NoClock, false, fmt.Errorf("timestamp %q is not a decimal number", s)
	}
	var nsec int64
	switch len(frac) {
	case 6:
		nsec = fv * 1000
	case 9:
		nsec, nanos = fv, true
	default:
		return t, NoClock, false, fmt.Errorf("timestamp %q: want 6 or 9 fraction digits", s)
	}
	clock = RelativeClock
	if len(s[:dot]) >= 10 {
		clock = AbsoluteClock
	}
	return time.Unix(sec, nsec), clock, nanos, nil
}

// parseDrop reads candump's "DROPCOUNT: dropped N CAN frame(s) on 'IFACE' socket (total drops T)".
func parseDrop(s string) (Record, error) {
	rec := Record{Kind: DropLine}
	var iface string
	plural := ""
	var n, total uint32
	_, err := fmt.Sscanf(s, "DROPCOUNT: dropped %d CAN frame%s on %s socket (total drops %d)", &n, &plural, &iface, &total)
	if err != nil {
		// "frame" with no 's' leaves "on" as the plural token.
		if _, err2 := fmt.Sscanf(s, "DROPCOUNT: dropped %d CAN frame on %s socket (total drops %d)", &n, &iface, &total); err2 != nil {
			return rec, fmt.Errorf("DROPCOUNT line: %w", err)
		}
	}
	rec.Interface = strings.Trim(iface, "'")
	rec.Dropped, rec.TotalDropped = n, total
	return rec, nil
}
