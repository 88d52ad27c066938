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

// Vector ASC, the text trace format of CANoe and CANalyzer, written as
// python-can's ASCWriter writes it (which CANoe opens) and read as
// python-can's ASCReader reads it: classic, remote, FD and error frames;
// other events (statistics, chip status, J1939 transport) are passed over.

// ascDate is the date format of the header, as python-can writes it.
const ascDate = "Mon Jan 02 15:04:05.000 2006"

// ASCWriter writes frames as a Vector ASC trace, as they come. Channels
// are numbered from 1 in the order their interfaces first appear, each
// announced by a comment line ("// channel 1 = vcan0") so that reading the
// trace back gives the interface names again.
type ASCWriter struct {
	w        *bufio.Writer
	started  time.Time
	channels map[string]int
	line     []byte
	header   bool
	closed   bool
}

// NewASCWriter starts an ASC trace on w; Close ends it.
func NewASCWriter(w io.Writer) *ASCWriter {
	return &ASCWriter{w: bufio.NewWriter(w), channels: map[string]int{}}
}

func (a *ASCWriter) writeHeader(t time.Time) {
	// The header's date has milliseconds: times count from it, so that
	// date + time is each frame's time to the microsecond.
	a.started = t.Truncate(time.Millisecond)
	a.header = true
	date := a.started.Format(ascDate)
	fmt.Fprintf(a.w, "date %s\nbase hex  timestamps absolute\ninternal events logged\nBegin Triggerblock %s\n", date, date)
	a.w.Write(appendASCEvent(nil, 0, []byte("Start of measurement")))
}

// Write adds one frame.
func (a *ASCWriter) Write(r *canbus.Received) error {
	if a.closed {
		return errors.New("ASC trace closed")
	}
	if !a.header {
		a.writeHeader(r.Time)
	}
	ch, ok := a.channels[r.Interface]
	if !ok {
		ch = len(a.channels) + 1
		a.channels[r.Interface] = ch
		fmt.Fprintf(a.w, "// channel %d = %s\n", ch, r.Interface)
	}
	a.line = appendASCEvent(a.line[:0], r.Time.Sub(a.started), appendASCFrame(nil, ch, r))
	_, err := a.w.Write(a.line)
	return err
}

// Comment adds a comment line (a drop count, say).
func (a *ASCWriter) Comment(text string) error {
	if !a.header {
		a.writeHeader(time.Now())
	}
	_, err := fmt.Fprintf(a.w, "// %s\n", text)
	return err
}

// Flush writes what is buffered.
func (a *ASCWriter) Flush() error { return a.w.Flush() }

// Close ends the trace block and flushes.
func (a *ASCWriter) Close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	if !a.header {
		a.writeHeader(time.Now())
	}
	a.w.WriteString("End TriggerBlock\n")
	return a.w.Flush()
}

// appendASCEvent writes "{timestamp: 9.6f} {message}\n".
func appendASCEvent(b []byte, t time.Duration, msg []byte) []byte {
	s := strconv.FormatFloat(t.Seconds(), 'f', 6, 64)
	if t >= 0 {
		s = " " + s
	}
	for i := len(s); i < 9; i++ {
		b = append(b, ' ')
	}
	b = append(b, s...)
	b = append(b, ' ')
	b = append(b, msg...)
	return append(b, '\n')
}

func appendASCFrame(b []byte, ch int, r *canbus.Received) []byte {
	if r.Error {
		return fmt.Appendf(b, "%d  ErrorFrame", ch)
	}
	id := strconv.FormatUint(uint64(r.ID), 16)
	id = strings.ToUpper(id)
	if r.Extended {
		id += "x"
	}
	dir := "Rx"
	if r.Own || r.Dir == canbus.TX {
		dir = "Tx"
	}
	data := make([]string, 0, r.Len)
	if !r.Remote {
		for _, x := range r.Payload() {
			data = append(data, fmt.Sprintf("%02X", x))
		}
	}
	if r.FD {
		flags := 1 << 12
		brs, esi := 0, 0
		if r.Flags&canbus.FlagBRS != 0 {
			flags |= 1 << 13
			brs = 1
		}
		if r.Flags&canbus.FlagESI != 0 {
			flags |= 1 << 14
			esi = 1
		}
		return fmt.Appendf(b, "CANFD %3d %-4s %8s  %32s %d %d %x %2d %s %8d %4d %8X %8d %8d %8d %8d %8d",
			ch, dir, id, "", brs, esi, fdDLC(int(r.Len)), len(data), strings.Join(data, " "), 0, 0, flags, 0, 0, 0, 0, 0)
	}
	dtype := "d"
	if r.Remote {
		dtype = "r"
	}
	return fmt.Appendf(b, "%d  %-15s %-4s %s %x %s", ch, id, dir, dtype, r.Len, strings.Join(data, " "))
}

