package canlog

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/internal/specs"
	"github.com/google/go-cmp/cmp"
)

func readASC(t *testing.T, r io.Reader, name string) (recs []Record, bad []*LineError) {
	t.Helper()
	ar := NewASCReader(r, name)
	for {
		rec, err := ar.Next()
		var le *LineError
		switch {
		case errors.Is(err, io.EOF):
			return recs, bad
		case errors.As(err, &le):
			bad = append(bad, le)
		case err != nil:
			t.Fatal(err)
		default:
			recs = append(recs, rec)
		}
	}
}

// The python-can samples in the corpus, read as python-can's own tests
// expect them to read.
func TestASCReadsPythonCanSamples(t *testing.T) {
	dir, err := specs.CorpusDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file   string
		frames int
		first  string // the first frame, cansend syntax
		check  func(t *testing.T, recs []Record)
	}{
		{"test_CanMessage.asc", 2, "0C8#0908070605040302", func(t *testing.T, recs []Record) {
			if recs[0].Interface != "can1" || !recs[0].Own || recs[1].Interface != "can0" || recs[1].Own {
				t.Errorf("channels or directions: %+v", recs)
			}
			if d := recs[1].Time.Sub(recs[0].Time); d != 15375708*time.Microsecond {
				t.Errorf("17.876708 - 2.5010 = %v", d)
			}
		}},
		{"test_CanRemoteMessage.asc", 3, "100#R", func(t *testing.T, recs []Record) {
			if !recs[2].Remote || recs[2].Len != 8 {
				t.Errorf("third remote frame: %+v", recs[2].Frame)
			}
		}},
		{"test_CanFdMessage.asc", 3, "300##1" + "11C2030405060708", func(t *testing.T, recs []Record) {
			if !recs[1].Extended || recs[1].ID != 0x1C4D80A7 || recs[1].Flags&canbus.FlagBRS != 0 || recs[1].Flags&canbus.FlagESI == 0 {
				t.Errorf("second FD frame: %+v", recs[1].Frame)
			}
		}},
		{"test_CanFdMessage64.asc", 2, "", nil},
		{"test_CanErrorFrames.asc", 4, "", func(t *testing.T, recs []Record) {
			for _, r := range recs {
				if !r.Error {
					t.Errorf("not an error frame: %+v", r)
				}
			}
		}},
		{"single_frame.asc", 1, "", func(t *testing.T, recs []Record) {
			if !recs[0].FD || recs[0].Len != 64 || !recs[0].Extended || recs[0].Data[63] != 0x3F {
				t.Errorf("64-byte frame: %+v", recs[0].Frame)
			}
		}},
		{"logfile.asc", 0, "", func(t *testing.T, recs []Record) {
			var errFrames, ext int
			for _, r := range recs {
				if r.Error {
					errFrames++
				}
				if r.Extended && !r.Error {
					ext++
				}
			}
			if errFrames != 4 || ext < 6 { // three classic error frames and one CANFD
				t.Errorf("logfile.asc: %d error frames, %d extended frames", errFrames, ext)
			}
		}},
	} {
		f, err := os.Open(filepath.Join(dir, "logs", "python-can", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		recs, bad := readASC(t, f, tc.file)
		f.Close()
		if len(bad) > 0 {
			t.Errorf("%s: unreadable lines: %v", tc.file, bad)
		}
		if tc.frames > 0 && len(recs) != tc.frames {
			t.Errorf("%s: %d frames, want %d", tc.file, len(recs), tc.frames)
			continue
		}
		if len(recs) == 0 {
			t.Errorf("%s: no frames", tc.file)
			continue
		}
		if tc.first != "" {
			if got := recs[0].Frame.String(); got != tc.first {
				t.Errorf("%s: first frame %s, want %s", tc.file, got, tc.first)
			}
		}
		if tc.check != nil {
			tc.check(t, recs)
		}
	}
}

// A trace the harness writes reads back to the same frames, times and
// interfaces, and its lines have python-can's shapes.
func TestASCWrittenReadsBackAndFollowsPythonCan(t *testing.T) {
	t0 := time.Date(2026, 11, 24, 1, 2, 3, 456789000, time.Local)
	var in []canbus.Received
	for i, s := range []string{"123#DEADBEEF", "12345678#0011", "7FF#R", "1A0#", "3A0##1" + strings.Repeat("AB", 12), "200##3" + "01020304"} {
		r := canbus.Received{Frame: canbus.MustParseFrame(s), Time: t0.Add(time.Duration(i) * 1500 * time.Microsecond), Interface: "vcan0"}
		if i == 3 {
			r.Interface, r.Own, r.Dir = "vcan1", true, canbus.TX
		}
		in = append(in, r)
	}
	var b bytes.Buffer
	w := NewASCWriter(&b)
	for i := range in {
		if err := w.Write(&in[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	// python-can's ASCWriter: header, "Begin Triggerblock", the start
	// event, FORMAT_MESSAGE / FORMAT_MESSAGE_FD lines, "End TriggerBlock".
	for i, re := range []string{
		`^date \w{3} Nov 24 01:02:03\.456 2026$`,
		`^base hex  timestamps absolute$`,
		`^internal events logged$`,
		`^Begin Triggerblock \w{3} Nov 24 01:02:03\.456 2026$`,
		`^ 0\.000000 Start of measurement$`,
		`^// channel 1 = vcan0$`,
		`^ 0\.000789 1  123             Rx   d 4 DE AD BE EF$`,
		`^ 0\.002289 1  12345678x       Rx   d 2 00 11$`,
		`^ 0\.003789 1  7FF             Rx   r 0 $`,
		`^// channel 2 = vcan1$`,
		`^ 0\.005289 2  1A0             Tx   d 0 $`,
		`^ 0\.006789 CANFD   1 Rx        3A0 {35}1 0 9 12 (AB ){11}AB        0    0     3000        0        0        0        0        0$`,
		`^ 0\.008289 CANFD   1 Rx        200 {35}1 1 4  4 01 02 03 04        0    0     7000        0        0        0        0        0$`,
		`^End TriggerBlock$`,
	} {
		if i >= len(lines) || !regexp.MustCompile(re).MatchString(lines[i]) {
			got := "(none)"
			if i < len(lines) {
				got = lines[i]
			}
			t.Errorf("line %d = %q, want %s", i+1, got, re)
		}
	}
	out, bad := readASC(t, strings.NewReader(text), "written.asc")
	if len(bad) > 0 {
		t.Fatal(bad)
	}
	if len(out) != len(in) {
		t.Fatalf("%d frames back, want %d", len(out), len(in))
	}
	for i := range in {
		want, got := in[i], out[i].Received
		want.Time = want.Time.Truncate(time.Microsecond)
		got.Source = want.Source
		if !got.Time.Equal(want.Time) {
			t.Errorf("frame %d at %v, want %v", i, got.Time, want.Time)
		}
		got.Time = want.Time
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("frame %d (-want +got):\n%s", i, diff)
		}
	}
}

func TestASCNamesTheLineItCannotRead(t *testing.T) {
	src := "date Tue Nov 24 01:02:03.456 2026\nbase hex  timestamps absolute\nBegin Triggerblock\n 0.1 1  123  Rx d 8 01 02\n 0.2 1  124  Rx d 1 05\n"
	recs, bad := readASC(t, strings.NewReader(src), "short.asc")
	if len(recs) != 1 || recs[0].ID != 0x124 {
		t.Errorf("records %+v: the good line after the bad one is read", recs)
	}
	if len(bad) != 1 || bad[0].Line != 4 || !strings.Contains(bad[0].Error(), "short.asc line 4: DLC 8 but 2 data bytes") {
		t.Errorf("errors %v", bad)
	}
}
