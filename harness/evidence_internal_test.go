package harness

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteEvidenceNamesFilesAfterTheSpec(t *testing.T) {
	dir := t.TempDir()
	ev := Evidence{Log: "(1700000000.000000) vcan0 123#00\n", Decoded: "(1700000000.000000) vcan0 123#00 :: X(Y: 0)\n", Frames: 1,
		Observations: "(1700000000.000100) events {\"event\":\"ready\"}\n"}
	files, err := ev.Write(dir, "music [It] advances the track / within its budget")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Errorf("wrote %v, want the log, the decoded text and the probes' lines (no ASC given)", files)
	}
	base := filepath.Join(dir, "music_It_advances_the_track_within_its_budget")
	for suffix, want := range map[string]string{".log": ev.Log, ".decoded.txt": ev.Decoded, ".probes.txt": ev.Observations} {
		got, err := os.ReadFile(base + suffix)
		if err != nil || string(got) != want {
			t.Errorf("%s%s = %q, %v", base, suffix, got, err)
		}
	}
}
