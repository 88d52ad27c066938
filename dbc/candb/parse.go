package candb

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// Load reads and parses a DBC file.
func Load(path string) (*Database, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load DBC: %w", err)
	}
	return Parse(path, src)
}

// Parse parses DBC text; name appears in errors.
func Parse(name string, src []byte) (db *Database, err error) {
	db = &Database{File: name, attrDefs: map[string]*attrDef{}}
	text := string(src)
	if !utf8.Valid(src) {
		// Vector's tools write the Windows code page; cantools reads it as cp1252.
		dec, derr := charmap.Windows1252.NewDecoder().Bytes(src)
		if derr != nil {
			return nil, &Error{File: name, Line: 1, Reason: "text is neither UTF-8 nor Windows-1252"}
		}
		text = string(dec)
		db.Repairs = append(db.Repairs, Repair{Line: 1, What: "not UTF-8: read as Windows-1252"})
	}
	text = strings.TrimPrefix(text, "\ufeff")
	toks, err := scan(text)
	if err != nil {
		err.(*Error).File = name
		return nil, err
	}
	p := &parser{db: db, toks: toks}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(*Error)
			if !ok {
				panic(r)
			}
			pe.File = name
			db, err = nil, pe
		}
	}()
	p.parse()
	p.resolve()
	db.index()
	return db, nil
}

type attrDef struct {
	name    string
	object  string // "", "BU_", "BO_", "SG_", "EV_"
	kind    string // INT, HEX, FLOAT, STRING, ENUM
	enum    []string
	deflt   string
	hasDflt bool
}

type attrValue struct {
	name, object string
	id           uint64
	signal, node string
	value        token
	line         int
}

type comment struct {
	object, node, signal string
	id                   uint64
	text                 string
	line                 int
}

type valueDesc struct {
	id      uint64
	signal  string
	choices []Choice
	line    int
}

type mulVal struct {
	id              uint64
	signal, switch_ string
	ranges          []MuxRange
	line            int
}

type sigRef struct {
	id     uint64
	signal string
	line   int
}

type parser struct {
	db   *Database
	toks []token
	pos  int

	cur      *Message
	messages map[uint64]*Message // by raw DBC ID
	muxValue map[*Signal]uint64  // simple multiplexing "mN"
	muxed    map[*Signal]bool

	comments []comment
	attrs    []attrValue
	values   []valueDesc
	mulVals  []mulVal
	valTypes []struct {
		sigRef
		bits int
	}
	txNodes []struct {
		sigRef
		nodes []string
	}
}

func (p *parser) fail(t token, format string, a ...any) {
	panic(&Error{Line: t.line, Reason: fmt.Sprintf(format, a...)})
}

func (p *parser) repair(line int, format string, a ...any) {
	p.db.Repairs = append(p.db.Repairs, Repair{Line: line, What: fmt.Sprintf(format, a...)})
}

func (p *parser) peek() token { return p.toks[p.pos] }

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) accept(text string) bool {
	if t := p.peek(); (t.kind == tPunct || t.kind == tIdent) && t.text == text {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expect(text, what string) token {
	t := p.next()
	if t.text != text || t.kind == tString {
		p.fail(t, "%s: expected %q, found %s", what, text, describe(t))
	}
	return t
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of file"
	case tString:
		return strconv.Quote(t.text)
	}
	return fmt.Sprintf("%q", t.text)
}

func (p *parser) ident(what string) token {
	t := p.next()
	if t.kind != tIdent {
		p.fail(t, "%s: expected a name, found %s", what, describe(t))
	}
	return t
}

func (p *parser) str(what string) string {
	t := p.next()
	if t.kind != tString {
		p.fail(t, "%s: expected a quoted string, found %s", what, describe(t))
	}
	return t.text
}

func (p *parser) number(what string) (float64, token) {
	t := p.next()
	if t.kind != tNumber {
		p.fail(t, "%s: expected a number, found %s", what, describe(t))
	}
	v, err := parseNumber(t.text)
	if err != nil {
		p.fail(t, "%s: %q is not a number", what, t.text)
	}
	return v, t
}

func parseNumber(s string) (float64, error) {
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		v, err := strconv.ParseUint(s[2:], 16, 64)
		return float64(v), err
	}
	return strconv.ParseFloat(s, 64)
}

