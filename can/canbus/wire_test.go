package canbus

import "testing"

func TestWireRoundTrip(t *testing.T) {
	for _, s := range []string{"123#DEADBEEF", "12345678#0011", "123#R8", "7FF#", "20000040#0000000000000000", "123##1AABBCCDDEEFF00112233", "1FFFFFFF##0"} {
		f := MustParseFrame(s)
		var b [WireFDLen]byte
		n := EncodeWire(&b, &f)
		if f.FD != (n == WireFDLen) {
			t.Errorf("%s encoded to %d bytes", s, n)
		}
		var got Frame
		DecodeWire(&got, b[:n])
		if got != f {
			t.Errorf("%s round trip gave %s", s, got.String())
		}
	}
	// A classic frame claiming 15 bytes is cut to 8, not read past its end.
	b := [WireFDLen]byte{0x23, 0x01, 0, 0, 15}
	var f Frame
	DecodeWire(&f, b[:WireLen])
	if f.Len != 8 {
		t.Errorf("length %d, want 8", f.Len)
	}
}
