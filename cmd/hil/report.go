package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cockpit-hil/hil/harness/report"
)

const reportExamples = `  hil report out/                                 re-render out/report.html from out/report.json
  hil report -o compare.html fw-1.2/ fw-1.3/      compare two runs: p95 per key, then against now

With several reports (oldest first), the page starts with a table of each
key's p95 in every run and the change from the first to the last; a key whose
p95 grew by more than a tenth, or whose verdict turned to a failure, is marked
as a regression. The newest run follows in full.
`

func runReport(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("report", "[-o FILE] DIR|report.json...", reportExamples, stderr)
	out := fs.String("o", "", "write the HTML to `FILE` (default: report.html in the only DIR given)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError(fs, "no report given")
	}
	var reports []report.Report
	for _, p := range pos {
		r, err := report.Load(p)
		if err != nil {
			return err
		}
		reports = append(reports, r)
	}
	path := *out
	if path == "" {
		st, err := os.Stat(pos[0])
		if len(pos) > 1 || err != nil || !st.IsDir() {
			return usageError(fs, "-o FILE is needed unless one report directory is given")
		}
		path = filepath.Join(pos[0], "report.html")
	}
	if err := writeFile(path, func(w io.Writer) error { return report.WriteHTML(w, reports...) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", path)
	return nil
}