// fdLen is the payload length of each CAN FD DLC code.
var fdLen = [16]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64}

// fdDLC is the DLC code of an FD payload length.
func fdDLC(n int) int {
	for code, l := range fdLen {
		if n <= l {
			return code
		}
	}
	return 15
}

// ASCReader reads frames from a Vector ASC trace.
type ASCReader struct {
	sc       *bufio.Scanner
	name     string
	line     int
	dec      bool // base dec
	relative bool // timestamps relative: each from the one before
	started  time.Time
	last     time.Duration
	channels map[int]string
}

// NewASCReader reads the ASC trace r; name appears in errors.
func NewASCReader(r io.Reader, name string) *ASCReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	return &ASCReader{sc: sc, name: name, channels: map[int]string{}}
}

// Next returns the next frame, io.EOF at the end, or a *LineError for a
// frame line it cannot read (reading may go on after it).
func (a *ASCReader) Next() (Record, error) {
	for a.sc.Scan() {
		a.line++
		line := strings.TrimSpace(a.sc.Text())
		if line == "" {
			continue
		}
		if rec, ok, err := a.parse(line); err != nil {
			return rec, &LineError{Name: a.name, Line: a.line, Text: a.sc.Text(), Err: err}
		} else if ok {
			return rec, nil
		}
	}
	if err := a.sc.Err(); err != nil {
		return Record{}, fmt.Errorf("read %s: %w", a.name, err)
	}
	return Record{}, io.EOF
}

func (a *ASCReader) parse(line string) (Record, bool, error) {
	fields := strings.Fields(line)
	switch {
	case fields[0] == "date":
		a.started = parseASCDate(strings.Join(fields[1:], " "))
		return Record{}, false, nil
	case fields[0] == "base":
		a.dec = len(fields) > 1 && fields[1] == "dec"
		a.relative = strings.Contains(line, "timestamps relative")
		return Record{}, false, nil
	case fields[0] == "//":
		// python-can's and our channel names: "// channel 1 = vcan0".
		if len(fields) == 5 && fields[1] == "channel" && fields[3] == "=" {
			if n, err := strconv.Atoi(fields[2]); err == nil {
				a.channels[n] = fields[4]
			}
		}
		return Record{}, false, nil
	case fields[0] == "Begin" && len(fields) > 2:
		if t := parseASCDate(strings.Join(fields[2:], " ")); !t.IsZero() {
			a.started = t
		}
		return Record{}, false, nil
	}
	secs, err := strconv.ParseFloat(fields[0], 64)
	if err != nil || len(fields) < 3 {
		return Record{}, false, nil // header lines, "End TriggerBlock", comments
	}
	t := time.Duration(secs*1e6+0.5) * time.Microsecond
	if a.relative {
		t += a.last
	}
	a.last = t
	rec := Record{Kind: FrameLine, Style: LogStyle, Clock: AbsoluteClock, Line: a.line}
	rec.Time = a.started.Add(t)
	rec.Source = canbus.SourceHardware
	if fields[1] == "CANFD" {
		return a.parseFD(rec, fields[2:])
	}
	ch, err := strconv.Atoi(fields[1])
	if err != nil {
		return Record{}, false, nil // "CAN 1 Status:...", other events
	}
	rec.Interface = a.channel(ch)
	rest := fields[2:]
	if rest[0] == "ErrorFrame" {
		// The error class is not in the trace: an error frame of no class.
		rec.Error, rec.Len = true, 8
		return rec, true, nil
	}
	if rest[0] == "Statistic:" || rest[0] == "J1939TP" || strings.HasSuffix(rest[0], ":") {
		return Record{}, false, nil
	}
	if err := a.setID(&rec, rest[0]); err != nil {
		return Record{}, false, nil // not a frame: a named event
	}
	rest = rest[1:]
	// Direction and type: "Rx d 8 ..." (the direction may be missing).
	if len(rest) > 0 && (rest[0] == "Rx" || rest[0] == "Tx") {
		if rest[0] == "Tx" {
			rec.Dir, rec.Own = canbus.TX, true
		}
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return rec, false, fmt.Errorf("no frame type (d or r)")
	}
	switch rest[0] {
	case "r":
		rec.Remote = true
		if len(rest) > 1 {
			if n, err := strconv.ParseUint(rest[1], 16, 8); err == nil && n <= 8 {
				rec.Len = uint8(n)
			}
		}
		return rec, true, nil
	case "d":
	default:
		return rec, false, fmt.Errorf("frame type %q is not d or r", rest[0])
	}
	if len(rest) < 2 {
		return rec, false, fmt.Errorf("no DLC")
	}
	dlc, err := strconv.ParseUint(rest[1], 16, 8)
	if err != nil {
		return rec, false, fmt.Errorf("DLC %q: %w", rest[1], err)
	}
	n := int(dlc)
	if n > 8 {
		// python-can writes FD payloads in the classic form too: the
		// length in hex, up to 64 bytes.
		rec.FD = true
		if n <= 15 {
			n = fdLen[n]
		}
	}
	if n > canbus.MaxFDLen || len(rest)-2 < n {
		return rec, false, fmt.Errorf("DLC %d but %d data bytes", n, len(rest)-2)
	}
	if err := a.setData(&rec, rest[2:2+n]); err != nil {
		return rec, false, err
	}
	return rec, true, nil
}

