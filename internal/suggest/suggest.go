// Package suggest answers a misspelt name with the closest known names, the
// way a bench engineer wants to be told: `did you mean NextBtn?`.
package suggest

import (
	"sort"
	"strings"
)

// Closest returns "; did you mean A or B?" naming up to three of names that
// are close to name (by edit distance, ignoring case, or sharing a prefix),
// or "" when none is.
func Closest(name string, names []string) string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	limit := max(2, len(name)/3)
	ln := strings.ToLower(name)
	for _, n := range names {
		lc := strings.ToLower(n)
		d := Distance(ln, lc)
		if d <= limit || strings.Contains(lc, ln) || strings.HasPrefix(ln, lc) {
			cs = append(cs, cand{n, d})
		}
	}
	if len(cs) == 0 {
		return ""
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].d != cs[j].d {
			return cs[i].d < cs[j].d
		}
		return cs[i].name < cs[j].name
	})
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].name)
	}
	return "; did you mean " + strings.Join(out, " or ") + "?"
}

// Distance is the Levenshtein edit distance between a and b.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
