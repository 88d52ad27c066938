package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/cockpit-hil/hil/harness/latency"
	"github.com/cockpit-hil/hil/harness/report"
	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// progress shows how far a long run is: on a terminal one live line
// (specs done of total, failures, the spec running, the time so far),
// redrawn each second; elsewhere (CI logs) a plain line per finished spec.
type progress struct {
	w     io.Writer
	live  bool
	start time.Time

	mu                  sync.Mutex
	total, done, failed int
	inconclusive        int
	current             string
	stop                chan struct{}
	stopped             sync.WaitGroup
}

// register adds the reporting nodes to the suite; call before RunSpecs.
func (p *progress) register() {
	p.start = time.Now()
	ginkgo.ReportBeforeSuite(func(r ginkgo.Report) {
		p.mu.Lock()
		p.total = r.PreRunStats.SpecsThatWillRun
		p.mu.Unlock()
		if p.live {
			p.stop = make(chan struct{})
			p.stopped.Add(1)
			go p.tick()
		}
	})
	ginkgo.ReportBeforeEach(func(r ginkgo.SpecReport) {
		if r.State == types.SpecStateSkipped || r.State == types.SpecStatePending {
			return
		}
		p.mu.Lock()
		p.current = r.FullText()
		p.mu.Unlock()
		p.draw()
	})
	ginkgo.ReportAfterEach(func(r ginkgo.SpecReport) {
		inconclusive := report.IsInconclusive(r)
		if !inconclusive && (r.State == types.SpecStateSkipped || r.State == types.SpecStatePending) {
			return
		}
		p.mu.Lock()
		p.done++
		if r.Failed() {
			p.failed++
		}
		if inconclusive {
			p.inconclusive++
		}
		done, total := p.done, p.total
		p.current = ""
		p.mu.Unlock()
		if !p.live {
			state, why := r.State.String(), ""
			if inconclusive {
				state = "inconclusive"
				why, _, _ = strings.Cut(strings.TrimPrefix(r.Failure.Message, latency.InconclusivePrefix), "\n")
				why = ": " + why
			}
			fmt.Fprintf(p.w, "[%d/%d %s] %-6s %s (%.1fs)%s\n", done, total, p.elapsed(), state, r.FullText(), r.RunTime.Seconds(), why)
			return
		}
		p.draw()
	})
}

func (p *progress) elapsed() string {
	return time.Since(p.start).Round(time.Second).String()
}

func (p *progress) tick() {
	defer p.stopped.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.draw()
		}
	}
}

// draw rewrites the live line.
func (p *progress) draw() {
	if !p.live {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	line := fmt.Sprintf("[%d/%d specs, %d failed, %s]", p.done, p.total, p.failed, p.elapsed())
	if p.inconclusive > 0 {
		line = fmt.Sprintf("[%d/%d specs, %d failed, %d inconclusive, %s]", p.done, p.total, p.failed, p.inconclusive, p.elapsed())
	}
	if p.current != "" {
		line += " " + p.current
	}
	if len(line) > 118 {
		line = line[:117] + "…"
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
}

// end stops the live line and clears it.
func (p *progress) end() {
	if p.stop != nil {
		close(p.stop)
		p.stopped.Wait()
		p.stop = nil
	}
	if p.live {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
