package report

import (
	"bytes"
	_ "embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/color"
	"io"
	"math"
	"regexp"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

//go:embed report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"ms": ms,
	"dataURI": func(s string) template.URL {
		return template.URL("data:text/plain;base64," + base64.StdEncoding.EncodeToString([]byte(s)))
	},
	"fileName": func(s string) string {
		return regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(s, "_") + ".log"
	},
}).Parse(pageTemplate))

var (
	budgetP95Color = color.RGBA{R: 0xe0, G: 0x8a, B: 0x00, A: 0xff}
	budgetMaxColor = color.RGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
	sampleColor    = color.RGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff}
)

// view is what the template renders.
type view struct {
	Title   string
	Reports []Report
	Latest  Report
	Keys    []keyView
	Compare []compareRow
}

type keyView struct {
	Key
	Distribution template.HTML
	Timeline     template.HTML
}

type compareRow struct {
	Key        string
	Cells      []compareCell // one per report
	Change     string        // last against first, in percent
	Regression bool
}

type compareCell struct {
	P95     time.Duration // 0 where the key was not measured
	Verdict string        // "-" where it was not
}

// WriteHTML renders one report, or, given several (oldest first), a
// comparison of their p95 per key above the newest report in full.
func WriteHTML(w io.Writer, reports ...Report) error {
	if len(reports) == 0 {
		return fmt.Errorf("write HTML: no report")
	}
	latest := reports[len(reports)-1]
	v := view{Title: "cockpit-hil latency report", Reports: reports, Latest: latest}
	if len(reports) > 1 {
		v.Title = fmt.Sprintf("cockpit-hil: %d runs compared", len(reports))
		v.Compare = compare(reports)
	}
	for _, k := range latest.Keys {
		if k.Stats.N == 0 {
			v.Keys = append(v.Keys, keyView{Key: k}) // not sampled: its verdict says why
			continue
		}
		dist, err := distribution(k)
		if err != nil {
			return fmt.Errorf("plot %s: %w", k.Key, err)
		}
		tl, err := timeline(k)
		if err != nil {
			return fmt.Errorf("plot %s: %w", k.Key, err)
		}
		v.Keys = append(v.Keys, keyView{Key: k, Distribution: dist, Timeline: tl})
	}
	return page.Execute(w, v)
}

