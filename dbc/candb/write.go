package candb

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Write writes the database as a clean DBC file: UTF-8, extended IDs flagged
// with bit 31, comments and attributes only on declared objects, and only the
// attributes the project uses (GenMsgCycleTime, GenMsgSendType,
// GenSigStartValue, VFrameFormat), declared. Value names are kept as they
// are, even when one stands for two values. Parse reads it back to the same
// database.
func (db *Database) Write(w io.Writer) error {
	b := bufio.NewWriter(w)
	q := func(s string) string {
		return `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	fmt.Fprintf(b, "VERSION %s\n\n\nNS_ :\n\nBS_:\n\nBU_:", q(db.Version))
	for _, n := range db.Nodes {
		fmt.Fprintf(b, " %s", n)
	}
	b.WriteString("\n\n")
	rawID := func(m *Message) uint32 {
		if m.Extended {
			return m.ID | 0x80000000
		}
		return m.ID
	}
	for _, m := range db.Messages {
		sender := "Vector__XXX"
		if len(m.Senders) > 0 {
			sender = m.Senders[0]
		}
		fmt.Fprintf(b, "\nBO_ %d %s: %d %s\n", rawID(m), m.Name, m.Length, sender)
		for _, s := range m.Signals {
			mux := ""
			if s.sw != nil && len(s.MuxRanges) > 0 {
				mux = " m" + strconv.FormatUint(s.MuxRanges[0].Lo, 10)
				if s.IsMultiplexer {
					mux += "M"
				}
			} else if s.IsMultiplexer {
				mux = " M"
			}
			order, sign := 1, "+"
			if s.BigEndian {
				order = 0
			}
			if s.Signed {
				sign = "-"
			}
			recv := "Vector__XXX"
			if len(s.Receivers) > 0 {
				recv = strings.Join(s.Receivers, ",")
			}
			fmt.Fprintf(b, " SG_ %s%s : %d|%d@%d%s (%s,%s) [%s|%s] %s %s\n", s.Name, mux, s.Start, s.Length, order, sign,
				num(s.Factor), num(s.Offset), num(s.Min), num(s.Max), q(s.Unit), recv)
		}
	}
	b.WriteString("\n\n")
	for _, m := range db.Messages {
		if len(m.Senders) > 1 {
			fmt.Fprintf(b, "BO_TX_BU_ %d : %s;\n", rawID(m), strings.Join(m.Senders, ","))
		}
	}
	if db.Comment != "" {
		fmt.Fprintf(b, "CM_ %s;\n", q(db.Comment))
	}
	for _, m := range db.Messages {
		if m.Comment != "" {
			fmt.Fprintf(b, "CM_ BO_ %d %s;\n", rawID(m), q(m.Comment))
		}
		for _, s := range m.Signals {
			if s.Comment != "" {
				fmt.Fprintf(b, "CM_ SG_ %d %s %s;\n", rawID(m), s.Name, q(s.Comment))
			}
		}
	}
	b.WriteString(`BA_DEF_ BO_ "GenMsgCycleTime" INT 0 65535;` + "\n")
	b.WriteString(`BA_DEF_ BO_ "GenMsgSendType" STRING ;` + "\n")
	b.WriteString(`BA_DEF_ SG_ "GenSigStartValue" FLOAT -1.8e+19 1.8e+19;` + "\n")
	b.WriteString(`BA_DEF_ BO_ "VFrameFormat" ENUM "StandardCAN","ExtendedCAN","StandardCAN_FD","ExtendedCAN_FD";` + "\n")
	b.WriteString(`BA_DEF_DEF_ "GenMsgCycleTime" 0;` + "\n")
	b.WriteString(`BA_DEF_DEF_ "GenMsgSendType" "";` + "\n")
	b.WriteString(`BA_DEF_DEF_ "GenSigStartValue" 0;` + "\n")
	b.WriteString(`BA_DEF_DEF_ "VFrameFormat" "StandardCAN";` + "\n")
	for _, m := range db.Messages {
		if m.CycleTime > 0 {
			fmt.Fprintf(b, "BA_ \"GenMsgCycleTime\" BO_ %d %d;\n", rawID(m), m.CycleTime.Milliseconds())
		}
		if m.SendType != "" {
			fmt.Fprintf(b, "BA_ \"GenMsgSendType\" BO_ %d %s;\n", rawID(m), q(m.SendType))
		}
		format := 0
		if m.Extended {
			format = 1
		}
		if m.FD {
			format += 2
		}
		if format != 0 {
			fmt.Fprintf(b, "BA_ \"VFrameFormat\" BO_ %d %d;\n", rawID(m), format)
		}
		for _, s := range m.Signals {
			if s.Initial != 0 {
				fmt.Fprintf(b, "BA_ \"GenSigStartValue\" SG_ %d %s %s;\n", rawID(m), s.Name, num(s.Initial))
			}
		}
	}
	for _, m := range db.Messages {
		for _, s := range m.Signals {
			if len(s.Choices) == 0 {
				continue
			}
			fmt.Fprintf(b, "VAL_ %d %s", rawID(m), s.Name)
			for _, c := range s.Choices {
				fmt.Fprintf(b, " %d %s", c.Value, q(c.Name))
			}
			b.WriteString(" ;\n")
		}
	}
	for _, m := range db.Messages {
		for _, s := range m.Signals {
			if s.FloatBits != 0 {
				fmt.Fprintf(b, "SIG_VALTYPE_ %d %s : %d;\n", rawID(m), s.Name, s.FloatBits/32)
			}
		}
	}
	for _, m := range db.Messages {
		sigs := append([]*Signal(nil), m.Signals...)
		sort.SliceStable(sigs, func(i, j int) bool { return sigs[i].Line < sigs[j].Line })
		for _, s := range sigs {
			if s.sw == nil || len(s.MuxRanges) == 0 || !m.extendedMux() {
				continue
			}
			fmt.Fprintf(b, "SG_MUL_VAL_ %d %s %s", rawID(m), s.Name, s.Switch)
			for i, r := range s.MuxRanges {
				sep := ","
				if i == len(s.MuxRanges)-1 {
					sep = ";"
				}
				fmt.Fprintf(b, " %d-%d%s", r.Lo, r.Hi, sep)
			}
			b.WriteString("\n")
		}
	}
	return b.Flush()
}

// extendedMux reports whether the message needs SG_MUL_VAL_ lines: more than
// one multiplexer, or a signal selected by a range rather than one value.
func (m *Message) extendedMux() bool {
	switches := 0
	for _, s := range m.Signals {
		if s.IsMultiplexer {
			switches++
		}
		if len(s.MuxRanges) > 1 || len(s.MuxRanges) == 1 && s.MuxRanges[0].Lo != s.MuxRanges[0].Hi {
			return true
		}
	}
	return switches > 1
}
