package candb_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/dbc/candb"
	ic "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"github.com/cockpit-hil/hil/internal/specs"
	"go.einride.tech/can"
	"go.einride.tech/can/pkg/descriptor"
	"go.einride.tech/can/pkg/generated"
)

func corpus(t testing.TB) string {
	dir, err := specs.CorpusDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "dbc", "cantools")
}

func load(t testing.TB, name string) *candb.Database {
	t.Helper()
	db, err := candb.Load(filepath.Join(corpus(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// refused are the corpus files that cantools' own tests expect to fail.
var refused = map[string]string{
	"issue_199_extended.dbc": "issue_199_extended.dbc:45: extended frame ID 0x7FFFFFFF of DriverDoorStatus is more than 29 bits",
}

func TestCorpusLoads(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpus(t), "*"))
	if len(files) < 80 {
		t.Fatalf("%d corpus files", len(files))
	}
	loaded, repaired := 0, 0
	for _, f := range files {
		base := filepath.Base(f)
		db, err := candb.Load(f)
		if want, bad := refused[base]; bad {
			var e *candb.Error
			if !errors.As(err, &e) || !strings.HasSuffix(err.Error(), want) {
				t.Errorf("%s: got %v, want the error %q", base, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		loaded++
		if len(db.Repairs) > 0 {
			repaired++
		}
		if len(db.Messages) == 0 && !strings.Contains(base, "Empty") && !strings.Contains(base, "empty") && !strings.Contains(base, "comment_bare") {
			t.Logf("%s: no messages", base)
		}
	}
	t.Logf("corpus: %d of %d files load (%d with repairs), %d refused as cantools refuses them", loaded, len(files), repaired, len(refused))
}

func TestMotohawkAsCantoolsDecodesIt(t *testing.T) {
	m, ok := load(t, "motohawk.dbc").Message("ExampleMessage")
	if !ok {
		t.Fatal("no ExampleMessage")
	}
	var got []string
	for _, v := range m.Decode([]byte{0x80, 0x4A, 0x0F, 0, 0, 0, 0, 0}, nil) {
		got = append(got, v.Signal.Name+": "+v.Format())
	}
	want := []string{"Enable: Enabled", "AverageRadius: 0.0 m", "Temperature: 255.92 degK"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %q, want %q (cantools' README)", got, want)
	}
}

// TestAgreesWithTheGeneratedCodecs decodes random payloads with the run-time
// database and with einride's generated code for the reference network.
func TestAgreesWithTheGeneratedCodecs(t *testing.T) {
	db, err := candb.Parse("infotainment.dbc", dbc.Infotainment)
	if err != nil || len(db.Repairs) != 0 {
		t.Fatalf("reference DBC: %v %v", err, db.Repairs)
	}
	gen := []generated.Message{ic.NewESP_VehicleSpeed(), ic.NewTCU_Gear(), ic.NewSWC_Buttons(), ic.NewBCM_PowerMode(),
		ic.NewIVI_MediaStatus(), ic.NewIVI_MessagingStatus(), ic.NewIVI_NavStatus(), ic.NewIVI_Heartbeat()}
	r := rand.New(rand.NewPCG(1, 2))
	for _, g := range gen {
		d := g.Descriptor()
		m, ok := db.MessageByID(d.ID, false)
		if !ok || m.Name != d.Name || m.Length != int(d.Length) || m.CycleTime != d.CycleTime {
			t.Fatalf("%s: run-time message %+v differs from the generated descriptor", d.Name, m)
		}
		for range 200 {
			f := can.Frame{ID: d.ID, Length: d.Length}
			for i := range d.Length {
				f.Data[i] = byte(r.Uint32())
			}
			for _, v := range m.Decode(f.Data[:f.Length], nil) {
				var sd *descriptor.Signal
				for _, x := range d.Signals {
					if x.Name == v.Signal.Name {
						sd = x
					}
				}
				if want := sd.UnmarshalUnsigned(f.Data); want != v.Raw {
					t.Fatalf("%s.%s of %s: run-time raw %v, generated %v", d.Name, v.Signal.Name, f.String(), v.Raw, want)
				}
				// einride clamps a physical value to the DBC range; cantools
				// and candb show what the frame says. Compare inside the range.
				if v.Physical >= sd.Min && v.Physical <= sd.Max {
					if want := sd.UnmarshalPhysical(f.Data); math.Abs(want-v.Physical) > 1e-9 {
						t.Fatalf("%s.%s of %s: run-time %v, generated %v", d.Name, v.Signal.Name, f.String(), v.Physical, want)
					}
				}
			}
		}
	}
}

// TestRawRoundTripsInEveryCorpusSignal writes and reads back a random raw
// value in every signal of every corpus file: both byte orders, every width.
func TestRawRoundTripsInEveryCorpusSignal(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpus(t), "*"))
	r := rand.New(rand.NewPCG(3, 4))
	n := 0
	for _, f := range files {
		db, err := candb.Load(f)
		if err != nil {
			continue
		}
		for _, m := range db.Messages {
			if m.Length > 64 {
				continue
			}
			for _, s := range m.Signals {
				data := make([]byte, m.Length)
				raw := r.Uint64()
				if s.Length < 64 {
					raw &= 1<<uint(s.Length) - 1
				}
				s.SetRaw(data, raw)
				if got := s.Raw(data); got != raw && fits(s, m) {
					t.Errorf("%s %s.%s (start %d len %d big-endian %v): wrote %X, read %X", filepath.Base(f), m.Name, s.Name, s.Start, s.Length, s.BigEndian, raw, got)
				}
				n++
			}
		}
	}
	t.Logf("%d signals round-tripped", n)
}

func fits(s *candb.Signal, m *candb.Message) bool {
	data := make([]byte, m.Length)
	s.SetRaw(data, math.MaxUint64)
	ones := 0
	for _, b := range data {
		for ; b != 0; b &= b - 1 {
			ones++
		}
	}
	return ones == s.Length
}

func TestMultiplexedSignalsFollowTheirSwitch(t *testing.T) {
	m, _ := load(t, "multiplex.dbc").Message("Message1")
	names := func(data []byte) map[string]bool {
		out := map[string]bool{}
		for _, v := range m.Decode(data, nil) {
			out[v.Signal.Name] = true
		}
		return out
	}
	// Multiplexor is bits 2..7 of byte 0. BIT_K is m24; BIT_L is m8 but its
	// SG_MUL_VAL_ line widens that to 8, 16 and 24.
	m8, m16, m24, m9 := names([]byte{8 << 2}), names([]byte{16 << 2}), names([]byte{24 << 2}), names([]byte{9 << 2})
	if !m8["BIT_L"] || m8["BIT_K"] || !m16["BIT_L"] || m16["BIT_K"] || !m24["BIT_K"] || !m24["BIT_L"] || m9["BIT_L"] || !m9["Multiplexor"] {
		t.Errorf("mux 8 gave %v, 16 gave %v, 24 gave %v, 9 gave %v", m8, m16, m24, m9)
	}
}

func TestExtendedMultiplexing(t *testing.T) {
	db := load(t, "issue_184_extended_mux_cascaded.dbc")
	for _, m := range db.Messages {
		for _, s := range m.Signals {
			if s.Switch != "" && len(s.MuxRanges) == 0 {
				t.Errorf("%s.%s has a switch but no ranges", m.Name, s.Name)
			}
		}
	}
	raw, _ := os.ReadFile(filepath.Join(corpus(t), "issue_184_extended_mux_cascaded.dbc"))
	if !strings.Contains(string(raw), "SG_MUL_VAL_") {
		t.Fatal("the corpus file lost its extended multiplexing")
	}
}

func TestCANFDAndFloats(t *testing.T) {
	db := load(t, "fd_test.dbc")
	fd := 0
	for _, m := range db.Messages {
		if m.FD {
			fd++
		}
	}
	if fd == 0 {
		t.Error("no CAN FD message found in fd_test.dbc")
	}
	fp := load(t, "floating_point.dbc")
	floats := 0
	for _, m := range fp.Messages {
		for _, s := range m.Signals {
			if s.FloatBits != 0 {
				floats++
				data := make([]byte, m.Length)
				want := 1.5
				if s.FloatBits == 32 {
					s.SetRaw(data, uint64(math.Float32bits(float32((want-s.Offset)/s.Factor))))
				} else {
					s.SetRaw(data, math.Float64bits((want-s.Offset)/s.Factor))
				}
				if got := s.Physical(s.Raw(data)); got != want {
					t.Errorf("%s.%s: float round trip %v", m.Name, s.Name, got)
				}
			}
		}
	}
	if floats == 0 {
		t.Error("no float signals in floating_point.dbc")
	}
}

func TestRepairsAreNamed(t *testing.T) {
	src := "VERSION \"\"\n// a comment line\nBU_: A\nBO_ 2047 M: 8 A\n SG_ S : 0|8@1+ (1,0) [0|0] \"\" A\nBO_ 4660 Big: 8 A\n SG_ T : 0|8@1+ (1,0) [0|0] \"\" A\n" +
		"CM_ SG_ 2047 Nope \"points nowhere\";\nBA_DEF_ BO_ \"NWM-Wakeup\" ENUM \"No\",\"Yes\";\nVAL_ 2047 S 0 \"X\" 1 \"X\" ;\n"
	db, err := candb.Parse("t.dbc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range db.Repairs {
		got = append(got, r.String())
	}
	want := []string{
		"line 6: message Big: ID 0x1234 exceeds 11 bits without the extended flag (bit 31): read as extended",
		"line 8: comment on undeclared signal Nope of message 2047 ignored",
		`line 10: signal S: value name "X" stands for more than one value; as input it means the first`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("repairs:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if m, ok := db.Message("Big"); !ok || !m.Extended || m.ID != 0x1234 {
		t.Errorf("Big: %+v", m)
	}
}

func TestBrokenFilesNameLineAndReason(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"BO_ 1 M: 8 A\n SG_ S : 0|8@2+ (1,0) [0|0] \"\" A\n", "t.dbc:2: signal S: byte order @2 is neither @0 (Motorola) nor @1 (Intel)"},
		{"BO_ 1 M: 8 A\n SG_ S : 0|0@1+ (1,0) [0|0] \"\" A\n", "t.dbc:2: signal S: length 0 is not 1 to 64 bits"},
		{" SG_ S : 0|8@1+ (1,0) [0|0] \"\" A\n", "t.dbc:1: signal S stands before any BO_ message"},
		{"BO_ 1 M: 8 A\nBO_ 1 N: 8 A\n", "t.dbc:2: message N: ID 0x1 already belongs to M (line 1)"},
		{"CM_ \"never closed;\n", "t.dbc:1: string never closed"},
		{"BO_ 1 M: 8 A\n SG_ S : 0|8@1+ (1 0) [0|0] \"\" A\n", `t.dbc:2: signal S factor: expected ",", found "0"`},
	} {
		_, err := candb.Parse("t.dbc", []byte(tc.src))
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q) = %v, want %q", tc.src, err, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"motohawk.dbc", "multiplex.dbc", "choices.dbc", "fd_test.dbc", "issue_184_extended_mux_cascaded.dbc"} {
		if b, err := os.ReadFile(filepath.Join(corpus(f), name)); err == nil {
			f.Add(b)
		}
	}
	f.Add(dbc.Infotainment)
	f.Fuzz(func(t *testing.T, src []byte) {
		db, err := candb.Parse("fuzz.dbc", src)
		if err != nil {
			var e *candb.Error
			if !errors.As(err, &e) || e.Line < 1 {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		for _, m := range db.Messages {
			data := make([]byte, min(m.Length, 64))
			m.Decode(data, nil)
		}
	})
}

// TestFDBeyondEinridesLimits: einride's descriptors stop at start bit 255
// and 8 bytes; a 64-byte CAN FD message with a signal at bit 500 must work.
func TestFDBeyondEinridesLimits(t *testing.T) {
	src := "BU_: A\nBO_ 1280 Wide: 64 A\n SG_ Low : 0|16@1+ (1,0) [0|0] \"\" A\n SG_ High : 500|12@1+ (0.5,-10) [-10|2037.5] \"V\" A\n SG_ Moto : 263|16@0- (1,0) [0|0] \"\" A\n" +
		"BA_DEF_ BO_ \"VFrameFormat\" ENUM \"StandardCAN\",\"ExtendedCAN\",\"StandardCAN_FD\",\"ExtendedCAN_FD\";\nBA_ \"VFrameFormat\" BO_ 1280 2;\n"
	db, err := candb.Parse("wide.dbc", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	m, data, err := db.Build([]string{"Wide.High=1000.5", "Wide.Low=65535"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !m.FD || len(data) != 64 {
		t.Fatalf("FD %v, %d bytes", m.FD, len(data))
	}
	moto, _ := m.Signal("Moto")
	moto.SetRaw(data, uint64(0xFFFF&-1234))
	got := map[string]float64{}
	for _, v := range m.Decode(data, nil) {
		got[v.Signal.Name] = v.Physical
	}
	if got["High"] != 1000.5 || got["Low"] != 65535 || got["Moto"] != -1234 {
		t.Errorf("decoded %v", got)
	}
	// The high signal lives in bytes 62..63, past einride's 8-byte cap.
	if data[62] == 0 && data[63] == 0 {
		t.Error("bits 500..511 stayed empty")
	}
}

func TestFoobarCanFdAsCantools(t *testing.T) {
	m, ok := load(t, "foobar.dbc").Message("CanFd")
	if !ok {
		t.Fatal("no CanFd")
	}
	data := make([]byte, 64)
	data[0], data[8] = 2, 1
	var got []string
	for _, v := range m.Decode(data, nil) {
		got = append(got, v.Signal.Name+": "+v.Format())
	}
	if strings.Join(got, ", ") != "Fie: 2, Fas: 1" {
		t.Errorf("decoded %q, want cantools' Fie: 2, Fas: 1", got)
	}
}

// A 64-bit integer goes through decode and encode exactly: through a
// float64 2^64-1 would print as 18446744073709552000 and encode as 2^63.
func TestSixtyFourBitIntegersAreExact(t *testing.T) {
	db, err := candb.Parse("big.dbc", []byte(`VERSION ""
BU_: A
BO_ 1630 Big: 8 A
 SG_ DgnInf : 0|64@1+ (1,0) [0|18446744073709551615] "" A
BO_ 1631 Signed: 8 A
 SG_ S : 0|64@1- (1,0) [-9223372036854775808|9223372036854775807] "" A
BO_ 1632 Scaled: 8 A
 SG_ T : 0|64@1+ (2,10) [0|0] "" A
`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		msg, sig, text string
		raw            uint64
	}{
		{"Big", "DgnInf", "18446744073709551615", 0xFFFFFFFFFFFFFFFF},
		{"Big", "DgnInf", "9007199254740993", 9007199254740993}, // 2^53+1: the first a float64 cannot hold
		{"Signed", "S", "-9223372036854775808", 0x8000000000000000},
		{"Signed", "S", "9223372036854775807", 0x7FFFFFFFFFFFFFFF},
		{"Scaled", "T", "18446744073709551610", (18446744073709551610 - 10) / 2},
	} {
		_, sig, err := db.Lookup(tc.msg, tc.sig)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := sig.Encode(tc.text)
		if err != nil || raw != tc.raw {
			t.Errorf("%s=%s encodes as %d, %v; want %d", tc.sig, tc.text, raw, err, tc.raw)
		}
		if got := (candb.Value{Signal: sig, Raw: tc.raw, Physical: sig.Physical(tc.raw)}).Format(); got != tc.text {
			t.Errorf("raw %d of %s formats as %s, want %s", tc.raw, tc.sig, got, tc.text)
		}
	}
	_, sig, _ := db.Lookup("Big", "DgnInf")
	if _, err := sig.Encode("18446744073709551616"); err == nil {
		t.Error("2^64 was encoded in 64 bits")
	}
}
