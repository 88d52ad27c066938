// Package profile reads bench profiles: which bus, which DBC files, which
// node is the device under test and how it is reached, which probes watch
// it, which budget file judges it. Profiles are YAML; an unknown key or a
// bad value is an error that names the file, the line and the key.
package profile

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cockpit-hil/hil/internal/suggest"
	"go.yaml.in/yaml/v3"
)

// Profile is one bench set-up.
type Profile struct {
	Name    string   `yaml:"name"`
	Bus     Bus      `yaml:"bus"`
	DBC     []string `yaml:"dbc"` // files relative to the profile, or "builtin:infotainment"
	DUT     DUT      `yaml:"dut"`
	Probes  []Probe  `yaml:"probes"`
	Budgets string   `yaml:"budgets"` // budget file relative to the profile
	// E2E says which message carries which E2E protection: a preset
	// (reference, vw-mqb), a file relative to the profile, or the YAML form
	// inline (dbc/protection); absent, the reference network's.
	E2E yaml.Node `yaml:"e2e"`

	// Dir is the profile's directory, against which its paths resolve.
	Dir string `yaml:"-"`
	// FS holds the profile's files when it is not on disk (a profile built
	// into the hil binary); nil means the operating system's files.
	FS fs.FS `yaml:"-"`
}

// Bus is the CAN interface the bench uses.
type Bus struct {
	Interface   string `yaml:"interface"` // vcan0, can0, virtual, udp:GROUP:PORT
	Bitrate     uint32 `yaml:"bitrate"`   // set on a real adapter before the run; 0 leaves it
	DataBitrate uint32 `yaml:"data_bitrate"`
	FD          bool   `yaml:"fd"`
}

// DUT kinds.
const (
	Simulator = "simulator" // the built-in reference head unit, in process
	Process   = "process"   // a program the bench starts and stops (hil sim, a head unit build for Linux)
	Bench     = "bench"     // a real head unit, already running
)

// kinds are the dut.kind values a profile may name: the built-in ones and
// those a DUT driver registers (harness.RegisterDUT calls RegisterKind).
var kinds = struct {
	sync.Mutex
	names map[string]bool
}{names: map[string]bool{Simulator: true, Process: true, Bench: true}}

// RegisterKind makes a DUT kind valid in profiles. harness.RegisterDUT
// calls it: a driver author registers the driver, nothing more.
func RegisterKind(kind string) {
	kinds.Lock()
	defer kinds.Unlock()
	kinds.names[kind] = true
}

func knownKind(kind string) (bool, []string) {
	kinds.Lock()
	defer kinds.Unlock()
	return kinds.names[kind], slices.Sorted(maps.Keys(kinds.names))
}

// DUT is the device under test and how the bench reaches it.
type DUT struct {
	Node string `yaml:"node"` // its sender name in the DBC
	Kind string `yaml:"kind"`
	// Argv starts a process DUT: argv, never a shell string. ${BUS} is the
	// session's interface (this parallel process's own), ${RUN} a private
	// directory for sockets; "hil" is the running hil binary (or HIL_BIN).
	Argv []string `yaml:"argv"`
	// Ready says when the DUT is up: "heartbeat" (every *Ready bit of its
	// messages set; the default), "event:SERVICE.EVENT[:FIELD=VALUE]" (an
	// event on its stream) or "none" (do not wait: the DUT is not a node
	// with a heartbeat, e.g. a cangw responder).
	Ready string `yaml:"ready"`
	// ReadyTimeout bounds the wait for Ready.
	ReadyTimeout string `yaml:"ready_timeout"`
	// Running, MESSAGE.SIGNAL=VALUE, says when the DUT is running: only
	// then must every cyclic message of it keep its cycle; otherwise
	// (standby) only MESSAGE, its heartbeat, must. Empty: always all.
	Running string `yaml:"running"`
	// Events is the DUT's event stream (HOST:PORT or unix:PATH), if it has one.
	Events string `yaml:"events"`
	// Controls are actions with no CAN frame (incoming_call, ...), each an argv.
	Controls map[string][]string `yaml:"controls"`
	// Version names what is tested (a firmware build), for reports and
	// their comparison.
	Version string `yaml:"version"`
	// Sim configures the built-in simulator: latencies and faults by key.
	Sim Sim `yaml:"sim"`
}

// Sim settings, as hil sim takes them.
type Sim struct {
	Latency map[string]string `yaml:"latency"`
	Faults  map[string]string `yaml:"faults"`
	Seed    uint64            `yaml:"seed"`
}

