package protection

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/e2e"
)

// ESP_21 as VW's MQB network lays it out (opendbc's vw_mqb.dbc): CRC in
// byte 0, the counter (BZ) in the low nibble of byte 1.
const mqb = `VERSION ""
BU_: Gateway XXX
BO_ 253 ESP_21: 8 Gateway
 SG_ ESP_21_CRC : 0|8@1+ (1,0) [0|255] "" XXX
 SG_ ESP_21_BZ : 8|4@1+ (1,0) [0|15] "" XXX
 SG_ Rest : 12|52@1+ (1,0) [0|0] "" XXX
BO_ 960 Klemmen_Status_01: 4 Gateway
 SG_ Klemmen_Status_01_CRC : 0|8@1+ (1,0) [0|255] "" XXX
 SG_ Klemmen_Status_01_BZ : 8|4@1+ (1,0) [0|15] "" XXX
BO_ 1 Unprotected: 1 Gateway
 SG_ Value : 0|8@1+ (1,0) [0|255] "" XXX
`

// espFrames are ESP_21 frames captured from a car, one whole counter
// cycle (SavvyCAN log mqb_esp21_0fd_DrivingLog1_7-11-23.csv, published
// by github.com/uhi22/tesla-crc from the openinverter.org forum).
var espFrames = []string{
	"19 D0 1F 80 00 00 03 00", "13 D1 1F 80 00 00 03 00", "DC D2 1F 80 00 00 03 00", "A9 D3 1F 80 00 00 03 00",
	"3F D4 1F 80 00 00 03 00", "A5 D5 1F 80 00 00 03 00", "B7 D6 1F 80 00 00 03 00", "8D D7 1F 80 00 00 03 00",
	"4A D8 1F 80 00 00 03 00", "78 D9 1F 80 00 00 03 00", "34 DA 1F 80 00 00 03 00", "1B DB 1F 80 00 00 03 00",
	"82 DC 1F 80 00 00 03 00", "0B DD 1F 80 00 00 03 00", "F4 DE 1F 80 00 00 03 00", "63 DF 1F 80 00 00 03 00",
}

func frame(t *testing.T, s string) []byte {
	t.Helper()
	var out []byte
	for _, f := range strings.Fields(s) {
		var b byte
		fmt.Sscanf(f, "%02X", &b)
		out = append(out, b)
	}
	return out
}

func TestVWMQBPresetChecksFramesFromACar(t *testing.T) {
	c, err := Load("vw-mqb")
	if err != nil {
		t.Fatal(err)
	}
	db, err := candb.Parse("vw_mqb_excerpt.dbc", []byte(mqb))
	if err != nil {
		t.Fatal(err)
	}
	layouts, err := c.Layouts(db)
	if err == nil {
		t.Fatal("the preset names messages the excerpt lacks; want an error")
	}
	// The excerpt has two of the preset's messages: keep those.
	var kept []Entry
	for _, e := range c.Messages {
		if _, ok := db.Message(e.Message); ok {
			kept = append(kept, e)
		}
	}
	c.Messages = kept
	if layouts, err = c.Layouts(db); err != nil {
		t.Fatal(err)
	}
	if _, ok := layouts["Unprotected"]; ok || len(layouts) != 2 {
		t.Fatalf("layouts for %d messages: %v", len(layouts), layouts)
	}
	esp := layouts["ESP_21"]
	check := e2e.NewChecker(esp)
	for _, f := range espFrames {
		data := frame(t, f)
		if err := check.Accept(data); err != nil {
			t.Errorf("a frame from a car refused: %v", err)
		}
		resealed := append([]byte(nil), data...)
		resealed[0] = 0
		esp.Seal(resealed, esp.Counter(data))
		if resealed[0] != data[0] {
			t.Errorf("% X resealed with CRC %02X", data, resealed[0])
		}
		for bit := 8; bit < 64; bit++ {
			flipped := append([]byte(nil), data...)
			flipped[bit/8] ^= 1 << (bit % 8)
			if err := e2e.NewChecker(esp).Accept(flipped); err == nil {
				t.Errorf("% X with bit %d flipped accepted", data, bit)
			}
		}
	}
	// The reference network's scheme does not take them.
	ref, _ := db.Message("ESP_21")
	l, _ := ref.E2E(e2e.Names{Counter: "ESP_21_BZ", CRC: "ESP_21_CRC"})
	if err := e2e.NewChecker(l).Accept(frame(t, espFrames[0])); !errors.Is(err, e2e.ErrCRC) {
		t.Errorf("an MQB frame under the reference scheme: %v, want ErrCRC", err)
	}
}

