package canbus

import (
	"fmt"
	"strconv"
	"strings"
)

// Flag bits of a SocketCAN ID, used in filter IDs and masks.
const (
	EFFFlag = 0x80000000 // extended frame
	RTRFlag = 0x40000000 // remote frame
	// ErrMaskAll selects every error class.
	ErrMaskAll = 0x1fffffff
)

// Filter is a SocketCAN receive filter: a frame matches when
// (frameID & Mask) == (ID & Mask), or the opposite when Invert is set.
// ID and Mask are in SocketCAN form, so EFFFlag and RTRFlag in Mask make the
// frame format part of the match.
type Filter struct {
	ID, Mask uint32
	Invert   bool
}

// Match reports whether the filter accepts the frame (data or remote frames only).
func (fl Filter) Match(f *Frame) bool {
	id := f.ID
	if f.Extended {
		id |= EFFFlag
	}
	if f.Remote {
		id |= RTRFlag
	}
	return ((id & fl.Mask) == (fl.ID & fl.Mask)) != fl.Invert
}

func (fl Filter) String() string {
	sep := ":"
	if fl.Invert {
		sep = "~"
	}
	return fmt.Sprintf("%X%s%X", fl.ID, sep, fl.Mask)
}

// ParseFilters parses candump's filter list, the part after the interface
// name: "123:7FF,400~700,#FFFFFFFF". "ID:MASK" accepts matches, "ID~MASK"
// accepts non-matches, "#ERRMASK" selects error classes, "j" or "J" (join:
// all filters must match) is refused because the kernel API for it is too
// new for the kernels we support.
func ParseFilters(spec string) (filters []Filter, errMask uint32, err error) {
	if spec == "" {
		return nil, 0, nil
	}
	for _, part := range strings.Split(spec, ",") {
		switch {
		case strings.HasPrefix(part, "#"):
			m, err := strconv.ParseUint(part[1:], 16, 32)
			if err != nil {
				return nil, 0, fmt.Errorf("parse filter %q: error mask is not hexadecimal", part)
			}
			errMask = uint32(m) & ErrMaskAll
		case strings.ContainsAny(part, ":~"):
			i := strings.IndexAny(part, ":~")
			id, err1 := strconv.ParseUint(part[:i], 16, 32)
			mask, err2 := strconv.ParseUint(part[i+1:], 16, 32)
			if err1 != nil || err2 != nil {
				return nil, 0, fmt.Errorf("parse filter %q: want hex ID:MASK or ID~MASK", part)
			}
			fl := Filter{ID: uint32(id), Mask: uint32(mask) &^ ErrFlag, Invert: part[i] == '~'}
			// As in candump: an 8-digit ID names an extended frame.
			if len(part[:i]) == 8 && fl.ID&EFFFlag == 0 {
				fl.ID |= EFFFlag
			}
			filters = append(filters, fl)
		default:
			return nil, 0, fmt.Errorf("parse filter %q: want ID:MASK, ID~MASK or #ERRMASK", part)
		}
	}
	return filters, errMask, nil
}