func (p *parser) uint(what string) (uint64, token) {
	v, t := p.number(what)
	if v < 0 || v != math.Trunc(v) || v > math.MaxUint32*2 {
		p.fail(t, "%s: %q is not a whole non-negative number", what, t.text)
	}
	return uint64(v), t
}

// topLevel reports whether t starts a new statement: a keyword at the
// beginning of a line.
func topLevel(t token) bool {
	return t.kind == tEOF || t.first && t.kind == tIdent && t.col == 1 && keywords[t.text]
}

var keywords = map[string]bool{
	"VERSION": true, "NS_": true, "BS_": true, "BU_": true, "BO_": true, "SG_": true, "CM_": true,
	"BA_DEF_": true, "BA_DEF_DEF_": true, "BA_": true, "VAL_": true, "VAL_TABLE_": true,
	"SIG_VALTYPE_": true, "SG_MUL_VAL_": true, "BO_TX_BU_": true, "EV_": true, "ENVVAR_DATA_": true,
	"SIG_GROUP_": true, "BA_DEF_REL_": true, "BA_REL_": true, "BA_DEF_DEF_REL_": true, "BU_SG_REL_": true,
	"BU_EV_REL_": true, "BU_BO_REL_": true, "SGTYPE_": true, "SGTYPE_VAL_": true, "BA_DEF_SGTYPE_": true,
	"BA_SGTYPE_": true, "SIG_TYPE_REF_": true, "CAT_DEF_": true, "CAT_": true, "FILTER": true,
	"NS_DESC_": true, "EV_DATA_": true, "SIGTYPE_VALTYPE_": true, "VAL_TABLE": true,
}

// skipStatement skips to the end of a statement we do not use: past its ';',
// or up to the next statement when it has none.
func (p *parser) skipStatement() {
	for {
		t := p.peek()
		if t.kind == tEOF {
			return
		}
		if t.kind == tPunct && t.text == ";" {
			p.pos++
			return
		}
		if topLevel(t) && p.pos > 0 {
			return
		}
		p.pos++
	}
}

func (p *parser) parse() {
	for {
		t := p.next()
		switch {
		case t.kind == tEOF:
			return
		case t.kind == tPunct && t.text == ";":
			continue // a stray ';'
		case t.kind != tIdent:
			p.fail(t, "expected a keyword (BO_, SG_, CM_, ...), found %s", describe(t))
		}
		switch t.text {
		case "VERSION":
			if p.peek().kind == tString {
				p.db.Version = p.next().text
			}
		case "NS_":
			p.accept(":")
			for !(p.peek().first && p.peek().col == 1) && p.peek().kind != tEOF {
				p.next()
			}
		case "BS_":
			for !p.peek().first && p.peek().kind != tEOF {
				p.next()
			}
		case "BU_":
			p.accept(":")
			for p.peek().kind == tIdent && !topLevel(p.peek()) {
				p.db.Nodes = append(p.db.Nodes, p.next().text)
			}
		case "BO_":
			p.message(t)
		case "SG_":
			p.signal(t)
		case "CM_":
			p.comment(t)
		case "BA_DEF_":
			p.attrDef(t)
		case "BA_DEF_DEF_":
			p.attrDefault()
		case "BA_":
			p.attr(t)
		case "VAL_":
			p.valueDescs(t)
		case "SIG_VALTYPE_":
			p.valType(t)
		case "SG_MUL_VAL_":
			p.mulVal(t)
		case "BO_TX_BU_":
			p.txBU(t)
		default:
			if !keywords[t.text] {
				p.repair(t.line, "unknown statement %s skipped", t.text)
			}
			p.skipStatement()
		}
	}
}

const independentSignals = 0xC0000000 // VECTOR__INDEPENDENT_SIG_MSG