func compare(reports []Report) []compareRow {
	var keys []string
	seen := map[string]bool{}
	for _, r := range reports {
		for _, k := range r.Keys {
			if !seen[k.Key] {
				seen[k.Key] = true
				keys = append(keys, k.Key)
			}
		}
	}
	var rows []compareRow
	for _, key := range keys {
		row := compareRow{Key: key}
		for _, r := range reports {
			c := compareCell{Verdict: "-"}
			for _, k := range r.Keys {
				if k.Key == key {
					c = compareCell{P95: k.Stats.P95, Verdict: k.Verdict}
				}
			}
			row.Cells = append(row.Cells, c)
		}
		first, last := row.Cells[0], row.Cells[len(row.Cells)-1]
		if first.P95 > 0 && last.P95 > 0 {
			change := (float64(last.P95) - float64(first.P95)) / float64(first.P95) * 100
			row.Change = fmt.Sprintf("%+.0f%%", change)
			// A regression: a verdict that turned to a failure, or a p95
			// more than a tenth slower.
			row.Regression = change > 10 || (first.Verdict == "ok" && last.Verdict != "ok")
		}
		rows = append(rows, row)
	}
	return rows
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

func toMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// distribution is a histogram of the samples, on an axis from zero past
// the max budget so that the bars sit where the budget can be seen, with
// the budget's p95 and max marked.
func distribution(k Key) (template.HTML, error) {
	p := plot.New()
	p.Title.Text = k.Key + ": latency distribution"
	p.X.Label.Text = "latency (ms)"
	p.Y.Label.Text = "samples"
	xmax := toMS(k.Budget.Max) * 1.08
	for _, s := range k.Samples {
		xmax = math.Max(xmax, toMS(s.Latency)*1.05)
	}
	if xmax <= 0 {
		xmax = 1
	}
	const nbins = 60
	width := xmax / nbins
	bins := make([]plotter.HistogramBin, nbins)
	for i := range bins {
		bins[i] = plotter.HistogramBin{Min: float64(i) * width, Max: float64(i+1) * width}
	}
	top := 1.0
	for _, s := range k.Samples {
		i := min(nbins-1, int(toMS(s.Latency)/width))
		bins[i].Weight++
		top = math.Max(top, bins[i].Weight)
	}
	if len(k.Samples) > 0 {
		h := &plotter.Histogram{Bins: bins, Width: width, FillColor: sampleColor}
		h.LineStyle.Width = 0
		p.Add(h)
		p.Legend.Add("samples", h)
	}
	if err := budgetLines(p, k, func(x float64) plotter.XYs { return plotter.XYs{{X: x, Y: 0}, {X: x, Y: top * 1.15}} }); err != nil {
		return "", err
	}
	p.X.Min, p.X.Max = 0, xmax
	p.Y.Min, p.Y.Max = 0, top*1.15
	return svg(p)
}

// timeline is each sample's latency against when its stimulus came, with
// the budget's lines across.
func timeline(k Key) (template.HTML, error) {
	p := plot.New()
	p.Title.Text = k.Key + ": stimulus to reaction over the run"
	p.X.Label.Text = "stimulus time (s from the first)"
	p.Y.Label.Text = "latency (ms)"
	xys := make(plotter.XYs, len(k.Samples))
	var t0 time.Time
	for i, s := range k.Samples {
		if i == 0 || s.At.Before(t0) {
			t0 = s.At
		}
	}
	end := 1.0
	for i, s := range k.Samples {
		xys[i] = plotter.XY{X: s.At.Sub(t0).Seconds(), Y: toMS(s.Latency)}
		end = math.Max(end, xys[i].X)
	}
	if len(xys) > 0 {
		// Each sample as a stem from its stimulus (0) up to its reaction.
		for _, xy := range xys {
			stem, err := plotter.NewLine(plotter.XYs{{X: xy.X, Y: 0}, {X: xy.X, Y: xy.Y}})
			if err != nil {
				return "", err
			}
			stem.Color = color.RGBA{R: 0x9d, G: 0xb9, B: 0xd9, A: 0xff}
			p.Add(stem)
		}
		sc, err := plotter.NewScatter(xys)
		if err != nil {
			return "", err
		}
		sc.GlyphStyle.Color = sampleColor
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		sc.GlyphStyle.Radius = vg.Points(2.5)
		p.Add(sc)
		p.Legend.Add("reaction", sc)
	}
	if err := budgetLines(p, k, func(y float64) plotter.XYs { return plotter.XYs{{X: 0, Y: y}, {X: end, Y: y}} }); err != nil {
		return "", err
	}
	p.Y.Min = 0
	p.Y.Max = math.Max(p.Y.Max, toMS(k.Budget.Max)*1.08)
	return svg(p)
}

func budgetLines(p *plot.Plot, k Key, at func(float64) plotter.XYs) error {
	for _, b := range []struct {
		name string
		v    time.Duration
		c    color.Color
		dash []vg.Length
	}{
		{"p95 budget", k.Budget.P95, budgetP95Color, []vg.Length{vg.Points(4), vg.Points(2)}},
		{"max budget", k.Budget.Max, budgetMaxColor, nil},
	} {
		if b.v <= 0 {
			continue
		}
		l, err := plotter.NewLine(at(toMS(b.v)))
		if err != nil {
			return err
		}
		l.Color, l.Dashes, l.Width = b.c, b.dash, vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(b.name, l)
	}
	p.Legend.Top = true
	p.Legend.XOffs = -vg.Points(6)
	return nil
}

var xmlProlog = regexp.MustCompile(`^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?`)

// svg renders a plot as inline SVG.
func svg(p *plot.Plot) (template.HTML, error) {
	w, err := p.WriterTo(14*vg.Centimeter, 8*vg.Centimeter, "svg")
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		return "", err
	}
	return template.HTML(xmlProlog.ReplaceAll(b.Bytes(), nil)), nil
}
