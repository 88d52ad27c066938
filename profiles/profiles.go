// Package profiles holds the shipped bench profiles and budget files, built
// into the hil binary so that `hil run` works on a bench laptop without the
// repository: `--profile sim` (the default), `ci-vcan` or `bench-can0`.
package profiles

import "embed"

// FS holds *.yaml and budgets/*.yaml.
//
//go:embed *.yaml budgets/*.yaml
var FS embed.FS
