package canbus

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFilters(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		want    []Filter
		errMask uint32
		err     string
	}{
		{spec: ""},
		{spec: "123:7FF", want: []Filter{{ID: 0x123, Mask: 0x7ff}}},
		{spec: "400~700,#FFFFFFFF", want: []Filter{{ID: 0x400, Mask: 0x700, Invert: true}}, errMask: ErrMaskAll},
		{spec: "12345678:1FFFFFFF", want: []Filter{{ID: 0x12345678 | EFFFlag, Mask: 0x1fffffff}}},
		{spec: "#4", errMask: ErrController},
		{spec: "123", err: "want ID:MASK"},
		{spec: "12G:7FF", err: "hex ID:MASK"},
		{spec: "#XYZ", err: "error mask"},
	} {
		got, mask, err := ParseFilters(tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseFilters(%q) error = %v, want %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ParseFilters(%q): %v", tc.spec, err)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" || mask != tc.errMask {
			t.Errorf("ParseFilters(%q) mask %x (-want +got):\n%s", tc.spec, mask, diff)
		}
	}
}

func TestFilterMatchesAsSocketCAN(t *testing.T) {
	sff := MustParseFrame("123#00")
	eff := MustParseFrame("00000123#00")
	rtr := MustParseFrame("123#R")
	for _, tc := range []struct {
		f    Filter
		fr   Frame
		want bool
	}{
		{Filter{ID: 0x123, Mask: 0x7ff}, sff, true},
		{Filter{ID: 0x123, Mask: 0x7ff}, eff, true}, // the mask ignores the format bit
		{Filter{ID: 0x123, Mask: 0x7ff | EFFFlag}, eff, false},
		{Filter{ID: 0x123 | EFFFlag, Mask: 0x1fffffff | EFFFlag}, eff, true},
		{Filter{ID: 0x123, Mask: 0x7ff | RTRFlag}, rtr, false},
		{Filter{ID: 0x120, Mask: 0x7f0}, sff, true},
		{Filter{ID: 0x120, Mask: 0x7f0, Invert: true}, sff, false},
		{Filter{ID: 0x200, Mask: 0x700, Invert: true}, sff, true},
	} {
		if got := tc.f.Match(&tc.fr); got != tc.want {
			t.Errorf("%v.Match(%s) = %v, want %v", tc.f, tc.fr.String(), got, tc.want)
		}
	}
}

func TestDecodeError(t *testing.T) {
	for _, tc := range []struct {
		frame string
		want  string
		check func(ErrorInfo) bool
	}{
		{"20000040#0000000000000000", "bus-off", ErrorInfo.BusOff},
		{"20000004#0010000000000000", "controller-problem{rx-error-passive}", ErrorInfo.Passive},
		{"20000204#0008000000000060", "controller-problem{tx-error-warning},error-counter-tx-rx{{0}{96}}", ErrorInfo.Warning},
		{"20000100#0000000000000000", "restarted-after-bus-off", ErrorInfo.Restarted},
		{"20000002#0700000000000000", "lost-arbitration{at bit 7}", nil},
		{"20000088#0000041900000000", "protocol-violation{{bit-stuffing-error}{acknowledge-slot}},bus-error", nil},
	} {
		f := MustParseFrame(tc.frame)
		info, ok := DecodeError(&f)
		if !ok {
			t.Fatalf("DecodeError(%s): not an error frame", tc.frame)
		}
		if got := info.String(); got != tc.want {
			t.Errorf("DecodeError(%s) = %q, want %q", tc.frame, got, tc.want)
		}
		if tc.check != nil && !tc.check(info) {
			t.Errorf("DecodeError(%s): state predicate false", tc.frame)
		}
	}
	data := MustParseFrame("123#00")
	if _, ok := DecodeError(&data); ok {
		t.Error("a data frame decoded as an error frame")
	}
}
