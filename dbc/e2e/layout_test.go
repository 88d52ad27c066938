package e2e_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/e2e"
)

// A DBC message's own signals place the scheme's counter and CRC: here
// profile 2's header (CRC in byte 0, counter in the low nibble of byte
// 1), a big-endian CRC, and a counter narrower than the scheme's.
const network = `VERSION ""
BU_: A B
BO_ 256 P2: 8 A
 SG_ CRC : 0|8@1+ (1,0) [0|255] "" B
 SG_ Counter : 8|4@1+ (1,0) [0|15] "" B
 SG_ Value : 16|16@1+ (1,0) [0|65535] "" B
BO_ 257 BigEndianCRC: 4 A
 SG_ CRC : 7|8@0+ (1,0) [0|255] "" B
 SG_ Counter : 11|4@0+ (1,0) [0|15] "" B
BO_ 258 Narrow: 2 A
 SG_ Counter : 0|3@1+ (1,0) [0|7] "" B
 SG_ CRC : 8|8@1+ (1,0) [0|255] "" B
BO_ 259 Straddling: 3 A
 SG_ CRC : 4|8@1+ (1,0) [0|255] "" B
`

func layout(t *testing.T, db *candb.Database, name string) e2e.Layout {
	t.Helper()
	m, ok := db.Message(name)
	if !ok {
		t.Fatalf("no %s", name)
	}
	l, err := m.E2E(e2e.DefaultNames)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLayoutsTakeAnyScheme(t *testing.T) {
	db, err := candb.Parse("schemes.dbc", []byte(network))
	if err != nil {
		t.Fatal(err)
	}
	var ids [16]byte
	for i := range ids {
		ids[i] = byte(i)
	}
	l := layout(t, db, "P2").WithScheme(e2e.P02{DataIDs: ids})
	if l.Counters() != 16 {
		t.Errorf("P02 counts %d values, want 16", l.Counters())
	}
	data := []byte{0, 0, 2, 3, 4, 5, 6, 7}
	l.Seal(data, 2)
	// AUTOSAR's profile 2 example (as autosar-e2e reproduces it).
	if want := []byte{0xBC, 0x02, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07}; !bytes.Equal(data, want) {
		t.Errorf("sealed % X, want % X", data, want)
	}
	check := e2e.NewChecker(l)
	if err := check.Accept(data); err != nil {
		t.Errorf("the sealed frame is refused: %v", err)
	}
	flipped := bytes.Clone(data)
	flipped[5] ^= 0x10
	if err := check.Accept(flipped); !errors.Is(err, e2e.ErrCRC) {
		t.Errorf("a flipped bit: %v, want ErrCRC", err)
	}
	// The same frame judged by the reference scheme is wrong.
	if err := e2e.NewChecker(layout(t, db, "P2")).Accept(data); !errors.Is(err, e2e.ErrCRC) {
		t.Errorf("a profile 2 frame judged by the reference scheme: %v, want ErrCRC", err)
	}

	// Profile 1's counter stops at 14: 15 is no counter value.
	p1 := layout(t, db, "P2").WithScheme(e2e.P01{DataID: 0x123})
	data = make([]byte, 8)
	p1.Seal(data, 15)
	if p1.Counter(data) != 0 {
		t.Errorf("counter 15 sealed as %d, want it wrapped to 0", p1.Counter(data))
	}
	data[1] = 0x0F
	if err := e2e.NewChecker(p1).Accept(data); !errors.Is(err, e2e.ErrCounterRange) {
		t.Errorf("counter 15 under profile 1: %v, want ErrCounterRange", err)
	}

	// A big-endian CRC that fills one byte is a CRC.
	be := layout(t, db, "BigEndianCRC")
	data = make([]byte, 4)
	be.Seal(data, 3)
	if err := e2e.NewChecker(be).Accept(data); err != nil || data[0] != e2e.CRC8(data[1:]) {
		t.Errorf("big-endian CRC: % X, %v", data, err)
	}

	// A 3-bit counter counts 0..7 whatever the scheme allows.
	if n := layout(t, db, "Narrow").Counters(); n != 8 {
		t.Errorf("a 3-bit counter counts %d values, want 8", n)
	}
	if seq := layout(t, db, "Narrow").Sequence(make([]byte, 2), 6); len(seq) != 8 || seq[2][0]&7 != 0 {
		t.Errorf("3-bit sequence from 6: %d frames, third % X", len(seq), seq[2])
	}

	// A CRC across a byte boundary is refused, naming the signal.
	m, _ := db.Message("Straddling")
	if _, err := m.E2E(e2e.DefaultNames); err == nil {
		t.Error("a CRC across bytes 0 and 1 was accepted")
	}
}

// Sealing one 8-byte frame, by scheme: what a rest-bus pays per frame it
// precomputes (a sequence is one seal per counter value).
func BenchmarkSeal(b *testing.B) {
	db, err := candb.Parse("schemes.dbc", []byte(network))
	if err != nil {
		b.Fatal(err)
	}
	m, _ := db.Message("P2")
	base, _ := m.E2E(e2e.DefaultNames)
	for _, s := range []struct {
		name   string
		scheme e2e.Scheme
	}{{"reference", e2e.Reference{}}, {"p01", e2e.P01{DataID: 0x123}}, {"p02", e2e.P02{}}} {
		l := base.WithScheme(s.scheme)
		data := make([]byte, 8)
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				l.Seal(data, i)
			}
		})
	}
}
