package harness

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/canlog"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/harness/probe"
)

// Evidence is the bus traffic of the last seconds: as a can-utils log that
// canplayer, SavvyCAN and cantools open, and as decoded text.
type Evidence struct {
	Log     string // candump -L format
	Decoded string // the same lines followed by " :: Message(Signal: value, ...)"
	ASC     string // the same frames as a Vector ASC trace, for CANoe
	Frames  int
	// Observations are the probes' lines of the window, oldest first:
	// "(1700000000.123456) probe line".
	Observations string
}

// Evidence renders the frames recorded in the last window.
func (b *Bench) Evidence(window time.Duration) Evidence {
	since := time.Now().Add(-window)
	frames := b.rec.since(func(f *canbus.Received) bool { return !f.Time.Before(since) })
	var log, dec, asc strings.Builder
	var line []byte
	var values []candb.Value
	aw := canlog.NewASCWriter(&asc)
	defer aw.Close()
	for i := range frames {
		f := &frames[i]
		aw.Write(f)
		line = canlog.AppendLog(line[:0], f, 0)
		log.Write(line)
		dec.Write(line[:len(line)-1])
		if m, ok := b.DB.MessageByID(f.ID, f.Extended); ok && !f.Error && !f.Remote && int(f.Len) >= m.Length {
			values = m.Decode(f.Payload(), values[:0])
			dec.WriteString(" :: " + describe(Frame{Received: *f, Message: m, Values: values}))
		}
		dec.WriteByte('\n')
	}
	aw.Close()
	return Evidence{Log: log.String(), Decoded: dec.String(), ASC: asc.String(), Frames: len(frames), Observations: b.observations(since)}
}

func (b *Bench) observations(since time.Time) string {
	var all []probe.Observation
	for _, name := range slices.Sorted(maps.Keys(b.probes)) {
		all = append(all, b.probes[name].Since(since)...)
	}
	if b.dut != nil {
		all = append(all, b.dut.Since(since)...)
	}
	slices.SortStableFunc(all, func(a, c probe.Observation) int { return a.Time.Compare(c.Time) })
	var out strings.Builder
	for _, o := range all {
		fmt.Fprintf(&out, "(%d.%06d) %s %s\n", o.Time.Unix(), o.Time.Nanosecond()/1000, o.Probe, o.Line)
	}
	return out.String()
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Write writes the evidence into dir as <spec>.log (candump -L),
// <spec>.asc (Vector ASC), <spec>.decoded.txt and <spec>.probes.txt, the
// spec's name made a file name, and returns the files written.
func (ev Evidence) Write(dir, spec string) ([]string, error) {
	name := strings.Trim(unsafeName.ReplaceAllString(spec, "_"), "_")
	if len(name) > 120 {
		name = name[:120]
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write evidence: %w", err)
	}
	var files []string
	for _, f := range []struct{ suffix, text string }{
		{".log", ev.Log}, {".asc", ev.ASC}, {".decoded.txt", ev.Decoded}, {".probes.txt", ev.Observations},
	} {
		if f.text == "" {
			continue
		}
		path := filepath.Join(dir, name+f.suffix)
		if err := os.WriteFile(path, []byte(f.text), 0o644); err != nil {
			return files, fmt.Errorf("write evidence: %w", err)
		}
		files = append(files, path)
	}
	return files, nil
}
