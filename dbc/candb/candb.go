// Package candb loads DBC files at run time, for networks the project has no
// generated code for: a bench engineer points --dbc at the OEM's file and
// uses signals by name. It reads what cantools reads: unflagged 29-bit IDs,
// comments on undeclared signals, "//" comments, Windows-1252 text,
// attribute names with '-', duplicate value names, simple and extended
// multiplexing, CAN FD messages up to 64 bytes, float and signed signals in
// either byte order. What it had to repair is listed in Database.Repairs;
// only a file that is really broken is refused, with file:line: reason.
package candb

import (
	"sort"
	"time"
)

// Database is one loaded DBC file.
type Database struct {
	File     string
	Version  string
	Comment  string
	Nodes    []string
	Messages []*Message
	Repairs  []Repair

	attrDefs map[string]*attrDef
	byName   map[string]*Message
	byID     map[uint64]*Message
}

// Message is one CAN message.
type Message struct {
	ID       uint32
	Extended bool
	FD       bool // CAN FD (VFrameFormat *_FD, or longer than 8 bytes)
	Name     string
	Length   int // bytes
	Senders  []string
	Signals  []*Signal
	Comment  string
	// CycleTime is GenMsgCycleTime, 0 when the message is not cyclic.
	CycleTime time.Duration
	// SendType is GenMsgSendType's value name ("Cyclic", ...), "" if unset.
	SendType string
	Line     int

	byName map[string]*Signal
}

// Signal is one signal of a message.
type Signal struct {
	Name      string
	Start     int // DBC start bit: LSB for little endian, MSB (sawtooth numbering) for big endian
	Length    int
	BigEndian bool // Motorola byte order (@0)
	Signed    bool
	FloatBits int // 0 integer, 32 float, 64 double (SIG_VALTYPE_)
	Factor    float64
	Offset    float64
	Min, Max  float64 // physical range; both 0 means none given
	Unit      string
	Receivers []string
	Comment   string
	Choices   []Choice
	// Initial is GenSigStartValue, a raw value.
	Initial float64

	// Multiplexing. A multiplexer (switch) has IsMultiplexer; a multiplexed
	// signal is present when its switch's raw value lies in one of MuxRanges.
	IsMultiplexer bool
	Switch        string
	MuxRanges     []MuxRange
	Line          int

	msg *Message
	sw  *Signal // the multiplexer named by Switch
}

// Choice is one entry of a value table.
type Choice struct {
	Value int64
	Name  string
}

// MuxRange is an inclusive range of multiplexer values.
type MuxRange struct{ Lo, Hi uint64 }

// Message finds a message by name.
func (db *Database) Message(name string) (*Message, bool) {
	m, ok := db.byName[name]
	return m, ok
}

// MessageByID finds a message by its ID.
func (db *Database) MessageByID(id uint32, extended bool) (*Message, bool) {
	m, ok := db.byID[idKey(id, extended)]
	return m, ok
}

func sortKey(s *Signal) int {
	if s.BigEndian {
		return 8*(s.Start/8) + 7 - s.Start%8
	}
	return s.Start
}

func idKey(id uint32, extended bool) uint64 {
	k := uint64(id)
	if extended {
		k |= 1 << 32
	}
	return k
}

// Signal finds a signal of the message by name.
func (m *Message) Signal(name string) (*Signal, bool) {
	s, ok := m.byName[name]
	return s, ok
}

// Message is the message the signal belongs to.
func (s *Signal) Message() *Message { return s.msg }

// RangeGiven reports whether the DBC gives the signal a physical range.
func (s *Signal) RangeGiven() bool { return s.Min != 0 || s.Max != 0 }

// ChoiceName returns the value table's name for raw, if it has one.
func (s *Signal) ChoiceName(raw int64) (string, bool) {
	for _, c := range s.Choices {
		if c.Value == raw {
			return c.Name, true
		}
	}
	return "", false
}

func (db *Database) index() {
	db.byName = make(map[string]*Message, len(db.Messages))
	db.byID = make(map[uint64]*Message, len(db.Messages))
	sort.SliceStable(db.Messages, func(i, j int) bool { return db.Messages[i].ID < db.Messages[j].ID })
	for _, m := range db.Messages {
		// cantools' order (sort_signals_by_start_bit): by start bit, a
		// big-endian start counted from the MSB of its byte. Decoded output
		// lists signals in this order, as cantools decode does.
		sort.SliceStable(m.Signals, func(i, j int) bool { return sortKey(m.Signals[i]) < sortKey(m.Signals[j]) })
		db.byName[m.Name] = m
		db.byID[idKey(m.ID, m.Extended)] = m
		m.byName = make(map[string]*Signal, len(m.Signals))
		for _, s := range m.Signals {
			s.msg = m
			m.byName[s.Name] = s
		}
		for _, s := range m.Signals {
			if s.Switch != "" {
				s.sw = m.byName[s.Switch]
			}
		}
	}
}