func (p *parser) message(kw token) {
	raw, idTok := p.uint("BO_ message ID")
	name := p.ident("BO_ message name")
	p.accept(":")
	size, sizeTok := p.uint("BO_ " + name.text + " length")
	sender := ""
	if t := p.peek(); t.kind == tIdent && !topLevel(t) {
		sender = p.next().text
	}
	m := &Message{Name: name.text, Length: int(size), Line: kw.line}
	if sender != "" && sender != "Vector__XXX" {
		m.Senders = []string{sender}
	}
	if p.messages == nil {
		p.messages = map[uint64]*Message{}
		p.muxValue = map[*Signal]uint64{}
		p.muxed = map[*Signal]bool{}
	}
	p.cur = m
	if raw == independentSignals {
		return // holds signals that belong to no message; kept out of the database
	}
	id := raw
	if raw&0x80000000 != 0 {
		m.Extended = true
		id = raw &^ 0x80000000
		if id > 0x1FFFFFFF {
			p.fail(idTok, "extended frame ID 0x%X of %s is more than 29 bits", id, m.Name)
		}
	} else if raw > 0x7FF {
		if raw > 0x1FFFFFFF {
			p.fail(idTok, "frame ID 0x%X of %s is more than 29 bits", raw, m.Name)
		}
		m.Extended = true
		p.repair(kw.line, "message %s: ID 0x%X exceeds 11 bits without the extended flag (bit 31): read as extended", m.Name, raw)
	}
	if size > 64 {
		p.repair(sizeTok.line, "message %s: %d bytes cannot travel in one CAN frame; kept for decoding", m.Name, size)
	}
	m.ID = uint32(id)
	if prev, dup := p.messages[raw]; dup {
		p.fail(idTok, "message %s: ID 0x%X already belongs to %s (line %d)", m.Name, id, prev.Name, prev.Line)
	}
	p.messages[raw] = m
	p.db.Messages = append(p.db.Messages, m)
}

func (p *parser) signal(kw token) {
	name := p.ident("SG_ signal name")
	s := &Signal{Name: name.text, Line: kw.line}
	var muxed bool
	var muxVal uint64
	if t := p.peek(); t.kind == tIdent {
		p.next()
		spec := t.text
		if strings.HasSuffix(spec, "M") {
			s.IsMultiplexer = true
			spec = strings.TrimSuffix(spec, "M")
		}
		if spec != "" {
			if spec[0] != 'm' {
				p.fail(t, "signal %s: multiplexer indicator %q is not M, mN or mNM", s.Name, t.text)
			}
			v, err := strconv.ParseUint(spec[1:], 10, 64)
			if err != nil {
				p.fail(t, "signal %s: multiplexer indicator %q is not M, mN or mNM", s.Name, t.text)
			}
			muxed, muxVal = true, v
		}
	}
	p.expect(":", "SG_ "+s.Name)
	start, startTok := p.uint("signal " + s.Name + " start bit")
	p.expect("|", "signal "+s.Name)
	length, lenTok := p.uint("signal " + s.Name + " length")
	p.expect("@", "signal "+s.Name)
	order, orderTok := p.uint("signal " + s.Name + " byte order")
	switch order {
	case 0:
		s.BigEndian = true
	case 1:
	default:
		p.fail(orderTok, "signal %s: byte order @%d is neither @0 (Motorola) nor @1 (Intel)", s.Name, order)
	}
	switch sign := p.next(); sign.text {
	case "+":
	case "-":
		s.Signed = true
	default:
		p.fail(sign, "signal %s: expected + or - after the byte order, found %s", s.Name, describe(sign))
	}
	p.expect("(", "signal "+s.Name+" factor")
	s.Factor, _ = p.number("signal " + s.Name + " factor")
	p.expect(",", "signal "+s.Name+" factor")
	s.Offset, _ = p.number("signal " + s.Name + " offset")
	p.expect(")", "signal "+s.Name+" offset")
	p.expect("[", "signal "+s.Name+" range")
	s.Min, _ = p.number("signal " + s.Name + " minimum")
	p.expect("|", "signal "+s.Name+" range")
	s.Max, _ = p.number("signal " + s.Name + " maximum")
	p.expect("]", "signal "+s.Name+" range")
	s.Unit = p.str("signal " + s.Name + " unit")
	for t := p.peek(); !t.first && t.kind != tEOF; t = p.peek() {
		p.next()
		if t.kind == tIdent && t.text != "Vector__XXX" {
			s.Receivers = append(s.Receivers, t.text)
		}
	}
	s.Start, s.Length = int(start), int(length)
	if s.Length < 1 || s.Length > 64 {
		p.fail(lenTok, "signal %s: length %d is not 1 to 64 bits", s.Name, s.Length)
	}
	if s.Factor == 0 {
		p.repair(kw.line, "signal %s: factor 0 read as 1", s.Name)
		s.Factor = 1
	}
	if p.cur == nil {
		p.fail(kw, "signal %s stands before any BO_ message", s.Name)
	}
	m := p.cur
	if m.Length > 0 || start > 0 {
		lo, hi := s.bitSpan()
		if lo < 0 || hi >= 8*m.Length {
			p.repair(startTok.line, "signal %s: bits %d..%d reach beyond the %d bytes of %s", s.Name, lo, hi, m.Length, m.Name)
		}
	}
	if muxed {
		p.muxValue[s] = muxVal
		p.muxed[s] = true
	}
	s.msg = m
	m.Signals = append(m.Signals, s)
}