// parseFD reads "CANFD ch dir id [symbolic] brs esi dlc len data...".
func (a *ASCReader) parseFD(rec Record, f []string) (Record, bool, error) {
	if len(f) < 7 {
		return rec, false, fmt.Errorf("CANFD line too short")
	}
	ch, err := strconv.Atoi(f[0])
	if err != nil {
		return rec, false, fmt.Errorf("CANFD channel %q", f[0])
	}
	rec.Interface = a.channel(ch)
	if f[1] == "Tx" {
		rec.Dir, rec.Own = canbus.TX, true
	}
	if f[2] == "ErrorFrame" {
		rec.Error, rec.Len = true, 8
		return rec, true, nil
	}
	if err := a.setID(&rec, f[2]); err != nil {
		return rec, false, err
	}
	rest := f[3:]
	if _, err := strconv.Atoi(rest[0]); err != nil {
		rest = rest[1:] // a symbolic name
	}
	if len(rest) < 4 {
		return rec, false, fmt.Errorf("CANFD line too short")
	}
	rec.FD = true
	if rest[0] == "1" {
		rec.Flags |= canbus.FlagBRS
	}
	if rest[1] == "1" {
		rec.Flags |= canbus.FlagESI
	}
	n, err := strconv.Atoi(rest[3])
	if err != nil || n > canbus.MaxFDLen || len(rest)-4 < n {
		return rec, false, fmt.Errorf("CANFD data length %q", rest[3])
	}
	if n == 0 && rest[2] != "0" {
		rec.Remote = true // an FD line with a DLC and no data is python-can's remote frame
	}
	return rec, true, a.setData(&rec, rest[4:4+n])
}

func (a *ASCReader) channel(n int) string {
	if name, ok := a.channels[n]; ok {
		return name
	}
	return "can" + strconv.Itoa(n-1)
}

func (a *ASCReader) setID(rec *Record, s string) error {
	if strings.HasSuffix(s, "x") {
		rec.Extended = true
		s = s[:len(s)-1]
	}
	base := 16
	if a.dec {
		base = 10
	}
	id, err := strconv.ParseUint(s, base, 29)
	if err != nil {
		return fmt.Errorf("ID %q: %w", s, err)
	}
	if !rec.Extended && id > 0x7FF {
		return fmt.Errorf("ID %q: standard ID beyond 7FF", s)
	}
	rec.ID = uint32(id)
	return nil
}

func (a *ASCReader) setData(rec *Record, bytes []string) error {
	base := 16
	if a.dec {
		base = 10
	}
	for i, s := range bytes {
		v, err := strconv.ParseUint(s, base, 8)
		if err != nil {
			return fmt.Errorf("data byte %d %q: %w", i, s, err)
		}
		rec.Data[i] = byte(v)
	}
	rec.Len = uint8(len(bytes))
	return nil
}

// parseASCDate reads the header date in the forms Vector and python-can
// write, in any language: the weekday is passed over.
func parseASCDate(s string) time.Time {
	fields := strings.Fields(s)
	if len(fields) > 1 {
		if _, err := strconv.Atoi(fields[0]); err != nil && len(fields[0]) <= 4 && !strings.Contains(fields[0], ":") {
			fields = fields[1:] // "Sat", "Sam", "Tue"
		}
	}
	rest := strings.Join(fields, " ")
	for _, layout := range []string{"Jan 02 15:04:05.000 2006", "Jan 2 15:04:05.000 2006", "Jan 02 03:04:05.000 PM 2006", "Jan 2 03:04:05.000 pm 2006", "Jan 02 15:04:05 2006"} {
		if t, err := time.ParseInLocation(layout, rest, time.Local); err == nil {
			return t
		}
	}
	return time.Time{}
}
