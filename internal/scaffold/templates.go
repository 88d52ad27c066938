package scaffold

const goMod = `module {{.Module}}

go 1.26

require github.com/cockpit-hil/hil v0.0.0-00010101000000-000000000000
{{if .Hil}}
// The harness from a checkout: hil init --hil DIR.
replace github.com/cockpit-hil/hil => {{.Hil}}
{{end}}`

const profileYAML = `# The bench this suite runs on: go test reads it (HIL_PROFILE names another).
name: {{.Node}} on {{.Bus}}
bus:
  interface: {{.Bus}}
dbc:
  - {{.DBCFile}}
dut:
  node: {{.Node}}
  kind: {{.Kind}}
{{- if eq .Kind "process"}}
  argv: [./your-head-unit, --bus, "${BUS}"]  # the program the bench starts
{{- end}}
  ready: heartbeat  # ready when every *Ready signal of its messages is 1 (at once if it has none)
  ready_timeout: 10s
probes:
  - name: bus
    kind: can
budgets: budgets.yaml
`

const budgetsYAML = `# Latency budgets, one per reaction key: p95 and max, as Go durations.
# Each key needs a spec that samples it (suite.Covers(KEY) and kit.Sampled):
# the suite fails at its end for a key without one.
#
#   media.next: {p95: 150ms, max: 225ms}
`

const suiteGo = `// The suite of {{.Node}} on the network of {{.DBCFile}}, on cockpit-hil's kit.
// Written by hil init: yours to change.
package {{.Package}}_test

import (
	"os"
	"testing"
	"time"

	{{if .Messages}}car "{{.Module}}/{{.Network}}ref"
	{{end}}"github.com/cockpit-hil/hil/harness"
	"github.com/cockpit-hil/hil/harness/profile"
	"github.com/cockpit-hil/hil/harness/suite"
{{- if eq .Kind "simulator"}}
	_ "github.com/cockpit-hil/hil/headunit/simdut" // the reference head unit, in process
{{- end}}
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// kit is the bench and the helpers the specs use (harness/suite).
var kit suite.Suite

// TestSuite runs the specs against profile.yaml, or HIL_PROFILE.
func TestSuite(t *testing.T) {
	path := "profile.yaml"
	if p := os.Getenv("HIL_PROFILE"); p != "" {
		path = p
	}
	p, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	kit.Configure(suite.Config{Profile: p, Evidence: os.Getenv("HIL_EVIDENCE_DIR")})
	kit.Register()
	RegisterFailHandler(Fail)
	RunSpecs(t, "{{.Node}}")
}

var _ = Describe("{{.Node}}", func() {
{{- range .Messages}}
{{- if not .Ident}}
	// {{.Name}} is no Go identifier: name it with a string.
{{- else if .Cycle}}

	It("sends {{.Name}} every {{.Cycle}}", func(ctx SpecContext) {
		Expect(kit.CycleTimes(ctx, car.{{.Name}}.Message, 10)).To(harness.HoldCycleTime(0.1))
	}, SpecTimeout(10*time.Second))
{{- else}}

	// {{.Name}} is sent on an event: press, change or send what makes the
	// DUT send it, and give the reaction key a budget.
	PIt("sends {{.Name}} when ...", func(ctx SpecContext) {
		Expect(kit.Change(ctx, "MESSAGE.SIGNAL=VALUE")).To(kit.Within("your.key", harness.Emits(car.{{.Name}}.Message, harness.Where("...", func(f harness.Frame) bool { return true }))))
	})
{{- end}}
{{- end}}
})
`

const readme = `# {{.Module}}

The suite of the head unit {{.Node}} on the network of ` + "`{{.DBCFile}}`" + `,
written by ` + "`hil init`" + ` on cockpit-hil's suite kit.

    go test ./...                       # against profile.yaml ({{.Kind}} on {{.Bus}})
    HIL_PROFILE=bench.yaml go test ./...

- ` + "`profile.yaml`" + `: the bus, the DBC, the DUT and how it is started.
- ` + "`budgets.yaml`" + `: a latency budget per reaction key; each needs a spec.
- ` + "`suite_test.go`" + `: the specs, one per message {{.Node}} sends to begin with.
- ` + "`{{.Network}}ref/`" + `: typed names of every message and signal
  (car.MESSAGE.SIGNAL), so a misspelling does not compile.
{{- if .Codecs}}
- ` + "`{{.Network}}can/`" + `: einride codecs of every message.
{{- end}}

After a change to the DBC: ` + "`hil dbc generate {{.DBCFile}} -o {{.Network}}can/{{.Network}}.dbc.go`" + `.
`