func (p *parser) comment(kw token) {
	c := comment{line: kw.line}
	if p.peek().kind == tIdent {
		c.object = p.next().text
		switch c.object {
		case "BU_", "EV_":
			c.node = p.ident("CM_ " + c.object).text
		case "BO_":
			c.id, _ = p.uint("CM_ BO_ message ID")
		case "SG_":
			c.id, _ = p.uint("CM_ SG_ message ID")
			c.signal = p.ident("CM_ SG_ signal").text
		default:
			p.repair(kw.line, "comment on %s skipped", c.object)
			p.skipStatement()
			return
		}
	}
	c.text = p.str("CM_ text")
	p.accept(";")
	p.comments = append(p.comments, c)
}

func (p *parser) attrDef(kw token) {
	d := &attrDef{}
	if t := p.peek(); t.kind == tIdent {
		d.object = p.next().text
	}
	d.name = p.str("BA_DEF_ attribute name")
	typ := p.ident("BA_DEF_ " + d.name + " type")
	d.kind = typ.text
	switch d.kind {
	case "ENUM":
		for p.peek().kind == tString {
			d.enum = append(d.enum, p.next().text)
			p.accept(",")
		}
	case "INT", "HEX", "FLOAT", "STRING":
	default:
		p.repair(kw.line, "attribute %s: unknown type %s", d.name, d.kind)
	}
	p.skipStatement()
	if prev := p.db.attrDefs[d.name]; prev != nil && prev.hasDflt {
		d.deflt, d.hasDflt = prev.deflt, true
	}
	p.db.attrDefs[d.name] = d
}

func (p *parser) attrDefault() {
	name := p.str("BA_DEF_DEF_ attribute name")
	v := p.next()
	d := p.db.attrDefs[name]
	if d == nil {
		d = &attrDef{name: name}
		p.db.attrDefs[name] = d
	}
	d.deflt, d.hasDflt = v.text, true
	p.skipStatement()
}

func (p *parser) attr(kw token) {
	a := attrValue{line: kw.line}
	a.name = p.str("BA_ attribute name")
	if t := p.peek(); t.kind == tIdent {
		a.object = p.next().text
		switch a.object {
		case "BU_", "EV_":
			a.node = p.ident("BA_ " + a.name).text
		case "BO_":
			a.id, _ = p.uint("BA_ " + a.name + " message ID")
		case "SG_":
			a.id, _ = p.uint("BA_ " + a.name + " message ID")
			a.signal = p.ident("BA_ " + a.name + " signal").text
		}
	}
	a.value = p.next()
	p.skipStatement()
	p.attrs = append(p.attrs, a)
}

func (p *parser) choices(what string) []Choice {
	var cs []Choice
	for p.peek().kind == tNumber {
		v, t := p.number(what)
		if v != math.Trunc(v) {
			p.fail(t, "%s: value %s is not a whole number", what, t.text)
		}
		cs = append(cs, Choice{Value: int64(v), Name: p.str(what)})
	}
	p.accept(";")
	return cs
}

func (p *parser) valueDescs(kw token) {
	if p.peek().kind != tNumber {
		p.skipStatement() // VAL_ of an environment variable
		return
	}
	id, _ := p.uint("VAL_ message ID")
	sig := p.ident("VAL_ signal").text
	p.values = append(p.values, valueDesc{id: id, signal: sig, choices: p.choices("VAL_ " + sig), line: kw.line})
}

