package candb_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestWriteReadsBack writes every corpus file that loads as a clean DBC and
// parses it again: the same messages and signals, and no repairs needed.
func TestWriteReadsBack(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(corpus(t), "*"))
	n := 0
	for _, f := range files {
		db, err := candb.Load(f)
		if err != nil {
			continue
		}
		var buf bytes.Buffer
		if err := db.Write(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := candb.Parse("normalised.dbc", buf.Bytes())
		if err != nil {
			t.Errorf("%s: written file does not read back: %v\n%s", filepath.Base(f), err, buf.String())
			continue
		}
		for _, r := range back.Repairs {
			// Kept as the file has them: signals past the message end, long
			// messages, and value names used twice (data, not damage).
			if !bytes.Contains([]byte(r.What), []byte("reach beyond")) && !bytes.Contains([]byte(r.What), []byte("cannot travel")) &&
				!bytes.Contains([]byte(r.What), []byte("stands for more than one value")) {
				t.Errorf("%s: written file needs a repair: %s", filepath.Base(f), r)
			}
		}
		opts := cmp.Options{
			cmpopts.IgnoreUnexported(candb.Message{}, candb.Signal{}),
			cmpopts.IgnoreFields(candb.Message{}, "Line"),
			cmpopts.IgnoreFields(candb.Signal{}, "Line"),
			cmpopts.EquateEmpty(),
		}
		if diff := cmp.Diff(db.Messages, back.Messages, opts); diff != "" {
			t.Errorf("%s: read back differs (-loaded +written):\n%s", filepath.Base(f), diff)
		}
		n++
	}
	t.Logf("%d files written and read back", n)
}
