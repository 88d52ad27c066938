// Package protection says which message of a network carries which E2E
// protection: a scheme of dbc/e2e with its parameters, and the signals
// that hold its counter and CRC. It is data: built-in presets by network
// (reference, vw-mqb) and the same YAML form in a file or a profile's
// e2e: section.
//
//	default: none                # unlisted messages: none (unchecked) or reference
//	messages:
//	  ESP_21: {scheme: autosar-p02, data_ids: [0xB4, 0xEF, ...]}
//	  0x3C0: {scheme: autosar-p02, data_ids: 0xC3}    # by ID
//	  Foo_01: {scheme: autosar-p01, data_id: 0x123, mode: both, counter: Foo_Zaehler, crc: Foo_Pruefsumme}
//
// Bad entries are errors with the file and line and the closest name.
package protection

import (
	"embed"
	"fmt"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/e2e"
	"github.com/cockpit-hil/hil/internal/suggest"
	"go.yaml.in/yaml/v3"
)

//go:embed presets/*.yaml
var presets embed.FS

// Config is one network's protection.
type Config struct {
	File string
	// Default protects the messages not listed: "reference" or "none".
	Default  string
	Messages []Entry
}

// Entry is one message's protection.
type Entry struct {
	Message string // a name, or an ID ("0x3C0")
	Scheme  e2e.Scheme
	// Counter and CRC name the signals, "" for the usual names.
	Counter, CRC string
	Line         int
}

// Presets are the built-in configurations' names, sorted.
func Presets() []string {
	entries, _ := presets.ReadDir("presets")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	slices.Sort(names)
	return names
}

// Load reads a preset by name or a configuration file by path.
func Load(spec string) (*Config, error) {
	if src, err := presets.ReadFile(path.Join("presets", spec+".yaml")); err == nil {
		return Parse("preset "+spec, src)
	}
	src, err := os.ReadFile(spec)
	if err != nil {
		if os.IsNotExist(err) && !strings.ContainsAny(spec, "/.") {
			return nil, fmt.Errorf("e2e %s: neither a preset (%s)%s nor a file", spec, strings.Join(Presets(), ", "), suggest.Closest(spec, Presets()))
		}
		return nil, fmt.Errorf("e2e: %w", err)
	}
	return Parse(spec, src)
}

// Parse reads the YAML form; name appears in errors.
func Parse(name string, src []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c := &Config{File: name, Default: "none"}
	if len(root.Content) == 0 {
		return c, nil
	}
	return c, c.parse(root.Content[0])
}

// ParseNode reads the YAML form from a node of a larger file (a profile's
// e2e: section).
func ParseNode(name string, n *yaml.Node) (*Config, error) {
	c := &Config{File: name, Default: "none"}
	return c, c.parse(n)
}

func (c *Config) bad(n *yaml.Node, format string, a ...any) error {
	return fmt.Errorf("%s:%d: %s", c.File, n.Line, fmt.Sprintf(format, a...))
}

func (c *Config) parse(top *yaml.Node) error {
	if top.Kind != yaml.MappingNode {
		return c.bad(top, "want a mapping with default: and messages:")
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, v := top.Content[i], top.Content[i+1]
		switch k.Value {
		case "default":
			if v.Value != "none" && v.Value != "reference" {
				return c.bad(v, "default: %q is not none or reference", v.Value)
			}
			c.Default = v.Value
		case "messages":
			if v.Kind != yaml.MappingNode {
				return c.bad(v, "messages: want a mapping of message to {scheme: ..., ...}")
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				e, err := c.entry(v.Content[j], v.Content[j+1])
				if err != nil {
					return err
				}
				c.Messages = append(c.Messages, e)
			}
		default:
			return c.bad(k, "unknown key %q (want default or messages)%s", k.Value, suggest.Closest(k.Value, []string{"default", "messages"}))
		}
	}
	return nil
}

func (c *Config) entry(k, v *yaml.Node) (Entry, error) {
	e := Entry{Message: k.Value, Line: k.Line}
	if v.Kind != yaml.MappingNode {
		return e, c.bad(v, "%s: want {scheme: NAME, parameters...}", k.Value)
	}
	scheme := ""
	params := e2e.Params{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		pk, pv := v.Content[i], v.Content[i+1]
		switch pk.Value {
		case "scheme":
			scheme = pv.Value
		case "counter":
			e.Counter = pv.Value
		case "crc":
			e.CRC = pv.Value
		default:
			val, err := value(pv)
			if err != nil {
				return e, c.bad(pv, "%s.%s: %v", k.Value, pk.Value, err)
			}
			params[pk.Value] = val
		}
	}
	if scheme == "" {
		return e, c.bad(v, "%s: no scheme (one of %s)", k.Value, strings.Join(e2e.SchemeNames(), ", "))
	}
	s, err := e2e.NewScheme(scheme, params)
	if err != nil {
		return e, c.bad(v, "%s: %v", k.Value, err)
	}
	e.Scheme = s
	return e, nil
}

