package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/cockpit-hil/hil/harness/report"
	"github.com/cockpit-hil/hil/internal/specs"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// run makes the report of a made-up run: one passed spec with samples of
// music.next at the given latency, and one failed spec with its evidence.
func run(t *testing.T, lat time.Duration) report.Report {
	t.Helper()
	root, err := specs.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	p, err := profile.Load(filepath.Join(root, "profiles", "sim.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC)
	g := types.Report{
		SuiteDescription: "cockpit-hil scenarios", StartTime: start, RunTime: 3 * time.Second, SuiteSucceeded: false,
		SpecReports: types.SpecReports{
			{ContainerHierarchyTexts: []string{"music latency"}, LeafNodeText: "steps the track", LeafNodeType: types.NodeTypeIt,
				LeafNodeLabels: []string{"music.next"}, State: types.SpecStatePassed, RunTime: 2 * time.Second},
			{ContainerHierarchyTexts: []string{"vehicle"}, LeafNodeText: "keeps its heartbeat", LeafNodeType: types.NodeTypeIt,
				State: types.SpecStateFailed, RunTime: time.Second,
				Failure: types.Failure{Message: "a continuous check failed: heartbeat: IVI_Heartbeat silent for 301ms"},
				ReportEntries: types.ReportEntries{
					{Name: "bus trace, last 1s of vcan0, decoded", Value: types.WrapEntryValue("(1795481000.000100) vcan0 3B0#7402 :: IVI_Heartbeat(Counter: 4)\n")},
					{Name: "bus trace (candump -L)", Value: types.WrapEntryValue("(1795481000.000100) vcan0 3B0#7402\n")},
				}},
			{ContainerHierarchyTexts: []string{"music latency"}, LeafNodeText: "toggles playback", LeafNodeType: types.NodeTypeIt,
				LeafNodeLabels: []string{"music.play_pause"}, State: types.SpecStateSkipped, RunTime: time.Second,
				Failure: types.Failure{Message: latency.InconclusivePrefix + "the bench was 251.1ms late in its SWC_Buttons frames against their 20ms cycle: the host is overloaded"}},
			{LeafNodeType: types.NodeTypeReportAfterSuite, State: types.SpecStatePassed},
		},
	}
	var samples []latency.Sample
	for i := range 20 {
		samples = append(samples, latency.Sample{Latency: lat + time.Duration(i)*100*time.Microsecond, StimulusSource: "kernel", ReactionSource: "kernel",
			At: start.Add(time.Duration(i) * 100 * time.Millisecond)})
	}
	results := []report.KeyResult{{Key: "music.next", Spec: "music latency steps the track", Samples: samples,
		Budget:  latency.Budget{P95: 150 * time.Millisecond, Max: 225 * time.Millisecond},
		Retakes: []latency.Retake{{Sample: 3, Late: 40 * time.Millisecond, Cause: "the bench was 40ms late in its observer"}}}}
	return report.Build(g, results, p, "infotainment.dbc (built in)", dbc.Infotainment)
}

func schema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	root, err := specs.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	s, err := jsonschema.NewCompiler().Compile(filepath.Join(root, "docs", "report.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReportJSONValidatesAgainstTheCommittedSchema(t *testing.T) {
	var b bytes.Buffer
	if err := run(t, 30*time.Millisecond).WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	s := schema(t)
	if err := s.Validate(inst); err != nil {
		t.Fatalf("report.json does not meet docs/report.schema.json: %v", err)
	}
	// The schema is no rubber stamp: a wrong verdict or a missing key fails.
	for _, breakIt := range []func(m map[string]any){
		func(m map[string]any) { m["keys"].([]any)[0].(map[string]any)["verdict"] = "maybe" },
		func(m map[string]any) { delete(m, "versions") },
		func(m map[string]any) { m["specs"].([]any)[0].(map[string]any)["state"] = "green" },
		func(m map[string]any) {
			delete(m["keys"].([]any)[0].(map[string]any)["retakes"].([]any)[0].(map[string]any), "cause")
		},
	} {
		var m map[string]any
		json.Unmarshal(b.Bytes(), &m)
		breakIt(m)
		broken, _ := json.Marshal(m)
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(broken))
		if s.Validate(inst) == nil {
			t.Errorf("a broken report validated: %.200s", broken)
		}
	}
}

func TestReportReadsBackWithItsEvidence(t *testing.T) {
	r := run(t, 30*time.Millisecond)
	path := filepath.Join(t.TempDir(), "report.json")
	f, _ := os.Create(path)
	r.WriteJSON(f)
	f.Close()
	got, err := report.Load(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Keys) != 1 || got.Keys[0].Stats.N != 20 || got.Keys[0].Verdict != "ok" {
		t.Errorf("keys = %+v", got.Keys)
	}
	if len(got.Specs) != 3 {
		t.Errorf("specs = %d, want the three Its (passed set-up nodes are left out)", len(got.Specs))
	}
	if s := got.Specs[2]; s.State != "inconclusive" || !strings.Contains(s.Failure, "the host is overloaded") {
		t.Errorf("the inconclusive spec reads back as %+v", s)
	}
	if k := got.Keys[0]; len(k.Retakes) != 1 || k.Retakes[0].Sample != 3 {
		t.Errorf("retakes read back as %+v", k.Retakes)
	}
	failed := got.Failed()
	if len(failed) != 1 || !strings.Contains(failed[0].Trace, "IVI_Heartbeat(Counter: 4)") || !strings.Contains(failed[0].Log, "3B0#7402") {
		t.Errorf("failed specs = %+v", failed)
	}
	if !strings.HasPrefix(got.Versions.DBC, "infotainment.dbc (built in) sha256:") || got.Versions.DUT == "" || got.Versions.Harness == "" {
		t.Errorf("versions = %+v", got.Versions)
	}
}

var external = regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:|//)|<script|@import|url\(`)

func TestHTMLIsOneSelfContainedPageWithPlotsPerKey(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteHTML(&b, run(t, 30*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	html := b.String()
	if n := strings.Count(html, "<svg"); n != 2 {
		t.Errorf("%d SVG plots, want a distribution and a timeline for the one key", n)
	}
	if m := external.FindString(html); m != "" {
		t.Errorf("the page reaches out: %q", m)
	}
	for _, want := range []string{"music.next", "p95 budget", "max budget", "IVI_Heartbeat(Counter: 4)", `download="vehicle_keeps_its_heartbeat.log"`, "data:text/plain;base64,"} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestComparisonMarksARegression(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteHTML(&b, run(t, 30*time.Millisecond), run(t, 45*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?s)<tr class="regression"><td>music.next</td>.*?</tr>`).FindString(b.String())
	if !strings.Contains(row, "47% regression") { // p95 31.8 ms → 46.8 ms
		t.Errorf("music.next 30 ms → 45 ms is not marked: %q", row)
	}
	b.Reset()
	report.WriteHTML(&b, run(t, 30*time.Millisecond), run(t, 31*time.Millisecond))
	if strings.Contains(b.String(), `class="regression"`) {
		t.Error("a 3% change is marked as a regression")
	}
}
