// Command testsum reads `go test -json` (test2json) streams, prints what a
// person needs to see (package results, Ginkgo suite reports, the output of
// failing tests) and keeps a running count across the host and sandbox runs,
// so ci/test can end with one "N passed, N failed, N skipped" line.
//
//	go test -json ./... | go run ./ci/testsum -state ci/out/counts
//	go run ./ci/testsum -state ci/out/counts -total
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

type counts struct{ Passed, Failed, Skipped int }

var (
	ranSpecs   = regexp.MustCompile(`Ran (\d+) of (\d+) Specs`)
	specResult = regexp.MustCompile(`(\d+) Passed \| (\d+) Failed \| (\d+) Pending \| (\d+) Skipped`)
)

type test struct {
	output     []string
	ginkgo     bool
	specFailed int
}

func main() {
	state := flag.String("state", "", "file that accumulates the counts")
	total := flag.Bool("total", false, "print the accumulated counts and exit 1 if anything failed")
	flag.Parse()
	var c counts
	if *state != "" {
		if b, err := os.ReadFile(*state); err == nil {
			json.Unmarshal(b, &c)
		}
	}
	if *total {
		fmt.Printf("%d passed, %d failed, %d skipped\n", c.Passed, c.Failed, c.Skipped)
		if c.Failed > 0 || c.Passed == 0 {
			os.Exit(1)
		}
		return
	}
	c = read(os.Stdin, os.Stdout, c)
	if *state != "" {
		b, _ := json.Marshal(c)
		if err := os.WriteFile(*state, b, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "testsum:", err)
			os.Exit(2)
		}
	}
}

func read(in io.Reader, out io.Writer, c counts) counts {
	tests := map[string]*test{}
	pkgFailedTests := map[string]int{}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(out, "%s\n", line) // not JSON: a build error or a crash message
			continue
		}
		if e.Test == "" {
			switch e.Action {
			case "output":
				fmt.Fprint(out, e.Output)
			case "fail":
				if pkgFailedTests[e.Package] == 0 {
					c.Failed++ // the package failed outside any test: build error, panic in init, timeout
				}
			}
			continue
		}
		key := e.Package + " " + e.Test
		t := tests[key]
		if t == nil {
			t = &test{}
			tests[key] = t
		}
		switch e.Action {
		case "output":
			if m := specResult.FindStringSubmatch(e.Output); m != nil {
				p, _ := strconv.Atoi(m[1])
				f, _ := strconv.Atoi(m[2])
				pend, _ := strconv.Atoi(m[3])
				c.Passed += p
				c.Failed += f
				c.Skipped += pend
				t.specFailed += f
			}
			if ranSpecs.MatchString(e.Output) {
				t.ginkgo = true
			}
			if t.ginkgo || strings.Contains(e.Output, "Running Suite:") {
				t.ginkgo = true
				fmt.Fprint(out, e.Output)
				continue
			}
			if strings.HasPrefix(e.Output, "=== ") || strings.HasPrefix(e.Output, "--- PASS") {
				continue
			}
			// test2json ends a benchmark with its result line, not a pass event.
			if strings.HasPrefix(e.Test, "Benchmark") && strings.Contains(e.Output, "ns/op") {
				// With -json the name and the figures come as two outputs.
				if n := len(t.output); n > 0 && !strings.HasSuffix(t.output[n-1], "\n") {
					fmt.Fprint(out, t.output[n-1])
				}
				fmt.Fprint(out, e.Output)
				c.Passed++
				delete(tests, key)
				continue
			}
			t.output = append(t.output, e.Output)
		case "pass":
			if !t.ginkgo {
				c.Passed++
			}
			delete(tests, key)
		case "skip":
			c.Skipped++
			delete(tests, key)
		case "fail":
			if !t.ginkgo || t.specFailed == 0 {
				c.Failed++
			}
			pkgFailedTests[e.Package]++
			if !t.ginkgo {
				fmt.Fprintf(out, "--- FAIL: %s (%s)\n%s", e.Test, e.Package, strings.Join(t.output, ""))
			}
			delete(tests, key)
		}
	}
	return c
}