func (p *parser) valType(kw token) {
	id, _ := p.uint("SIG_VALTYPE_ message ID")
	sig := p.ident("SIG_VALTYPE_ signal").text
	p.accept(":")
	bits, t := p.uint("SIG_VALTYPE_ " + sig)
	p.accept(";")
	switch bits {
	case 0, 1, 2:
	default:
		p.fail(t, "SIG_VALTYPE_ %s: %d is not 0 (integer), 1 (float) or 2 (double)", sig, bits)
	}
	p.valTypes = append(p.valTypes, struct {
		sigRef
		bits int
	}{sigRef{id, sig, kw.line}, []int{0, 32, 64}[bits]})
}

func (p *parser) mulVal(kw token) {
	mv := mulVal{line: kw.line}
	mv.id, _ = p.uint("SG_MUL_VAL_ message ID")
	mv.signal = p.ident("SG_MUL_VAL_ signal").text
	mv.switch_ = p.ident("SG_MUL_VAL_ multiplexer").text
	for p.peek().kind == tNumber {
		lo, t := p.number("SG_MUL_VAL_ range")
		hi := lo
		if n := p.peek(); n.kind == tNumber && strings.HasPrefix(n.text, "-") {
			v, _ := p.number("SG_MUL_VAL_ range")
			hi = -v
		} else if p.accept("-") {
			hi, _ = p.number("SG_MUL_VAL_ range")
		}
		if lo < 0 || hi < lo {
			p.fail(t, "SG_MUL_VAL_ %s: range %v-%v", mv.signal, lo, hi)
		}
		mv.ranges = append(mv.ranges, MuxRange{uint64(lo), uint64(hi)})
		p.accept(",")
	}
	p.accept(";")
	p.mulVals = append(p.mulVals, mv)
}

func (p *parser) txBU(kw token) {
	id, _ := p.uint("BO_TX_BU_ message ID")
	p.accept(":")
	var nodes []string
	for p.peek().kind == tIdent && !topLevel(p.peek()) {
		nodes = append(nodes, p.next().text)
		p.accept(",")
	}
	p.accept(";")
	p.txNodes = append(p.txNodes, struct {
		sigRef
		nodes []string
	}{sigRef{id: id, line: kw.line}, nodes})
}