// Probe kinds.
const (
	CANProbe     = "can"
	EventProbe   = "events"
	CommandProbe = "command"
)

// Probe watches what the DUT did.
type Probe struct {
	Name    string   `yaml:"name"`
	Kind    string   `yaml:"kind"`
	Address string   `yaml:"address"` // events: HOST:PORT or unix:PATH
	Argv    []string `yaml:"argv"`    // command: e.g. [adb, logcat, -v, epoch]
}

// Load reads and checks a profile file.
func Load(path string) (*Profile, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load profile: %w", err)
	}
	return Parse(path, src)
}

// LoadFS reads and checks a profile from a file system (embedded
// profiles); its relative paths resolve within fsys.
func LoadFS(fsys fs.FS, path string) (*Profile, error) {
	src, err := fs.ReadFile(fsys, path)
	if err != nil {
		return nil, fmt.Errorf("load profile: %w", err)
	}
	return parse(fsys, path, src)
}

// Parse reads profile YAML; name appears in errors and its directory
// resolves relative paths.
func Parse(name string, src []byte) (*Profile, error) { return parse(nil, name, src) }

func parse(fsys fs.FS, name string, src []byte) (*Profile, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("%s: empty profile", name)
	}
	if err := checkKeys(name, root.Content[0], reflect.TypeOf(Profile{}), ""); err != nil {
		return nil, err
	}
	p := &Profile{Dir: filepath.Dir(name), FS: fsys}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil {
		return nil, fmt.Errorf("%s: %v", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	p.Dir, p.FS = filepath.Dir(name), fsys
	if err := p.check(name, root.Content[0]); err != nil {
		return nil, err
	}
	return p, nil
}

// checkKeys walks the YAML against the struct's fields, so an unknown key is
// reported with its line and the closest known key.
func checkKeys(file string, n *yaml.Node, t reflect.Type, path string) error {
	if t == reflect.TypeOf(yaml.Node{}) {
		return nil // a section another package reads (e2e:)
	}
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		if t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode {
			for _, item := range n.Content {
				if err := checkKeys(file, item, t.Elem(), path); err != nil {
					return err
				}
			}
			return nil
		}
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || n.Kind != yaml.MappingNode {
		return nil
	}
	fields := map[string]reflect.Type{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = t.Field(i).Type
		names = append(names, tag)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		ft, ok := fields[k.Value]
		if !ok {
			where := "the profile"
			if path != "" {
				where = path
			}
			return fmt.Errorf("%s:%d: unknown key %q in %s%s", file, k.Line, k.Value, where, suggest.Closest(k.Value, names))
		}
		child := k.Value
		if path != "" {
			child = path + "." + k.Value
		}
		if err := checkKeys(file, n.Content[i+1], ft, child); err != nil {
			return err
		}
	}
	return nil
}

// lineOf finds the line of a key path ("dut.kind") in the document.
func lineOf(n *yaml.Node, path string) int {
	for _, key := range strings.Split(path, ".") {
		found := false
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				n, found = n.Content[i+1], true
				break
			}
		}
		if !found {
			return n.Line
		}
	}
	return n.Line
}

