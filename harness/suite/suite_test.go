package suite_test

import (
	"testing"

	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/suite"
	"github.com/google/go-cmp/cmp"
	"github.com/onsi/ginkgo/v2/types"
)

// The catalogue check itself runs at the end of every run of a suite
// (ReportAfterSuite); this holds the check to its word on made-up reports.
func TestMissingKeysNamesEveryBudgetKeyWithoutASpec(t *testing.T) {
	spec := func(labels ...string) types.SpecReport {
		return types.SpecReport{ContainerHierarchyLabels: [][]string{{"music"}}, LeafNodeLabels: labels, State: types.SpecStateSkipped}
	}
	budgets := latency.Budgets{"music.next": {}, "music.prev": {}, "vehicle.ready": {}}
	for _, tc := range []struct {
		name  string
		specs []types.SpecReport
		want  []string
	}{
		{"all covered, some skipped by a filter", []types.SpecReport{spec("music.next", "music.prev"), spec("vehicle.ready")}, nil},
		{"one missing", []types.SpecReport{spec("music.next"), spec("vehicle.ready", "latency")}, []string{"music.prev"}},
		{"none", nil, []string{"music.next", "music.prev", "vehicle.ready"}},
	} {
		got := suite.MissingKeys(types.Report{SpecReports: tc.specs}, budgets)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}