// value reads a parameter: a whole number (0x.. too), a list of them, or
// a word.
func value(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.SequenceNode:
		var list []any
		for _, c := range n.Content {
			v, err := value(c)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.ScalarNode:
		if i, err := strconv.ParseInt(n.Value, 0, 64); err == nil {
			return int(i), nil
		}
		return n.Value, nil
	}
	return nil, fmt.Errorf("want a number, a list of numbers or a word")
}

// Layouts resolves the configuration against a database: the layout of
// every message it protects, by message name. A message the
// configuration names that the database lacks, or whose counter or CRC
// signal it cannot find, is an error with the closest name.
func (c *Config) Layouts(db *candb.Database) (map[string]e2e.Layout, error) {
	out := map[string]e2e.Layout{}
	listed := map[*candb.Message]bool{}
	for _, e := range c.Messages {
		m, err := c.message(db, e)
		if err != nil {
			return nil, err
		}
		listed[m] = true
		names := e2e.Names{Counter: e.Counter, CRC: e.CRC}
		for what, n := range map[string]string{"counter": names.Counter, "crc": names.CRC} {
			if _, ok := m.Signal(n); !ok && n != "" {
				return nil, fmt.Errorf("%s:%d: %s: no %s signal %q%s", c.File, e.Line, m.Name, what, n, suggest.Closest(n, signalNames(m)))
			}
		}
		if names.Counter == "" {
			names.Counter = usual(m, counterNames)
		}
		if names.CRC == "" {
			names.CRC = usual(m, crcNames)
		}
		_, hasCounter := m.Signal(names.Counter)
		if _, hasCRC := m.Signal(names.CRC); !hasCounter && !hasCRC {
			return nil, fmt.Errorf("%s:%d: %s has no counter or CRC signal by the usual names (%s; %s): name them (counter: SIGNAL, crc: SIGNAL)", c.File, e.Line, m.Name,
				strings.Join(counterNames, ", "), strings.Join(crcNames, ", "))
		}
		l, err := m.E2E(names)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", c.File, e.Line, err)
		}
		out[m.Name] = l.WithScheme(e.Scheme)
	}
	if c.Default == "reference" {
		for _, m := range db.Messages {
			if listed[m] {
				continue
			}
			if l, err := m.E2E(e2e.DefaultNames); err == nil && l.Protected() {
				out[m.Name] = l
			}
		}
	}
	return out, nil
}

func (c *Config) message(db *candb.Database, e Entry) (*candb.Message, error) {
	if id, err := strconv.ParseUint(e.Message, 0, 32); err == nil {
		for _, m := range db.Messages {
			if uint64(m.ID) == id {
				return m, nil
			}
		}
		return nil, fmt.Errorf("%s:%d: %s has no message with ID 0x%X", c.File, e.Line, db.File, id)
	}
	if m, ok := db.Message(e.Message); ok {
		return m, nil
	}
	var names []string
	for _, m := range db.Messages {
		names = append(names, m.Name)
	}
	return nil, fmt.Errorf("%s:%d: %s has no message %s%s", c.File, e.Line, db.File, e.Message, suggest.Closest(e.Message, names))
}

// The usual names of the counter and CRC signals, in the order tried:
// exact names first, then MESSAGE_ prefixes, then any signal ending so.
var (
	counterNames = []string{"Counter", "COUNTER", "{m}_BZ", "{m}_Counter", "*_BZ", "*_COUNTER", "*_Counter"}
	crcNames     = []string{"CRC", "CHECKSUM", "Checksum", "{m}_CRC", "{m}_Checksum", "*_CRC", "*_CHECKSUM", "*_Checksum"}
)

// usual is the first of names that m has; the first name when none.
func usual(m *candb.Message, names []string) string {
	for _, n := range names {
		n = strings.ReplaceAll(n, "{m}", m.Name)
		if suffix, ok := strings.CutPrefix(n, "*"); ok {
			for _, s := range m.Signals {
				if strings.HasSuffix(s.Name, suffix) {
					return s.Name
				}
			}
			continue
		}
		if _, ok := m.Signal(n); ok {
			return n
		}
	}
	return names[0]
}

func signalNames(m *candb.Message) []string {
	var out []string
	for _, s := range m.Signals {
		out = append(out, s.Name)
	}
	return out
}
