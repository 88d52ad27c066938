package canlog

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

const ascSample = "date Tue Nov 24 01:02:03.456 2026\nbase hex  timestamps absolute\nBegin Triggerblock\n 0.100000 1  123             Rx   d 2 01 02\nEnd TriggerBlock\n"

func TestOpenTellsTheFormat(t *testing.T) {
	cases := []struct {
		name, file, src string
		want            string // the reader's type
	}{
		{"a candump log", "trace.log", "(1700000000.000100) vcan0 123#0102\n", "*canlog.Reader"},
		{"an ASC file by its header", "trace.log", ascSample, "*canlog.ASCReader"},
		{"an ASC file with blank lines first", "x", "\n\n" + ascSample, "*canlog.ASCReader"},
		{"an .asc name when the content does not tell", "trace.ASC", "// a comment first\n", "*canlog.ASCReader"},
		{"candump's format otherwise", "trace.txt", "vcan0 123 [2] 01 02\n", "*canlog.Reader"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := fmt.Sprintf("%T", Open(strings.NewReader(c.src), c.file)); got != c.want {
				t.Errorf("Open(%q) = %s, want %s", c.file, got, c.want)
			}
		})
	}
}

func TestPlayerReplaysAnASCFileAndRefusesAnUnplayableOne(t *testing.T) {
	var sent []string
	p := Player{IgnoreTimestamps: true, Errors: func(*LineError) {}, Send: func(_ context.Context, r *Record) error {
		sent = append(sent, r.Frame.String())
		return nil
	}}
	n, err := p.Play(context.Background(), Open(strings.NewReader(ascSample), "trace.asc"))
	if err != nil || n != 1 || len(sent) != 1 || sent[0] != "123#0102" {
		t.Fatalf("ASC replay: %d frames %v, %v; want 123#0102", n, sent, err)
	}
	// A file none of whose lines is a frame of its format: not a replay
	// of nothing, an error naming the first line.
	_, err = p.Play(context.Background(), Open(strings.NewReader("not a trace\nnor this\n"), "notes.log"))
	if err == nil || !strings.Contains(err.Error(), "no frame could be played, 2 lines skipped") || !strings.Contains(err.Error(), "notes.log line 1") {
		t.Errorf("unplayable file: %v", err)
	}
}
