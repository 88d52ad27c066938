package harness_test

import (
	"testing"

	"github.com/cockpit-hil/hil/harness"
)

func TestIsolateGivesEachProcessItsOwnBus(t *testing.T) {
	for _, tc := range []struct {
		iface string
		n     int
		want  string
	}{
		{"vcan0", 1, "vcan0"},
		{"vcan0", 4, "vcan3"},
		{"vcan2", 2, "vcan3"},
		{"udp:239.0.0.1:20000", 3, "udp:239.0.0.1:20002"},
		{"virtual", 4, "virtual"},
		{"can0", 1, "can0"},
	} {
		got, err := harness.Isolate(tc.iface, tc.n)
		if err != nil || got != tc.want {
			t.Errorf("Isolate(%q, %d) = %q, %v; want %q", tc.iface, tc.n, got, err, tc.want)
		}
	}
	if _, err := harness.Isolate("can0", 2); err == nil {
		t.Error("Isolate(can0, 2): want an error, a real adapter cannot be shared out")
	}
}
