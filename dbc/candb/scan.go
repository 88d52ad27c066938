package candb

import (
	"fmt"
	"strings"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tNumber
	tString
	tPunct
)

type token struct {
	kind  tokKind
	text  string
	line  int
	first bool // first token on its line
	col   int  // 1-based column
}

// scan splits DBC text into tokens. It is lenient the way real files need:
// "//" comments anywhere outside strings, CR LF or LF line ends, strings
// with \" escapes that may span lines.
func scan(src string) ([]token, error) {
	var toks []token
	line, col := 1, 1
	first := true
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			col = 1
			first = true
			i++
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
			col++
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		}
		t := token{line: line, first: first, col: col}
		first = false
		start := i
		switch {
		case c == '"':
			var b strings.Builder
			i++
			startLine := line
			for {
				if i >= len(src) {
					return nil, &Error{Line: startLine, Reason: "string never closed"}
				}
				if src[i] == '\\' && i+1 < len(src) && (src[i+1] == '"' || src[i+1] == '\\') {
					b.WriteByte(src[i+1])
					i += 2
					continue
				}
				if src[i] == '"' {
					i++
					break
				}
				if src[i] == '\n' {
					line++
				}
				b.WriteByte(src[i])
				i++
			}
			t.kind, t.text = tString, b.String()
		case isNumStart(src, i):
			i++
			for i < len(src) && (isDigit(src[i]) || src[i] == '.' || src[i] == 'e' || src[i] == 'E' || src[i] == 'x' || src[i] == 'X' ||
				isHex(src[i]) || ((src[i] == '+' || src[i] == '-') && (src[i-1] == 'e' || src[i-1] == 'E'))) {
				i++
			}
			t.kind, t.text = tNumber, src[start:i]
		case isIdentStart(c):
			for i < len(src) && isIdentChar(src[i]) {
				i++
			}
			t.kind, t.text = tIdent, src[start:i]
		default:
			i++
			t.kind, t.text = tPunct, src[start:i]
		}
		col += i - start
		toks = append(toks, t)
	}
	toks = append(toks, token{kind: tEOF, line: line, first: true, col: 1})
	return toks, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isHex(c byte) bool   { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
func isIdentChar(c byte) bool { return isIdentStart(c) || isDigit(c) || c == '-' || c == '.' }

// isNumStart: a digit, or a sign or dot followed by a digit.
func isNumStart(s string, i int) bool {
	c := s[i]
	if isDigit(c) {
		return true
	}
	if (c == '-' || c == '+' || c == '.') && i+1 < len(s) {
		n := s[i+1]
		return isDigit(n) || n == '.' && i+2 < len(s) && isDigit(s[i+2])
	}
	return false
}

// Error is a DBC file that cannot be read, with the place and the reason.
type Error struct {
	File   string
	Line   int
	Reason string
}

func (e *Error) Error() string {
	if e.File == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
}

// Repair is something the loader fixed or ignored to read a real-world file.
type Repair struct {
	Line int
	What string
}

func (r Repair) String() string { return fmt.Sprintf("line %d: %s", r.Line, r.What) }
