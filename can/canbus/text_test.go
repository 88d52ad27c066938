package canbus

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFrameRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		in, out string // out is empty when the input is already canonical
		want    Frame
	}{
		{in: "123#DEADBEEF", want: Frame{ID: 0x123, Len: 4, Data: data(0xde, 0xad, 0xbe, 0xef)}},
		{in: "7FF#", want: Frame{ID: 0x7ff}},
		{in: "12345678#00.11.22", out: "12345678#001122", want: Frame{ID: 0x12345678, Extended: true, Len: 3, Data: data(0, 0x11, 0x22)}},
		{in: "00000123#", want: Frame{ID: 0x123, Extended: true}},
		{in: "123#R", want: Frame{ID: 0x123, Remote: true}},
		{in: "123#r3", out: "123#R3", want: Frame{ID: 0x123, Remote: true, Len: 3}},
		{in: "123##1112233", want: Frame{ID: 0x123, FD: true, Flags: FlagBRS, Len: 3, Data: data(0x11, 0x22, 0x33)}},
		{in: "123##0", want: Frame{ID: 0x123, FD: true}},
		{in: "1FFFFFFF##3" + strings.Repeat("AB", 64), want: Frame{ID: 0x1fffffff, Extended: true, FD: true, Flags: 3, Len: 64, Data: fill(64, 0xab)}},
		{in: "20000004#0004000000000000", want: Frame{ID: ErrController, Error: true, Len: 8, Data: data(0, 4)}},
		{in: "1ab#ff", out: "1AB#FF", want: Frame{ID: 0x1ab, Len: 1, Data: data(0xff)}},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseFrame(tc.in)
			if err != nil {
				t.Fatalf("ParseFrame(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseFrame(%q) (-want +got):\n%s", tc.in, diff)
			}
			want := tc.out
			if want == "" {
				want = tc.in
			}
			if s := got.String(); s != want {
				t.Errorf("String() = %q, want %q", s, want)
			}
		})
	}
}

func TestParseFrameErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "3 (standard) or 8 (extended)"},
		{"12#00", "3 (standard) or 8 (extended)"},
		{"800#00", "exceeds 7FF"},
		{"E0000004#00", "bits beyond"},
		{"40000000#00", "exceeds 1FFFFFFF"},
		{"G23#00", "not hexadecimal"},
		{"123#0", "odd number"},
		{"123#0011223344556677889", "more than 8"},
		{"123#ZZ", "not hexadecimal"},
		{"123#R9", "not 0-8"},
		{"123##", "flags digit"},
		{"123##G00", "not a hex digit"},
		{"20000001#R", "no remote form"},
	} {
		_, err := ParseFrame(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseFrame(%q) = %v, want error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		f    Frame
		want string // empty: valid
	}{
		{Frame{ID: 0x7ff, Len: 8}, ""},
		{Frame{ID: 0x800}, "11 bits"},
		{Frame{ID: 0x1fffffff, Extended: true}, ""},
		{Frame{Len: 9}, "exceeds 8"},
		{Frame{FD: true, Len: 12}, ""},
		{Frame{FD: true, Len: 13}, "not one of"},
		{Frame{FD: true, Remote: true}, "no remote"},
		{Frame{Flags: FlagBRS}, "only valid on CAN FD"},
	} {
		err := tc.f.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.f, err, tc.want)
		}
	}
}

func TestEinrideConversion(t *testing.T) {
	for _, s := range []string{"123#DEADBEEF", "12345678#0011", "123#R4", "000#"} {
		f := MustParseFrame(s)
		e, err := f.Einride()
		if err != nil {
			t.Fatalf("Einride(%s): %v", s, err)
		}
		if e.String() != s {
			t.Errorf("einride form of %s = %s", s, e.String())
		}
		if back := FromEinride(e); back != f {
			t.Errorf("round trip of %s = %s", s, back.String())
		}
	}
	fd := MustParseFrame("123##100")
	if _, err := fd.Einride(); err == nil {
		t.Error("CAN FD frame converted to einride without error")
	}
}

func FuzzParseFrame(f *testing.F) {
	for _, s := range []string{"123#DEADBEEF", "12345678#00.11", "123#R8", "123##1AB", "20000004#00", "7FF#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fr, err := ParseFrame(s)
		if err != nil {
			return
		}
		if err := fr.Validate(); err != nil && !fr.FD {
			t.Fatalf("ParseFrame(%q) returned an invalid frame: %v", s, err)
		}
		again, err := ParseFrame(fr.String())
		if err != nil {
			t.Fatalf("ParseFrame(String()) of %q = %q: %v", s, fr.String(), err)
		}
		if again != fr {
			t.Fatalf("round trip of %q: %s != %s", s, again.String(), fr.String())
		}
	})
}

func data(b ...byte) (d [MaxFDLen]byte) {
	copy(d[:], b)
	return d
}

func fill(n int, v byte) (d [MaxFDLen]byte) {
	for i := 0; i < n; i++ {
		d[i] = v
	}
	return d
}
