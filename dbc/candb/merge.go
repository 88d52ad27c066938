package candb

import (
	"fmt"
	"slices"
	"strings"
)

// Merge joins databases into one network, as a bench that loads one DBC
// per ECU or per bus segment needs it: their messages, nodes and repairs
// together. A message name or frame ID that two of them define is an error
// naming both files: the bench could not tell which one the bus means.
func Merge(dbs ...*Database) (*Database, error) {
	if len(dbs) == 1 {
		return dbs[0], nil
	}
	out := &Database{attrDefs: map[string]*attrDef{}}
	var files []string
	byName := map[string]*Database{}
	byID := map[uint64]*Database{}
	for _, db := range dbs {
		files = append(files, db.File)
		for _, m := range db.Messages {
			if other, ok := byName[m.Name]; ok {
				return nil, fmt.Errorf("merge DBCs: message %s is defined in both %s and %s", m.Name, other.File, db.File)
			}
			if other, ok := byID[idKey(m.ID, m.Extended)]; ok {
				return nil, fmt.Errorf("merge DBCs: frame ID 0x%X is %s in %s and %s in %s", m.ID, other.byID[idKey(m.ID, m.Extended)].Name, other.File, m.Name, db.File)
			}
			byName[m.Name], byID[idKey(m.ID, m.Extended)] = db, db
			out.Messages = append(out.Messages, m)
		}
		for _, n := range db.Nodes {
			if !slices.Contains(out.Nodes, n) {
				out.Nodes = append(out.Nodes, n)
			}
		}
		out.Repairs = append(out.Repairs, db.Repairs...)
		for k, d := range db.attrDefs {
			if _, ok := out.attrDefs[k]; !ok {
				out.attrDefs[k] = d
			}
		}
	}
	out.File = strings.Join(files, " + ")
	out.index()
	return out, nil
}
