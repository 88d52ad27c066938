// Package report turns a run of the scenario catalogue into its record:
// report.json (every spec, every reaction key with all its samples,
// percentiles, budget and verdict, the profile and the versions of harness,
// DBC and DUT; its schema is docs/report.schema.json) and report.html, one
// self-contained page with a latency distribution against the budget and a
// timeline for every key, and the bus trace of every failed spec. Several
// reports render as a comparison, so a regression between firmware versions
// shows.
package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// Schema names the format of report.json; docs/report.schema.json holds it.
const Schema = "cockpit-hil/report/v1"

// Report is one run of the catalogue.
type Report struct {
	Schema   string    `json:"schema"`
	Suite    string    `json:"suite"`
	Started  time.Time `json:"started"`
	Seconds  float64   `json:"seconds"`
	Passed   bool      `json:"passed"`
	Profile  Profile   `json:"profile"`
	Versions Versions  `json:"versions"`
	Specs    []Spec    `json:"specs"`
	Keys     []Key     `json:"keys"`
}

// Profile is the bench the run used.
type Profile struct {
	Name      string `json:"name"`
	Interface string `json:"interface"`
	DUTKind   string `json:"dut_kind"`
	DUTNode   string `json:"dut_node"`
	Budgets   string `json:"budgets"`
}

// Versions say what was tested with what.
type Versions struct {
	Harness string `json:"harness"`
	DBC     string `json:"dbc"`
	DUT     string `json:"dut"`
}

// Spec is one spec's outcome.
type Spec struct {
	Name     string   `json:"name"`
	Labels   []string `json:"labels"`
	State    string   `json:"state"`
	Seconds  float64  `json:"seconds"`
	Failure  string   `json:"failure,omitempty"`
	Location string   `json:"location,omitempty"`
	// Trace is the failed spec's last second of bus traffic, decoded, and
	// Log the whole evidence window in candump -L format.
	Trace string `json:"trace,omitempty"`
	Log   string `json:"log,omitempty"`
}

// Key is one reaction key's measurement.
type Key struct {
	Key     string           `json:"key"`
	Spec    string           `json:"spec"`
	Budget  Budget           `json:"budget"`
	Stats   Stats            `json:"stats"`
	Verdict string           `json:"verdict"`
	Samples []latency.Sample `json:"samples"`
	// Retakes are the samples the bench took again because it was late.
	Retakes []latency.Retake `json:"retakes,omitempty"`
}

// Budget is a key's budget in nanoseconds.
type Budget struct {
	P95 time.Duration `json:"p95_ns"`
	Max time.Duration `json:"max_ns"`
}

// Stats are the percentiles of a key's samples, in nanoseconds.
type Stats struct {
	N       int           `json:"n"`
	P50     time.Duration `json:"p50_ns"`
	P95     time.Duration `json:"p95_ns"`
	P99     time.Duration `json:"p99_ns"`
	Max     time.Duration `json:"max_ns"`
	Dropped uint64        `json:"dropped"`
}

// Passed reports whether the key met its budget.
func (k Key) Passed() bool { return k.Verdict == "ok" }

// Build makes the report of a finished suite.
func Build(r ginkgo.Report, results []KeyResult, p *profile.Profile, dbcName string, dbcSource []byte) Report {
	out := Report{
		Schema:  Schema,
		Suite:   r.SuiteDescription,
		Started: r.StartTime.UTC(),
		Seconds: r.RunTime.Seconds(),
		Passed:  r.SuiteSucceeded,
		Profile: Profile{Name: p.Name, Interface: p.Bus.Interface, DUTKind: p.DUT.Kind, DUTNode: p.DUT.Node, Budgets: p.Budgets},
		Versions: Versions{
			Harness: HarnessVersion(),
			DBC:     dbcVersion(dbcName, dbcSource),
			DUT:     dutVersion(p),
		},
		Specs: []Spec{},
		Keys:  []Key{},
	}
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			if !s.Failed() {
				continue // suite set-up and reporting nodes matter only when they fail
			}
		}
		spec := Spec{
			Name:    specName(s),
			Labels:  append([]string{}, s.Labels()...),
			State:   s.State.String(),
			Seconds: s.RunTime.Seconds(),
		}
		if IsInconclusive(s) {
			spec.State = "inconclusive"
			spec.Failure = s.Failure.Message
		}
		if s.Failed() {
			spec.Failure = s.Failure.Message
			spec.Location = s.Failure.Location.String()
			for _, e := range s.ReportEntries {
				switch {
				case strings.HasPrefix(e.Name, "bus trace, last"):
					spec.Trace = e.Value.String()
				case e.Name == "bus trace (candump -L)":
					spec.Log = e.Value.String()
				}
			}
		}
		out.Specs = append(out.Specs, spec)
	}
	for _, k := range results {
		s := k.Stats()
		if k.Samples == nil {
			k.Samples = []latency.Sample{} // a key that was not sampled: an empty list, not null
		}
		out.Keys = append(out.Keys, Key{
			Key:     k.Key,
			Spec:    k.Spec,
			Budget:  Budget{P95: k.Budget.P95, Max: k.Budget.Max},
			Stats:   Stats{N: s.N, P50: s.P50, P95: s.P95, P99: s.P99, Max: s.Max, Dropped: s.Dropped},
			Verdict: k.Verdict(),
			Samples: k.Samples,
			Retakes: k.Retakes,
		})
	}
	return out
}

func specName(s types.SpecReport) string {
	if name := s.FullText(); name != "" {
		return name
	}
	return "[" + s.LeafNodeType.String() + "]"
}

// HarnessVersion is the hil module's version, or its VCS revision for a
// build from a checkout.
func HarnessVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" && (v == "" || v == "(devel)") {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		return rev + dirty
	}
	if v == "" {
		return "(devel)"
	}
	return v
}

func dbcVersion(name string, src []byte) string {
	sum := sha256.Sum256(src)
	return fmt.Sprintf("%s sha256:%s", name, hex.EncodeToString(sum[:6]))
}

func dutVersion(p *profile.Profile) string {
	switch {
	case p.DUT.Version != "":
		return p.DUT.Version
	case p.DUT.Kind == profile.Simulator:
		return "reference head unit, hil " + HarnessVersion()
	case p.DUT.Kind == profile.Process && len(p.DUT.Argv) > 0:
		return strings.Join(p.DUT.Argv, " ")
	}
	return "unknown (set dut.version in the profile)"
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Load reads a report.json (or the report.json in a directory).
func Load(path string) (Report, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, "report.json")
	}
	var r Report
	src, err := os.ReadFile(path)
	if err != nil {
		return r, fmt.Errorf("load report: %w", err)
	}
	if err := json.Unmarshal(src, &r); err != nil {
		return r, fmt.Errorf("load report %s: %w", path, err)
	}
	if r.Schema != Schema {
		return r, fmt.Errorf("load report %s: schema %q, want %q", path, r.Schema, Schema)
	}
	return r, nil
}

// Inconclusive lists the specs the bench could not judge.
func (r Report) Inconclusive() []Spec {
	var out []Spec
	for _, s := range r.Specs {
		if s.State == "inconclusive" {
			out = append(out, s)
		}
	}
	return out
}

// Failed lists the failed specs.
func (r Report) Failed() []Spec {
	var out []Spec
	for _, s := range r.Specs {
		if s.Failure != "" && s.State != "inconclusive" {
			out = append(out, s)
		}
	}
	return out
}
