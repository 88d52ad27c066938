package candb_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/cockpit-hil/hil/dbc/candb"
)

func TestMergeJoinsNetworksAndRefusesAMessageDefinedTwice(t *testing.T) {
	parse := func(name, src string) *candb.Database {
		t.Helper()
		db, err := candb.Parse(name, []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	body := "VERSION \"\"\nBU_: %s\n"
	msg := func(id int, name, node string) string {
		return "BO_ " + strconv.Itoa(id) + " " + name + ": 1 " + node + "\n SG_ X : 0|8@1+ (1,0) [0|255] \"\" Vector__XXX\n"
	}
	a := parse("a.dbc", strings.Replace(body, "%s", "A", 1)+msg(100, "FromA", "A"))
	b := parse("b.dbc", strings.Replace(body, "%s", "B", 1)+msg(200, "FromB", "B"))
	db, err := candb.Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := db.Message("FromA"); !ok {
		t.Error("FromA lost")
	}
	if m, ok := db.MessageByID(200, false); !ok || m.Name != "FromB" {
		t.Errorf("ID 200 = %v, want FromB", m)
	}
	for _, c := range []struct{ name, src, want string }{
		{"same name", msg(300, "FromA", "C"), "message FromA is defined in both a.dbc and c.dbc"},
		{"same ID", msg(100, "Other", "C"), "frame ID 0x64 is FromA in a.dbc and Other in c.dbc"},
	} {
		c2 := parse("c.dbc", strings.Replace(body, "%s", "C", 1)+c.src)
		if _, err := candb.Merge(a, b, c2); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