// resolve applies what refers to messages and signals once all are known.
func (p *parser) resolve() {
	msg := func(id uint64) *Message { return p.messages[id] }
	sig := func(id uint64, name string) *Signal {
		if m := msg(id); m != nil {
			for _, s := range m.Signals {
				if s.Name == name {
					return s
				}
			}
		}
		return nil
	}
	for _, c := range p.comments {
		switch c.object {
		case "":
			p.db.Comment = c.text
		case "BO_":
			if m := msg(c.id); m != nil {
				m.Comment = c.text
			} else if c.id != independentSignals {
				p.repair(c.line, "comment on undeclared message %d ignored", c.id)
			}
		case "SG_":
			if s := sig(c.id, c.signal); s != nil {
				s.Comment = c.text
			} else if c.id != independentSignals {
				p.repair(c.line, "comment on undeclared signal %s of message %d ignored", c.signal, c.id)
			}
		}
	}
	for _, v := range p.values {
		s := sig(v.id, v.signal)
		if s == nil {
			if v.id != independentSignals {
				p.repair(v.line, "value table of undeclared signal %s of message %d ignored", v.signal, v.id)
			}
			continue
		}
		s.Choices = v.choices
		seen := map[string]bool{}
		for _, c := range v.choices {
			if seen[c.Name] {
				p.repair(v.line, "signal %s: value name %q stands for more than one value; as input it means the first", s.Name, c.Name)
			}
			seen[c.Name] = true
		}
	}
	for _, vt := range p.valTypes {
		if s := sig(vt.id, vt.signal); s != nil {
			if vt.bits != 0 && vt.bits != s.Length {
				p.fail(token{line: vt.line}, "SIG_VALTYPE_ %s: a %d-bit float in a %d-bit signal", s.Name, vt.bits, s.Length)
			}
			s.FloatBits = vt.bits
		} else if vt.id != independentSignals {
			p.repair(vt.line, "SIG_VALTYPE_ of undeclared signal %s ignored", vt.signal)
		}
	}
	for _, tx := range p.txNodes {
		if m := msg(tx.id); m != nil {
			for _, n := range tx.nodes {
				if !contains(m.Senders, n) {
					m.Senders = append(m.Senders, n)
				}
			}
		}
	}
	p.resolveAttributes(msg, sig)
	p.resolveMultiplexing(sig)
	for _, m := range p.db.Messages {
		if m.Length > 8 && !m.FD && m.Length <= 64 {
			m.FD = true
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func (p *parser) resolveAttributes(msg func(uint64) *Message, sig func(uint64, string) *Signal) {
	value := func(name, given string) string {
		d := p.db.attrDefs[name]
		if d != nil && d.kind == "ENUM" {
			if i, err := strconv.Atoi(given); err == nil && i >= 0 && i < len(d.enum) {
				return d.enum[i]
			}
		}
		return given
	}
	// Defaults first, then the values given per object.
	for _, m := range p.db.Messages {
		for _, name := range []string{"GenMsgCycleTime", "GenMsgSendType", "VFrameFormat"} {
			if d := p.db.attrDefs[name]; d != nil && d.hasDflt {
				applyMessageAttr(m, name, value(name, d.deflt))
			}
		}
		for _, s := range m.Signals {
			if d := p.db.attrDefs["GenSigStartValue"]; d != nil && d.hasDflt {
				s.Initial, _ = strconv.ParseFloat(d.deflt, 64)
			}
		}
	}
	for _, a := range p.attrs {
		switch a.object {
		case "BO_":
			if m := msg(a.id); m != nil {
				applyMessageAttr(m, a.name, value(a.name, a.value.text))
			} else if a.id != independentSignals {
				p.repair(a.line, "attribute %s of undeclared message %d ignored", a.name, a.id)
			}
		case "SG_":
			s := sig(a.id, a.signal)
			if s == nil {
				if a.id != independentSignals {
					p.repair(a.line, "attribute %s of undeclared signal %s ignored", a.name, a.signal)
				}
				continue
			}
			if a.name == "GenSigStartValue" {
				if v, err := parseNumber(a.value.text); err == nil {
					s.Initial = v
				}
			}
		}
	}
}

func applyMessageAttr(m *Message, name, v string) {
	switch name {
	case "GenMsgCycleTime":
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			m.CycleTime = time.Duration(ms * float64(time.Millisecond))
		} else {
			m.CycleTime = 0
		}
	case "GenMsgSendType":
		m.SendType = v
	case "VFrameFormat":
		m.FD = strings.Contains(strings.ToUpper(v), "FD")
	}
}

func (p *parser) resolveMultiplexing(sig func(uint64, string) *Signal) {
	explicit := map[*Signal]bool{}
	for _, mv := range p.mulVals {
		s := sig(mv.id, mv.signal)
		if s == nil {
			p.repair(mv.line, "SG_MUL_VAL_ of undeclared signal %s ignored", mv.signal)
			continue
		}
		sw := sig(mv.id, mv.switch_)
		if sw == nil || !sw.IsMultiplexer {
			p.fail(token{line: mv.line}, "SG_MUL_VAL_ %s: %s is not a multiplexer of its message", mv.signal, mv.switch_)
		}
		s.Switch, s.MuxRanges = sw.Name, mv.ranges
		explicit[s] = true
	}
	for _, m := range p.db.Messages {
		var switches []*Signal
		for _, s := range m.Signals {
			if s.IsMultiplexer && !p.muxed[s] {
				switches = append(switches, s)
			}
		}
		for _, s := range m.Signals {
			if !p.muxed[s] || explicit[s] {
				continue
			}
			if len(switches) == 0 {
				p.repair(s.Line, "signal %s is multiplexed but %s has no multiplexer: read as always present", s.Name, m.Name)
				continue
			}
			v := p.muxValue[s]
			s.Switch, s.MuxRanges = switches[0].Name, []MuxRange{{v, v}}
		}
	}
}
