// Package probe watches what the DUT did beyond its CAN frames: its event
// stream (newline-delimited JSON over TCP or a Unix socket) and the output
// of any command (adb logcat, journalctl -f, slog2info over ssh). Each line
// is an observation, timestamped on arrival; waiters look from a mark
// forward, so a reaction that came before the wait began is still found.
package probe

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Observation is one line a probe saw.
type Observation struct {
	Time   time.Time // arrival, user-space clock
	Probe  string
	Line   string
	Fields map[string]any // the JSON object of an event line
}

// Probe is one running probe.
type Probe struct {
	Name string

	mu     sync.Mutex
	cond   *sync.Cond
	obs    []Observation
	closed bool
	err    error

	write func(string) error
	stop  func() error
	done  chan struct{}
}

func newProbe(name string) *Probe {
	p := &Probe{Name: name, done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	return p
}

func (p *Probe) read(r io.Reader, parseJSON bool) {
	defer close(p.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		o := Observation{Time: time.Now(), Probe: p.Name, Line: sc.Text()}
		if parseJSON {
			json.Unmarshal(sc.Bytes(), &o.Fields)
		}
		p.mu.Lock()
		p.obs = append(p.obs, o)
		p.cond.Broadcast()
		p.mu.Unlock()
	}
	p.mu.Lock()
	p.closed, p.err = true, sc.Err()
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Events connects to a DUT's event stream: "HOST:PORT" or "unix:PATH".
func Events(ctx context.Context, name, addr string) (*Probe, error) {
	network, address := "tcp", addr
	if path, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, address = "unix", path
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, address)
	if err != nil {
		return nil, fmt.Errorf("probe %s: connect to events at %s: %w", name, addr, err)
	}
	p := newProbe(name)
	var wmu sync.Mutex
	p.write = func(line string) error {
		wmu.Lock()
		defer wmu.Unlock()
		_, err := io.WriteString(conn, line+"\n")
		return err
	}
	p.stop = conn.Close
	go p.read(conn, true)
	return p, nil
}

// Command starts argv (never a shell string) and observes its output lines.
func Command(ctx context.Context, name string, argv []string) (*Probe, error) {
	if len(argv) == 0 {
		return nil, fmt.Errorf("probe %s: no command", name)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	// Stopped as a person would stop it (Ctrl-C), so it can flush; killed
	// if it does not end within the grace.
	ownGroup(cmd)
	cmd.Cancel = func() error { return signalGroup(cmd, os.Interrupt) }
	cmd.WaitDelay = stopGrace
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("probe %s: start %q: %w", name, strings.Join(argv, " "), err)
	}
	p := newProbe(name)
	p.write = func(string) error { return errors.New("a command probe takes no input") }
	p.stop = func() error {
		// Wait closes our end of the pipe after WaitDelay, which ends the
		// reader even while a grandchild (sleep under sh) still holds the
		// other end.
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		signalGroup(cmd, os.Interrupt)
		select {
		case <-waited:
		case <-time.After(stopGrace):
			signalGroup(cmd, os.Kill)
			<-waited
		}
		return nil
	}
	go p.read(out, false)
	return p, nil
}

// stopGrace is how long a command has to end after an interrupt.
const stopGrace = 3 * time.Second

// Done is closed when the probe's source has ended (the command exited,
// the stream closed).
func (p *Probe) Done() <-chan struct{} { return p.done }

// Lines returns every line observed so far.
func (p *Probe) Lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	lines := make([]string, len(p.obs))
	for i, o := range p.obs {
		lines[i] = o.Line
	}
	return lines
}

// From returns the observations from mark on.
func (p *Probe) From(mark int) []Observation {
	p.mu.Lock()
	defer p.mu.Unlock()
	if mark >= len(p.obs) {
		return nil
	}
	return slices.Clone(p.obs[mark:])
}

// Since returns the observations that arrived at or after t.
func (p *Probe) Since(t time.Time) []Observation {
	p.mu.Lock()
	defer p.mu.Unlock()
	i, _ := slices.BinarySearchFunc(p.obs, t, func(o Observation, t time.Time) int { return o.Time.Compare(t) })
	return slices.Clone(p.obs[i:])
}

// Send writes a control line (event probes only).
func (p *Probe) Send(line string) error {
	if err := p.write(line); err != nil {
		return fmt.Errorf("probe %s: send: %w", p.Name, err)
	}
	return nil
}

// Mark is the position of the next observation, to wait from.
func (p *Probe) Mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.obs)
}

// Await returns the first observation at or after mark that matches.
func (p *Probe) Await(ctx context.Context, mark int, match func(Observation) bool) (Observation, error) {
	stop := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := mark; ; {
		for ; i < len(p.obs); i++ {
			if match(p.obs[i]) {
				return p.obs[i], nil
			}
		}
		last := "nothing"
		if n := len(p.obs); n > mark {
			last = fmt.Sprintf("%q", p.obs[n-1].Line)
		}
		switch {
		case ctx.Err() != nil:
			return Observation{}, fmt.Errorf("probe %s: no matching line; last seen: %s: %w", p.Name, last, ctx.Err())
		case p.closed:
			return Observation{}, fmt.Errorf("probe %s ended without a matching line; last seen: %s (%v)", p.Name, last, p.err)
		}
		p.cond.Wait()
	}
}

// Close stops the probe.
func (p *Probe) Close() error {
	err := p.stop()
	<-p.done
	return err
}

// Event matches an event line by service and event name, and optionally
// fields (compared as printed: 7 matches 7.0 from JSON).
func Event(service, event string, fields ...any) func(Observation) bool {
	return func(o Observation) bool {
		if o.Fields == nil || o.Fields["service"] != service || o.Fields["event"] != event {
			return false
		}
		for i := 0; i+1 < len(fields); i += 2 {
			if fmt.Sprint(o.Fields[fmt.Sprint(fields[i])]) != fmt.Sprint(fields[i+1]) {
				return false
			}
		}
		return true
	}
}

// Line matches a line by regular expression.
func Line(re string) func(Observation) bool {
	r := regexp.MustCompile(re)
	return func(o Observation) bool { return r.MatchString(o.Line) }
}
