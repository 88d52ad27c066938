package canlog

import (
	"bufio"
	"bytes"
	"io"
	"path/filepath"
	"strings"
)

// RecordReader reads a trace one record at a time: io.EOF at the end, a
// *LineError for a record it cannot read (reading may go on after it).
// Every trace format's reader is one; commands and the bench take any.
type RecordReader interface {
	Next() (Record, error)
}

var (
	_ RecordReader = (*Reader)(nil)
	_ RecordReader = (*ASCReader)(nil)
)

// sniffLen is how much of a trace Open looks at to tell its format.
const sniffLen = 4096

// Open returns the reader for the trace r, by its content where that
// tells (a candump line starts with "(", a Vector ASC file with its
// "date" or "base" header), by name's extension otherwise (.asc is ASC),
// and candump's log format when neither does; name appears in errors.
func Open(r io.Reader, name string) RecordReader {
	br := bufio.NewReaderSize(r, sniffLen)
	if IsASC(br, name) {
		return NewASCReader(br, name)
	}
	return NewReader(br, name)
}

// IsASC reports whether the trace br holds is Vector ASC, as Open decides
// it, looking ahead without consuming anything.
func IsASC(br *bufio.Reader, name string) bool {
	head, _ := br.Peek(min(sniffLen, br.Size()))
	switch sniff(head) {
	case formatASC:
		return true
	case formatLog:
		return false
	}
	return strings.EqualFold(filepath.Ext(name), ".asc")
}

type format uint8

const (
	formatUnknown format = iota
	formatLog
	formatASC
)

// sniff tells a trace's format by its first line that is not blank.
func sniff(head []byte) format {
	for len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		line = bytes.TrimSpace(line)
		switch {
		case len(line) == 0:
			continue
		case line[0] == '(':
			return formatLog
		case bytes.HasPrefix(line, []byte("date ")), bytes.HasPrefix(line, []byte("base ")):
			return formatASC
		}
		return formatUnknown
	}
	return formatUnknown
}
