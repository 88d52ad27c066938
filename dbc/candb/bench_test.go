package candb_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cockpit-hil/hil/dbc/candb"
	ic "github.com/cockpit-hil/hil/dbc/infotainmentcan"
)

// The decode benchmarks take one IVI_MediaStatus frame (7 signals, 3 of
// them enumerations) to all its signal values.
func mediaFrame() []byte {
	f := ic.NewIVI_MediaStatus().SetSource(ic.IVI_MediaStatus_Source_Streaming).SetVolume(20).SetTrackIndex(7).SetCounter(3).Frame()
	return f.Data[:f.Length]
}

func BenchmarkDecodeGenerated(b *testing.B) {
	f := ic.NewIVI_MediaStatus().SetVolume(20).SetTrackIndex(7).Frame()
	var m ic.IVI_MediaStatus
	b.ReportAllocs()
	for b.Loop() {
		if err := m.UnmarshalFrame(f); err != nil {
			b.Fatal(err)
		}
	}
	if m.TrackIndex() != 7 {
		b.Fatal("decoded wrong")
	}
}

func BenchmarkDecodeRuntime(b *testing.B) {
	db := reference(b)
	m, _ := db.Message("IVI_MediaStatus")
	data := mediaFrame()
	out := make([]candb.Value, 0, len(m.Signals))
	b.ReportAllocs()
	for b.Loop() {
		out = m.Decode(data, out[:0])
	}
	if len(out) != len(m.Signals) {
		b.Fatal("decoded wrong")
	}
}

// BenchmarkLoadLargest loads the largest DBC of the corpus.
func BenchmarkLoadLargest(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(corpus(b), "*"))
	var largest string
	var size int64
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && st.Size() > size {
			largest, size = f, st.Size()
		}
	}
	src, err := os.ReadFile(largest)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	var db *candb.Database
	for b.Loop() {
		if db, err = candb.Parse(largest, src); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(db.Messages)), "messages")
	b.Logf("%s: %d bytes, %d messages", filepath.Base(largest), size, len(db.Messages))
}
