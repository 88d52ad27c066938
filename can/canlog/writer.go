package canlog

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cockpit-hil/hil/can/canbus"
)

// RecordWriter writes received frames as a trace. Every trace format's
// writer is one; `hil record`, evidence and conversions take any, chosen by
// NewWriter.
type RecordWriter interface {
	Write(r *canbus.Received) error
	// Dropped notes frames the receiver lost on an interface, as the
	// format says so (candump's DROPCOUNT line, an ASC comment).
	Dropped(iface string, n, total uint32) error
	// Flush hands what is buffered to the underlying writer.
	Flush() error
	// Close writes the format's ending and flushes; it does not close the
	// underlying writer.
	Close() error
}

// A trace format's writer, by name: what NewWriter knows.
var writers = map[string]struct {
	ext string
	new func(w io.Writer, width int) RecordWriter
}{
	"log": {".log", func(w io.Writer, width int) RecordWriter {
		return &LogWriter{w: bufio.NewWriterSize(w, 64<<10), Width: width}
	}},
	"asc": {".asc", func(w io.Writer, _ int) RecordWriter { return NewASCWriter(w) }},
}

// WriterFormats are the formats NewWriter writes, sorted.
func WriterFormats() []string {
	var names []string
	for n := range writers {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// NewWriter returns the writer of a format ("log", "asc"); with format
// "", the one the file name's extension says (.asc), candump's log format
// otherwise. width pads interface names in the log format, as candump -L
// does for the names it records ("" for none: 0).
func NewWriter(w io.Writer, format, name string, width int) (RecordWriter, error) {
	if format == "" {
		format = "log"
		for n, f := range writers {
			if strings.EqualFold(filepath.Ext(name), f.ext) {
				format = n
			}
		}
	}
	f, ok := writers[format]
	if !ok {
		return nil, fmt.Errorf("trace format %q: want %s", format, strings.Join(WriterFormats(), " or "))
	}
	return f.new(w, width), nil
}

// LogWriter writes candump's log format (candump -L), byte for byte.
type LogWriter struct {
	w     *bufio.Writer
	line  []byte
	Width int // interface names padded to it, as candump pads them
}

// NewLogWriter returns a writer of candump's log format.
func NewLogWriter(w io.Writer) *LogWriter { return &LogWriter{w: bufio.NewWriterSize(w, 64<<10)} }

func (l *LogWriter) Write(r *canbus.Received) error {
	l.line = AppendLog(l.line[:0], r, l.Width)
	_, err := l.w.Write(l.line)
	return err
}

// Dropped writes candump's DROPCOUNT line.
func (l *LogWriter) Dropped(iface string, n, total uint32) error {
	l.line = AppendDrop(l.line[:0], iface, n, total)
	_, err := l.w.Write(l.line)
	return err
}

func (l *LogWriter) Flush() error { return l.w.Flush() }
func (l *LogWriter) Close() error { return l.w.Flush() }

// Dropped writes the frames lost as an ASC comment.
func (a *ASCWriter) Dropped(iface string, n, total uint32) error {
	return a.Comment(fmt.Sprintf("%s dropped %d frames (%d in all)", iface, n, total))
}

var (
	_ RecordWriter = (*LogWriter)(nil)
	_ RecordWriter = (*ASCWriter)(nil)
)
