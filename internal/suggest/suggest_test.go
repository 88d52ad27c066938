package suggest

import "testing"

func TestClosest(t *testing.T) {
	names := []string{"NextBtn", "PrevBtn", "VoiceBtn", "D", "R", "music.next", "music.prev"}
	for _, tc := range []struct{ in, want string }{
		{"NxtBtn", "; did you mean NextBtn?"},
		{"nextbtn", "; did you mean NextBtn?"},
		{"Driv", "; did you mean D?"},
		{"music.nxt", "; did you mean music.next?"},
		{"Btn", "; did you mean NextBtn or PrevBtn or VoiceBtn?"},
		{"Completely", ""},
	} {
		if got := Closest(tc.in, names); got != tc.want {
			t.Errorf("Closest(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if d := Distance("kitten", "sitting"); d != 3 {
		t.Errorf("Distance = %d, want 3", d)
	}
}
