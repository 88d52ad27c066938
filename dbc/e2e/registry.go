package e2e

import (
	"fmt"
	"slices"
	"strings"

	suggestpkg "github.com/cockpit-hil/hil/internal/suggest"
)

// Params are a scheme's parameters as a configuration names them
// (data_id: 0x123, data_ids: [...], mode: both); numbers are int.
type Params map[string]any

// A scheme's constructor from its parameters, by the name configurations
// use: a new scheme is its type and one entry here.
var schemes = map[string]struct {
	params []string
	make   func(Params) (Scheme, error)
}{
	"reference": {nil, func(Params) (Scheme, error) { return Reference{}, nil }},
	"autosar-p01": {[]string{"data_id", "mode"}, func(p Params) (Scheme, error) {
		id, err := p.uint("data_id", 0xFFFF, true)
		if err != nil {
			return nil, err
		}
		mode := P01Both
		if m, ok := p["mode"]; ok {
			i := slices.Index(p01Modes[:], fmt.Sprint(m))
			if i < 0 {
				return nil, fmt.Errorf("mode %v: want %s", m, strings.Join(p01Modes[:], ", "))
			}
			mode = P01Mode(i)
		}
		return P01{DataID: uint16(id), Mode: mode}, nil
	}},
	"autosar-p02": {[]string{"data_ids"}, func(p Params) (Scheme, error) {
		ids, err := p.dataIDs()
		return P02{DataIDs: ids}, err
	}},
	"autosar-p04": {[]string{"data_id"}, func(p Params) (Scheme, error) {
		id, err := p.uint("data_id", 0xFFFFFFFF, true)
		return P04{DataID: uint32(id)}, err
	}},
	"autosar-p05": {[]string{"data_id"}, func(p Params) (Scheme, error) {
		id, err := p.uint("data_id", 0xFFFF, true)
		return P05{DataID: uint16(id)}, err
	}},
}

// SchemeNames are the schemes a configuration can name, sorted.
func SchemeNames() []string {
	var names []string
	for n := range schemes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// NewScheme makes the named scheme from its parameters; an unknown name
// or parameter is an error naming the closest known one.
func NewScheme(name string, p Params) (Scheme, error) {
	s, ok := schemes[name]
	if !ok {
		return nil, fmt.Errorf("scheme %q is not one of %s%s", name, strings.Join(SchemeNames(), ", "), suggestpkg.Closest(name, SchemeNames()))
	}
	for k := range p {
		if !slices.Contains(s.params, k) {
			return nil, fmt.Errorf("scheme %s has no parameter %q (it takes: %s)%s", name, k, strings.Join(s.params, ", "), suggestpkg.Closest(k, s.params))
		}
	}
	scheme, err := s.make(p)
	if err != nil {
		return nil, fmt.Errorf("scheme %s: %w", name, err)
	}
	return scheme, nil
}

// uint reads a whole number parameter no larger than max.
func (p Params) uint(name string, max uint64, required bool) (uint64, error) {
	v, ok := p[name]
	if !ok {
		if required {
			return 0, fmt.Errorf("%s missing", name)
		}
		return 0, nil
	}
	n, ok := v.(int)
	if !ok || n < 0 || uint64(n) > max {
		return 0, fmt.Errorf("%s %v: want a whole number from 0 to 0x%X", name, v, max)
	}
	return uint64(n), nil
}

// dataIDs reads profile 2's list of 16 data IDs; one value stands for all
// 16, as many networks give every counter the same.
func (p Params) dataIDs() (ids [16]byte, err error) {
	v, ok := p["data_ids"]
	if !ok {
		return ids, fmt.Errorf("data_ids missing: a list of 16 bytes, one per counter value (or one for all)")
	}
	var list []any
	switch v := v.(type) {
	case []any:
		list = v
	case int:
		list = []any{v}
	}
	if len(list) != 1 && len(list) != 16 {
		return ids, fmt.Errorf("data_ids has %d values: want 16, one per counter value (or one for all)", len(list))
	}
	for i := range ids {
		b, ok := list[i%len(list)].(int)
		if !ok || b < 0 || b > 0xFF {
			return ids, fmt.Errorf("data_ids[%d] %v: want a byte", i%len(list), list[i%len(list)])
		}
		ids[i] = byte(b)
	}
	return ids, nil
}
