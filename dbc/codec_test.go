package dbc_test

import (
	"bytes"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/dbc"
	ic "github.com/cockpit-hil/hil/dbc/infotainmentcan"
	"github.com/google/go-cmp/cmp"
	"go.einride.tech/can/pkg/generated"
)

// every lists one of each generated message; TestEveryMessageIsCovered
// fails when the DBC gains a message this list lacks.
func every() []generated.Message {
	return []generated.Message{
		ic.NewESP_VehicleSpeed(), ic.NewTCU_Gear(), ic.NewSWC_Buttons(), ic.NewBCM_PowerMode(),
		ic.NewIVI_MediaStatus(), ic.NewIVI_MessagingStatus(), ic.NewIVI_NavStatus(), ic.NewIVI_Heartbeat(),
	}
}

func TestEveryMessageIsCovered(t *testing.T) {
	n := reflect.ValueOf(ic.Messages()).Elem().NumField()
	if n != len(every()) {
		t.Fatalf("the DBC has %d messages, the tests cover %d", n, len(every()))
	}
}

// TestRoundTrip sets every signal of every message to a value that uses all
// its bits, marshals, unmarshals into a fresh message and compares.
func TestRoundTrip(t *testing.T) {
	for _, m := range every() {
		d := m.Descriptor()
		t.Run(d.Name, func(t *testing.T) {
			v := reflect.ValueOf(m)
			for _, s := range d.Signals {
				set := v.MethodByName("Set" + s.Name)
				if !set.IsValid() {
					t.Fatalf("no Set%s", s.Name)
				}
				arg := reflect.New(set.Type().In(0)).Elem()
				switch arg.Kind() {
				case reflect.Bool:
					arg.SetBool(true)
				case reflect.Float64:
					arg.SetFloat(s.Max)
				case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
					arg.SetUint(uint64(s.Max))
				default:
					t.Fatalf("%s: unhandled type %v", s.Name, arg.Type())
				}
				set.Call([]reflect.Value{arg})
			}
			f, err := m.MarshalFrame()
			if err != nil {
				t.Fatal(err)
			}
			fresh := reflect.New(v.Elem().Type()).Interface().(generated.Message)
			fresh.Reset()
			if err := fresh.UnmarshalFrame(f); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fresh, m) {
				t.Errorf("round trip of %s: got %v, want %v", f.String(), fresh, m)
			}
			if f.Length != d.Length || f.ID != d.ID {
				t.Errorf("frame %s: want ID %X and %d bytes", f.String(), d.ID, d.Length)
			}
		})
	}
}

