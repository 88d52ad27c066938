package candb_test

import (
	"strings"
	"testing"

	"github.com/cockpit-hil/hil/dbc"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/e2e"
	ic "github.com/cockpit-hil/hil/dbc/infotainmentcan"
)

func reference(t testing.TB) *candb.Database {
	db, err := candb.Parse("infotainment.dbc", dbc.Infotainment)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestParseAssignment(t *testing.T) {
	for _, tc := range []struct{ in, msg, sig, val, err string }{
		{in: "TCU_Gear.Gear=R", msg: "TCU_Gear", sig: "Gear", val: "R"},
		{in: "ESP_VehicleSpeed.VehicleSpeed = 42.5", msg: "ESP_VehicleSpeed", sig: "VehicleSpeed", val: "42.5"},
		{in: "TCU_Gear.Gear", err: "want MESSAGE.SIGNAL=VALUE"},
		{in: "Gear=R", err: "want MESSAGE.SIGNAL=VALUE"},
		{in: "A.B.C=1", err: "want MESSAGE.SIGNAL=VALUE"},
		{in: "TCU_Gear.Gear=", err: "no value"},
	} {
		m, s, v, err := candb.ParseAssignment(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseAssignment(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || m != tc.msg || s != tc.sig || v != tc.val {
			t.Errorf("ParseAssignment(%q) = %q %q %q %v", tc.in, m, s, v, err)
		}
	}
}

func TestErrorsNameWhatIsWrongAndWhatIsClose(t *testing.T) {
	db := reference(t)
	for _, tc := range []struct{ in, want string }{
		{"SWC_Button.NextBtn=1", `no message "SWC_Button" in infotainment.dbc; did you mean SWC_Buttons?`},
		{"SWC_Buttons.NxtBtn=1", `no signal "NxtBtn" in SWC_Buttons; did you mean NextBtn?`},
		{"ESP_VehicleSpeed.VehicleSpeed=700", "ESP_VehicleSpeed.VehicleSpeed=700: out of range [0, 655.35] km/h"},
		{"TCU_Gear.Gear=X", `TCU_Gear.Gear: "X" is neither a number nor one of P, R, N, D`},
		{"TCU_Gear.Gear=Driv", `did you mean D?`},
		{"IVI_MediaStatus.Volume=41", "out of range [0, 40]"},
		{"IVI_MediaStatus.TrackIndex=-1", "out of range [0, 65535]"},
	} {
		_, _, err := db.Build(strings.Fields(tc.in), 0)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Build(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
	if _, _, err := db.Build([]string{"TCU_Gear.Gear=R", "SWC_Buttons.NextBtn=1"}, 0); err == nil || !strings.Contains(err.Error(), "one frame carries one message") {
		t.Errorf("two messages in one frame: %v", err)
	}
}

// TestBuildMatchesTheGeneratedCodec builds frames by signal name and
// compares them with the generated codec sealed by e2e.
func TestBuildMatchesTheGeneratedCodec(t *testing.T) {
	db := reference(t)
	for _, tc := range []struct {
		assign  []string
		counter uint8
		want    func() []byte
	}{
		{[]string{"TCU_Gear.Gear=R"}, 5, func() []byte {
			f := ic.NewTCU_Gear().SetGear(ic.TCU_Gear_Gear_R).Frame()
			l, _ := e2e.LayoutOf(ic.NewTCU_Gear().Descriptor(), e2e.DefaultNames)
			d := f.Data[:f.Length]
			l.Seal(d, 5)
			return d
		}},
		{[]string{"ESP_VehicleSpeed.VehicleSpeed=42.5"}, 0, func() []byte {
			f := ic.NewESP_VehicleSpeed().SetVehicleSpeed(42.5).Frame() // SpeedValid starts 1
			l, _ := e2e.LayoutOf(ic.NewESP_VehicleSpeed().Descriptor(), e2e.DefaultNames)
			d := f.Data[:f.Length]
			l.Seal(d, 0)
			return d
		}},
		{[]string{"IVI_MediaStatus.Source=Streaming", "IVI_MediaStatus.Volume=20", "IVI_MediaStatus.Counter=7"}, 0, func() []byte {
			f := ic.NewIVI_MediaStatus().SetSource(ic.IVI_MediaStatus_Source_Streaming).SetVolume(20).SetCounter(7).Frame()
			return f.Data[:f.Length]
		}},
		{[]string{"BCM_PowerMode.PowerMode=off"}, 1, func() []byte {
			f := ic.NewBCM_PowerMode().SetPowerMode(ic.BCM_PowerMode_PowerMode_OFF).Frame() // ParkingBrake starts 1
			l, _ := e2e.LayoutOf(ic.NewBCM_PowerMode().Descriptor(), e2e.DefaultNames)
			d := f.Data[:f.Length]
			l.Seal(d, 1)
			return d
		}},
	} {
		_, got, err := db.Build(tc.assign, tc.counter)
		if err != nil {
			t.Fatalf("Build(%v): %v", tc.assign, err)
		}
		if want := tc.want(); string(got) != string(want) {
			t.Errorf("Build(%v) = % X, want % X", tc.assign, got, want)
		}
	}
}

func FuzzAssignment(f *testing.F) {
	for _, s := range []string{"TCU_Gear.Gear=R", "ESP_VehicleSpeed.VehicleSpeed=42.5", "IVI_MediaStatus.TrackIndex=65535", "SWC_Buttons.NextBtn=Pressed", "A.B=1e400", "X.Y=-0"} {
		f.Add(s)
	}
	db := reference(f)
	f.Fuzz(func(t *testing.T, s string) {
		m, data, err := db.Build([]string{s}, 3)
		if err != nil {
			return
		}
		if len(data) != m.Length {
			t.Fatalf("%q built %d bytes for %s (%d)", s, len(data), m.Name, m.Length)
		}
		_, sig, val, _ := candb.ParseAssignment(s)
		sg, _ := m.Signal(sig)
		raw, err := sg.Encode(val)
		if err != nil {
			t.Fatalf("%q built but does not encode: %v", s, err)
		}
		if sig != "CRC" && sg.Raw(data) != raw {
			t.Fatalf("%q: frame carries raw %d, want %d", s, sg.Raw(data), raw)
		}
	})
}