func TestConfigErrorsNameTheLineAndTheClosest(t *testing.T) {
	db, err := candb.Parse("vw_mqb_excerpt.dbc", []byte(mqb))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"scheme", "messages:\n  ESP_21: {scheme: autosar-p2, data_ids: 1}\n", "e.yaml:2: ESP_21: scheme \"autosar-p2\" is not one of"},
		{"scheme hint", "messages:\n  ESP_21: {scheme: autosar-p2, data_ids: 1}\n", "did you mean autosar-p02"},
		{"parameter", "messages:\n  ESP_21: {scheme: autosar-p02, data_id: 1}\n", "scheme autosar-p02 has no parameter \"data_id\" (it takes: data_ids); did you mean data_ids?"},
		{"list", "messages:\n  ESP_21: {scheme: autosar-p02, data_ids: [1, 2]}\n", "e.yaml:2: ESP_21: scheme autosar-p02: data_ids has 2 values: want 16"},
		{"byte", "messages:\n  ESP_21:\n    scheme: autosar-p02\n    data_ids: 256\n", "e.yaml:3: ESP_21: scheme autosar-p02: data_ids[0] 256: want a byte"},
		{"mode", "messages:\n  ESP_21: {scheme: autosar-p01, data_id: 0x123, mode: bth}\n", "mode bth: want both, alt, low, nibble"},
		{"key", "default: none\nmesages: {}\n", "e.yaml:2: unknown key \"mesages\" (want default or messages); did you mean messages?"},
		{"default", "default: all\n", "e.yaml:1: default: \"all\" is not none or reference"},
		{"message", "messages:\n  ESP21: {scheme: autosar-p02, data_ids: 1}\n", "e.yaml:2: vw_mqb_excerpt.dbc has no message ESP21; did you mean ESP_21?"},
		{"unprotected", "messages:\n  Unprotected: {scheme: autosar-p02, data_ids: 1}\n", "e.yaml:2: Unprotected has no counter or CRC signal by the usual names"},
		{"id", "messages:\n  0x999: {scheme: autosar-p02, data_ids: 1}\n", "e.yaml:2: vw_mqb_excerpt.dbc has no message with ID 0x999"},
		{"signal", "messages:\n  ESP_21: {scheme: autosar-p02, data_ids: 1, crc: ESP_21_CRCX}\n", "e.yaml:2: ESP_21: no crc signal \"ESP_21_CRCX\"; did you mean ESP_21_CRC?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse("e.yaml", []byte(tc.yaml))
			if err == nil {
				_, err = c.Layouts(db)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
	if _, err := Load("vw-mbq"); err == nil || !strings.Contains(err.Error(), "did you mean vw-mqb") {
		t.Errorf("a misspelt preset: %v", err)
	}
}

func TestReferencePresetProtectsEveryProtectedMessage(t *testing.T) {
	c, err := Load("reference")
	if err != nil {
		t.Fatal(err)
	}
	db, err := candb.Parse("mqb.dbc", []byte(mqb+"BO_ 2 Ref: 2 Gateway\n SG_ CRC : 0|8@1+ (1,0) [0|255] \"\" XXX\n SG_ Counter : 8|4@1+ (1,0) [0|15] \"\" XXX\n"))
	if err != nil {
		t.Fatal(err)
	}
	layouts, err := c.Layouts(db)
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := layouts["Ref"]; !ok || l.Scheme().Name() != "reference" || len(layouts) != 1 {
		t.Errorf("reference preset: %v", layouts)
	}
}