// Golden frames, worked out by hand from the bit layout in the DBC.
func TestGoldenFrames(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    generated.Message
		want string
	}{
		{"speed 42.5 km/h, valid, counter 3",
			ic.NewESP_VehicleSpeed().SetVehicleSpeed(42.5).SetSpeedValid(true).SetCounter(3), "0F0#00139A1000000000"},
		{"gear R, counter 5, CRC AB",
			ic.NewTCU_Gear().SetGear(ic.TCU_Gear_Gear_R).SetCounter(5).SetCRC(0xAB), "0F8#AB0501"},
		{"next pressed, counter 15",
			ic.NewSWC_Buttons().SetNextBtn(true).SetCounter(15), "1A0#000F0200"},
		{"power ON, parking brake, night",
			ic.NewBCM_PowerMode().SetPowerMode(ic.BCM_PowerMode_PowerMode_ON).SetParkingBrake(true).SetNightMode(true), "1C0#00000E"},
		{"streaming, playing, ducked, volume 20, track 7, counter 7",
			ic.NewIVI_MediaStatus().SetSource(ic.IVI_MediaStatus_Source_Streaming).SetPlayState(ic.IVI_MediaStatus_PlayState_Playing).
				SetDucked(true).SetVolume(20).SetTrackIndex(7).SetCounter(7), "3A0#3709140700"},
		{"listening, ringing, locked, 3 unread",
			ic.NewIVI_MessagingStatus().SetVoiceSession(ic.IVI_MessagingStatus_VoiceSession_Listening).
				SetCallState(ic.IVI_MessagingStatus_CallState_Ringing).SetTextInputLocked(true).SetUnreadCount(3), "3A4#500103"},
		{"guidance, camera, night, left in 250 m",
			ic.NewIVI_NavStatus().SetGuidanceActive(true).SetDisplay(ic.IVI_NavStatus_Display_Camera).SetTheme(ic.IVI_NavStatus_Theme_Night).
				SetNextManeuver(ic.IVI_NavStatus_NextManeuver_Left).SetDistanceToManeuver(250), "3A8#B002FA00"},
		{"all ready, running, counter 2",
			ic.NewIVI_Heartbeat().SetMessagingReady(true).SetMusicReady(true).SetNavigationReady(true).
				SetPowerState(ic.IVI_Heartbeat_PowerState_Running).SetCounter(2), "3B0#7202"},
	} {
		f, err := tc.m.MarshalFrame()
		if err != nil {
			t.Fatal(err)
		}
		if got := canbus.FromEinride(f).String(); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestDefaultsComeFromTheDBC(t *testing.T) {
	if !ic.NewESP_VehicleSpeed().SpeedValid() {
		t.Error("SpeedValid should start valid (GenSigStartValue 1)")
	}
	if got := ic.NewBCM_PowerMode().PowerMode(); got != ic.BCM_PowerMode_PowerMode_ON {
		t.Errorf("PowerMode starts %v, want ON", got)
	}
}

func TestDescriptorsCarryCycleTimesAndSenders(t *testing.T) {
	for _, tc := range []struct {
		m      generated.Message
		cycle  int
		sender string
	}{
		{ic.NewESP_VehicleSpeed(), 20, "ESP"}, {ic.NewTCU_Gear(), 50, "TCU"}, {ic.NewSWC_Buttons(), 20, "SWC"},
		{ic.NewBCM_PowerMode(), 100, "BCM"}, {ic.NewIVI_MediaStatus(), 100, "IVI"}, {ic.NewIVI_Heartbeat(), 100, "IVI"},
	} {
		d := tc.m.Descriptor()
		if int(d.CycleTime.Milliseconds()) != tc.cycle || d.SenderNode != tc.sender {
			t.Errorf("%s: cycle %v sender %s, want %d ms from %s", d.Name, d.CycleTime, d.SenderNode, tc.cycle, tc.sender)
		}
	}
}

// TestGeneratedCodeIsCurrent regenerates into a temporary file and compares:
// generated code is never edited by hand.
func TestGeneratedCodeIsCurrent(t *testing.T) {
	out := t.TempDir() + "/gen.go"
	cmd := exec.Command("go", "run", "./internal/cangen", "network/infotainment.dbc", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cangen: %v\n%s", err, b)
	}
	want, _ := os.ReadFile(out)
	got, err := os.ReadFile("infotainmentcan/infotainment.dbc.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("infotainmentcan/infotainment.dbc.go is stale: run go generate ./dbc/... and commit")
	}
	if !regexp.MustCompile(`^// Code generated .* DO NOT EDIT\.\n`).Match(got) {
		t.Error("the generated file does not start with the canonical Code generated line")
	}
}

// TestLintFindsOnlyTheDocumentedExceptions runs cantool lint: the DBC is
// clean but for the two rules its network comment explains (message names
// with the sender prefix of docs/design.md, VehicleSpeed without a Kph suffix).
func TestLintFindsOnlyTheDocumentedExceptions(t *testing.T) {
	out, _ := exec.Command("go", "tool", "cantool", "lint", "network/infotainment.dbc").CombinedOutput()
	var findings []string
	for _, line := range strings.Split(string(out), "\n") {
		if m := regexp.MustCompile(`^network/infotainment\.dbc:\d+:\d+: .*\((\w+)\)$`).FindStringSubmatch(line); m != nil {
			findings = append(findings, m[1])
		}
	}
	want := append(slicesRepeat("messagenames", 8), "unitsuffixes")
	if diff := cmp.Diff(want, findings); diff != "" {
		t.Errorf("cantool lint findings (-want +got):\n%s\n%s", diff, out)
	}
}

func slicesRepeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestEmbeddedDBCIsTheFile(t *testing.T) {
	file, err := os.ReadFile("network/infotainment.dbc")
	if err != nil || !bytes.Equal(file, dbc.Infotainment) {
		t.Error("dbc.Infotainment differs from network/infotainment.dbc")
	}
}