func (p *Profile) check(file string, root *yaml.Node) error {
	bad := func(path, format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s: %s", file, lineOf(root, path), path, fmt.Sprintf(format, a...))
	}
	if p.Bus.Interface == "" {
		return bad("bus.interface", "missing: vcan0, can0, virtual or udp:GROUP:PORT")
	}
	if p.Bus.DataBitrate != 0 && !p.Bus.FD {
		return bad("bus.data_bitrate", "set without fd: true")
	}
	if p.Bus.Bitrate != 0 && (strings.HasPrefix(p.Bus.Interface, "vcan") || p.Bus.Interface == "virtual") {
		return bad("bus.bitrate", "%s has no bitrate; it belongs to a real adapter (can0)", p.Bus.Interface)
	}
	if len(p.DBC) == 0 {
		return bad("dbc", "no DBC file (builtin:infotainment for the reference network)")
	}
	for _, d := range p.DBC {
		if strings.HasPrefix(d, "builtin:") {
			if d != "builtin:infotainment" {
				return bad("dbc", "%q: the built-in DBC is builtin:infotainment", d)
			}
			continue
		}
		if _, err := p.stat(d); err != nil {
			return bad("dbc", "%s: %v", d, err)
		}
	}
	if p.DUT.Node == "" {
		return bad("dut.node", "missing: the DUT's node name in the DBC (IVI)")
	}
	switch p.DUT.Kind {
	case Simulator:
	case Process:
		if len(p.DUT.Argv) == 0 {
			return bad("dut.argv", "a process DUT needs the command to start, as a list")
		}
	case Bench:
		if len(p.DUT.Argv) != 0 {
			return bad("dut.argv", "a bench DUT is already running; the bench starts nothing")
		}
	default:
		if ok, names := knownKind(p.DUT.Kind); !ok {
			return bad("dut.kind", "%q is not a DUT kind (%s; a driver registers more: harness.RegisterDUT)", p.DUT.Kind, strings.Join(names, ", "))
		}
	}
	if err := checkReady(p.DUT.Ready); err != nil {
		return bad("dut.ready", "%v", err)
	}
	if strings.HasPrefix(p.DUT.Ready, "event:") && p.DUT.Events == "" && p.DUT.Kind != Simulator {
		return bad("dut.ready", "%s needs the DUT's event stream: set dut.events", p.DUT.Ready)
	}
	if t := p.DUT.ReadyTimeout; t != "" {
		if d, err := time.ParseDuration(t); err != nil || d <= 0 {
			return bad("dut.ready_timeout", "%q is not a duration", t)
		}
	}
	if r := p.DUT.Running; r != "" {
		name, value, ok := strings.Cut(r, "=")
		if msg, sig, dot := strings.Cut(name, "."); !ok || !dot || msg == "" || sig == "" || value == "" {
			return bad("dut.running", "%q is not MESSAGE.SIGNAL=VALUE (IVI_Heartbeat.PowerState=Running)", r)
		}
	}
	for name, argv := range p.DUT.Controls {
		if len(argv) == 0 {
			return bad("dut.controls", "%s has no command", name)
		}
	}
	if (len(p.DUT.Sim.Latency) > 0 || len(p.DUT.Sim.Faults) > 0) && p.DUT.Kind == Bench {
		return bad("dut.sim", "latencies and faults are settings of the simulator, not of a bench DUT")
	}
	for i, pr := range p.Probes {
		path := fmt.Sprintf("probes[%d]", i)
		switch pr.Kind {
		case CANProbe:
		case EventProbe:
			if pr.Address == "" && p.DUT.Events == "" {
				return fmt.Errorf("%s:%d: %s: an events probe needs an address (or dut.events)", file, root.Line, path)
			}
		case CommandProbe:
			if len(pr.Argv) == 0 {
				return fmt.Errorf("%s:%d: %s: a command probe needs argv (adb logcat, journalctl -f, ...)", file, root.Line, path)
			}
		default:
			return fmt.Errorf("%s:%d: %s: kind %q is not can, events or command", file, root.Line, path, pr.Kind)
		}
	}
	if p.Budgets == "" {
		return bad("budgets", "missing: a budget file (budgets/reference.yaml)")
	}
	if _, err := p.stat(p.Budgets); err != nil {
		return bad("budgets", "%v", err)
	}
	return nil
}

func checkReady(r string) error {
	if r == "" || r == "heartbeat" || r == "none" {
		return nil
	}
	ev, ok := strings.CutPrefix(r, "event:")
	if !ok {
		return fmt.Errorf("%q is not heartbeat, none or event:SERVICE.EVENT[:FIELD=VALUE]", r)
	}
	name, cond, hasCond := strings.Cut(ev, ":")
	if service, event, ok := strings.Cut(name, "."); !ok || service == "" || event == "" {
		return fmt.Errorf("%q: want event:SERVICE.EVENT[:FIELD=VALUE], e.g. event:vehicle.power_state:state=Running", r)
	}
	if hasCond && !strings.Contains(cond, "=") {
		return fmt.Errorf("%q: condition %q is not FIELD=VALUE", r, cond)
	}
	return nil
}

// Path resolves a path of the profile against its directory.
func (p *Profile) Path(rel string) string {
	if filepath.IsAbs(rel) {
		return rel
	}
	if p.FS != nil {
		return path.Join(filepath.ToSlash(p.Dir), rel)
	}
	return filepath.Join(p.Dir, rel)
}

// ReadFile reads a file the profile names (a DBC, the budget file).
func (p *Profile) ReadFile(rel string) ([]byte, error) {
	if p.FS != nil {
		return fs.ReadFile(p.FS, p.Path(rel))
	}
	return os.ReadFile(p.Path(rel))
}

func (p *Profile) stat(rel string) (fs.FileInfo, error) {
	if p.FS != nil {
		return fs.Stat(p.FS, p.Path(rel))
	}
	return os.Stat(p.Path(rel))
}
