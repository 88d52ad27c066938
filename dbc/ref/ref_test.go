package ref

import "testing"

func TestSignalParts(t *testing.T) {
	for _, tc := range []struct {
		s          Signal
		msg        Message
		name       string
		value      any
		assignment Assignment
	}{
		{"SWC_Buttons.NextBtn", "SWC_Buttons", "NextBtn", 1, "SWC_Buttons.NextBtn=1"},
		{"TCU_Gear.Gear", "TCU_Gear", "Gear", "R", "TCU_Gear.Gear=R"},
		{"ESP_VehicleSpeed.VehicleSpeed", "ESP_VehicleSpeed", "VehicleSpeed", 12.5, "ESP_VehicleSpeed.VehicleSpeed=12.5"},
		{"NoDot", "NoDot", "", "x", "NoDot=x"},
	} {
		if got := tc.s.Message(); got != tc.msg {
			t.Errorf("%s.Message() = %q, want %q", tc.s, got, tc.msg)
		}
		if got := tc.s.Name(); got != tc.name {
			t.Errorf("%s.Name() = %q, want %q", tc.s, got, tc.name)
		}
		if got := tc.s.Is(tc.value); got != tc.assignment {
			t.Errorf("%s.Is(%v) = %q, want %q", tc.s, tc.value, got, tc.assignment)
		}
	}
}
