package canlog

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/internal/specs"
)

func rx(s string, t time.Time) *canbus.Received {
	return &canbus.Received{Frame: canbus.MustParseFrame(s), Time: t, Interface: "vcan0"}
}

// The screen lines below are what candump (can-utils 2020.11) printed for
// these frames; the vcan suite checks the same against the live tool.
func TestScreenMatchesCandump(t *testing.T) {
	t0 := time.Unix(1700000000, 123456789)
	for _, tc := range []struct {
		name   string
		screen Screen
		frames []string
		want   string
	}{
		{"default", Screen{Width: 5}, []string{"123#DEADBEEF", "12345678#001122", "123#R", "7FF#", "123##5112233"},
			"  vcan0  123   [4]  DE AD BE EF\n  vcan0  12345678   [3]  00 11 22\n  vcan0       123   [0]  remote request\n  vcan0       7FF   [0] \n  vcan0       123  [03]  11 22 33\n"},
		{"absolute", Screen{Width: 5, Timestamp: Absolute}, []string{"123#01"},
			" (1700000000.123456)  vcan0  123   [1]  01\n"},
		{"zero", Screen{Width: 5, Timestamp: Zero}, []string{"123#01"},
			" (000.000000)  vcan0  123   [1]  01\n"},
		{"ascii", Screen{Width: 5, ASCII: true}, []string{"123#3130302E3520464D", "123#41"},
			"  vcan0  123   [8]  31 30 30 2E 35 20 46 4D   '100.5 FM'\n  vcan0  123   [1]  41                        'A'\n"},
		{"error", Screen{Width: 5}, []string{"20000004#0000000000000000"},
			"  vcan0  20000004   [8]  00 00 00 00 00 00 00 00   ERRORFRAME\n"},
		{"padded", Screen{Width: 6}, []string{"123#"}, "   vcan0  123   [0] \n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b []byte
			for _, f := range tc.frames {
				b = tc.screen.Append(b, rx(f, t0))
			}
			if string(b) != tc.want {
				t.Errorf("got\n%q\nwant\n%q", b, tc.want)
			}
		})
	}
}

func TestAppendLog(t *testing.T) {
	r := rx("123##1AA", time.Unix(1700000000, 5_999))
	if got := string(AppendLog(nil, r, 6)); got != "(1700000000.000005)  vcan0 123##1AA\n" {
		t.Errorf("AppendLog = %q", got)
	}
	if got := string(AppendDrop(nil, "vcan0", 1, 7)); got != "DROPCOUNT: dropped 1 CAN frame on 'vcan0' socket (total drops 7)\n" {
		t.Errorf("AppendDrop = %q", got)
	}
	rec, err := ParseLine(string(AppendDrop(nil, "vcan0", 3, 9)))
	if err != nil || rec.Kind != DropLine || rec.Dropped != 3 || rec.TotalDropped != 9 || rec.Interface != "vcan0" {
		t.Errorf("DROPCOUNT parsed as %+v, %v", rec, err)
	}
}

func TestParseLineStyles(t *testing.T) {
	for _, tc := range []struct {
		line  string
		frame string
		style Style
		clock Clock
	}{
		{"(1579857014.345944) can2 486#82967A6B006B07F8", "486#82967A6B006B07F8", LogStyle, AbsoluteClock},
		{"(1579857014.345944123) can2 486#01 T", "486#01", LogStyle, AbsoluteClock},
		{"  vcan0  0C8   [8]  F0 00 00 00 00 00 00 00", "0C8#F000000000000000", ScreenStyle, NoClock},
		{"  vcan0       123   [0]  remote request", "123#R", ScreenStyle, NoClock},
		{" (000.000000)  vcan0  00000343   [8]  C7 04 CE 04 EB 04 EB 04", "00000343#C704CE04EB04EB04", ScreenStyle, RelativeClock},
		{" (1700000000.123456)  vcan0  123  [12]  00 01 02 03 04 05 06 07 08 09 0A 0B", "123##0000102030405060708090A0B", ScreenStyle, AbsoluteClock},
		{"(2020-12-19 12:04:45.485261)  can1  123   [8]  31 30 30 2E 35 20 46 4D   '100.5 FM'", "123#3130302E3520464D", ScreenStyle, AbsoluteClock},
		{"  vcan0  20000004   [8]  00 00 00 00 00 00 00 00   ERRORFRAME", "20000004#0000000000000000", ScreenStyle, NoClock},
		{"  vcan0  1F4   [4]  01 02 03 04 :: Foo(Bar: 1)", "1F4#01020304", ScreenStyle, NoClock},
		{"  vcan0  12333 [01]  02", "00012333##002", ScreenStyle, NoClock},
	} {
		rec, err := ParseLine(tc.line)
		if err != nil {
			t.Errorf("ParseLine(%q): %v", tc.line, err)
			continue
		}
		if rec.Frame.String() != tc.frame || rec.Style != tc.style || rec.Clock != tc.clock {
			t.Errorf("ParseLine(%q) = %s style %d clock %d, want %s style %d clock %d", tc.line, rec.Frame.String(), rec.Style, rec.Clock, tc.frame, tc.style, tc.clock)
		}
	}
}

