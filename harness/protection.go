package harness

import (
	"fmt"
	"slices"

	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/e2e"
	"github.com/cockpit-hil/hil/dbc/protection"
	"github.com/cockpit-hil/hil/harness/profile"
	"go.yaml.in/yaml/v3"
)

// LoadProtection reads the profile's e2e: a preset (reference, vw-mqb), a
// file beside the profile, or the YAML form inline; without one, the
// reference network's. It returns the layout of every protected message,
// by name, as the rest-bus seals them and the continuous checks judge
// the DUT's.
func LoadProtection(p *profile.Profile, db *candb.Database) (map[string]e2e.Layout, error) {
	var c *protection.Config
	var err error
	n := &p.E2E
	if n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0] // set from a document of its own
	}
	switch n.Kind {
	case 0:
		c, err = protection.Load("reference")
	case yaml.ScalarNode:
		if slices.Contains(protection.Presets(), n.Value) {
			c, err = protection.Load(n.Value)
			break
		}
		src, rerr := p.ReadFile(n.Value)
		if rerr != nil {
			return nil, fmt.Errorf("profile %s: e2e: %q is neither a preset (%v) nor a file: %w", p.Name, n.Value, protection.Presets(), rerr)
		}
		c, err = protection.Parse(p.Path(n.Value), src)
	case yaml.MappingNode:
		c, err = protection.ParseNode("profile "+p.Name+" e2e", n)
	default:
		return nil, fmt.Errorf("profile %s:%d: e2e: want a preset, a file or the mapping of dbc/protection", p.Name, n.Line)
	}
	if err != nil {
		return nil, err
	}
	return c.Layouts(db)
}