func TestParseLineErrors(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{"  vcan0  ERROR", "want INTERFACE ID"},
		{"(1594172462.127684) vcan0 ERROR", "want INTERFACE ID"},
		{"(1594172462.126542) vcan0 064#F001FFFFFFFFFFFFFFFF", "more than 8"},
		{"  vcan1  064   [10]  F0 01 FF FF FF FF FF FF FF FF", "not one of"},
		{"  vcan0  064   [4]  F0 01", "but 2 data bytes"},
		{"  vcan0  064   [2]  F0 01 02", "more data follows"},
		{"(17000.1) vcan0 123#00", "6 or 9 fraction digits"},
		{"(1700000000.123456 vcan0 123#00", "closing"},
		{"  vcan0  123456789 [8]  00", "more than 8"},
	} {
		_, err := ParseLine(tc.line)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseLine(%q) = %v, want error containing %q", tc.line, err, tc.want)
		}
	}
}

// TestCorpus reads every candump file that the cantools project's tests use.
// Each line ends as a record or as an error naming its line; the files in
// log format write back byte for byte.
func TestCorpus(t *testing.T) {
	dir, err := specs.CorpusDir()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "logs", "cantools", "*candump*.log"))
	if len(files) < 40 {
		t.Fatalf("found %d candump files in %s, want the whole corpus", len(files), dir)
	}
	sort.Strings(files)
	total, bad := 0, 0
	for _, path := range files {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r := NewReader(bytes.NewReader(raw), filepath.Base(path))
		lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
		for {
			rec, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			var le *LineError
			if errors.As(err, &le) {
				bad++
				if le.Line < 1 || !strings.Contains(le.Error(), filepath.Base(path)+" line ") {
					t.Errorf("error does not name its file and line: %v", le)
				}
				t.Logf("%v", le)
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			total++
			if strings.Contains(path, "candump-L") && rec.Kind == FrameLine {
				if got, want := strings.TrimRight(string(AppendRecord(nil, &rec)), "\n"), lines[rec.Line-1]; got != want {
					t.Errorf("%s line %d writes back as %q, want %q", filepath.Base(path), rec.Line, got, want)
				}
			}
		}
	}
	t.Logf("%d files: %d records, %d lines refused with their line named", len(files), total, bad)
	if total < 200 {
		t.Errorf("only %d records read from the corpus", total)
	}
}

func TestPlayerKeepsTheTiming(t *testing.T) {
	trace := "(1700000000.000000) vcan0 100#00\n" +
		"(1700000000.020000) vcan0 100#01\n" +
		"not a frame\n" +
		"(1700000000.030000) vcan0 100#02\n" +
		"(1700000000.070000) vcan0 100#03\n"
	var sentAt []time.Time
	var skipped []int
	p := Player{
		Send: func(ctx context.Context, rec *Record) error {
			sentAt = append(sentAt, time.Now())
			return nil
		},
		Errors: func(e *LineError) { skipped = append(skipped, e.Line) },
	}
	n, err := p.Play(context.Background(), NewReader(strings.NewReader(trace), "trace"))
	if err != nil || n != 4 {
		t.Fatalf("Play = %d, %v", n, err)
	}
	if len(skipped) != 1 || skipped[0] != 3 {
		t.Errorf("skipped lines %v, want [3]", skipped)
	}
	// Frames are scheduled at their offset from the first, so a late frame
	// does not delay the rest. A lower bound only: a busy machine may be
	// late, never early.
	want := []time.Duration{20 * time.Millisecond, 30 * time.Millisecond, 70 * time.Millisecond}
	for i, w := range want {
		if got := sentAt[i+1].Sub(sentAt[0]); got < w-time.Millisecond {
			t.Errorf("frame %d sent at +%v, before its offset +%v", i+1, got, w)
		}
	}
	p.IgnoreTimestamps = true
	sentAt = nil
	start := time.Now()
	p.Play(context.Background(), NewReader(strings.NewReader(trace), "trace"))
	if time.Since(start) > 60*time.Millisecond && len(sentAt) == 4 {
		t.Logf("note: -t replay took %v on this machine", time.Since(start))
	}
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"(1579857014.345944) can2 486#82967A6B006B07F8",
		"  vcan0  0C8   [8]  F0 00 00 00 00 00 00 00",
		" (2020-12-19 12:04:45.485261)  vcan0  20000004   [8]  00 00 00 00 00 00 00 00   ERRORFRAME",
		"(1700000000.123456789) vcan0 123##1AA R",
		"DROPCOUNT: dropped 3 CAN frames on 'vcan0' socket (total drops 3)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		rec, err := ParseLine(line)
		if err != nil || rec.Kind != FrameLine || rec.Style != LogStyle {
			return
		}
		// A log line written back must read back to the same record.
		again, err := ParseLine(string(AppendRecord(nil, &rec)))
		if err != nil {
			t.Fatalf("%q wrote back as %q which fails: %v", line, AppendRecord(nil, &rec), err)
		}
		if again.Frame != rec.Frame || !again.Time.Equal(rec.Time) || again.Interface != rec.Interface {
			t.Fatalf("%q round trip changed the record", line)
		}
	})
}
