package headunit

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	ic "github.com/cockpit-hil/hil/dbc/infotainmentcan"
)

// EventServer serves the unit's events as newline-delimited JSON, one
// object per event, and takes control lines on the same connection
// (docs/events.md has the schema).
type EventServer struct {
	ln    net.Listener
	unit  *Unit
	mu    sync.Mutex
	conns map[chan []byte]struct{}
	path  string // Unix socket to remove at Close
}

// ListenEvents listens on "HOST:PORT" (TCP; a bare ":PORT" means loopback)
// or "unix:PATH".
func ListenEvents(addr string) (*EventServer, error) {
	network, address := "tcp", addr
	if p, ok := strings.CutPrefix(addr, "unix:"); ok {
		network, address = "unix", p
		os.Remove(p) // a socket left by a crashed run
	} else if strings.HasPrefix(addr, ":") {
		address = "127.0.0.1" + addr
	}
	ln, err := net.Listen(network, address)
	if err != nil {
		return nil, fmt.Errorf("listen for events on %s: %w", addr, err)
	}
	s := &EventServer{ln: ln, conns: map[chan []byte]struct{}{}}
	if network == "unix" {
		s.path = address
	}
	return s, nil
}

// Addr is where the server listens ("127.0.0.1:41234" or "unix:/path").
func (s *EventServer) Addr() string {
	if s.path != "" {
		return "unix:" + s.path
	}
	return s.ln.Addr().String()
}

// Clients is the number of connections being served.
func (s *EventServer) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Publish sends the event to every connection. A connection too slow to
// keep 1024 events queued loses the oldest news rather than stalling the unit.
func (s *EventServer) Publish(e Event) {
	line, err := encodeEvent(e)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		select {
		case c <- line:
		default:
		}
	}
}

func encodeEvent(e Event) ([]byte, error) {
	obj := make(map[string]any, len(e.Fields)+3)
	for k, v := range e.Fields {
		obj[k] = v
	}
	obj["time"] = e.Time.UTC().Format(time.RFC3339Nano)
	obj["service"] = e.Service
	obj["event"] = e.Event
	b, err := json.Marshal(obj)
	return append(b, '\n'), err
}

// Serve accepts connections until ctx ends; control lines go to u.
func (s *EventServer) Serve(ctx context.Context, u *Unit) error {
	s.unit = u
	var wg sync.WaitGroup
	defer wg.Wait()
	stop := context.AfterFunc(ctx, func() { s.ln.Close() })
	defer stop()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("accept event connection: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.handle(ctx, conn)
		}()
	}
}

// Close stops listening.
func (s *EventServer) Close() error {
	err := s.ln.Close()
	if s.path != "" {
		os.Remove(s.path)
	}
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// Command is one control line.
type Command struct {
	Cmd      string `json:"cmd"` // incoming_call, incoming_message, start_guidance, stop_guidance
	From     string `json:"from,omitempty"`
	Maneuver string `json:"maneuver,omitempty"` // Straight, Left, Right, UTurn, Arrive
	Distance uint16 `json:"distance,omitempty"` // metres
}

func (s *EventServer) handle(ctx context.Context, conn net.Conn) {
	out := make(chan []byte, 1024)
	s.mu.Lock()
	s.conns[out] = struct{}{}
	s.mu.Unlock()
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		s.mu.Lock()
		delete(s.conns, out)
		s.mu.Unlock()
		conn.Close()
	}()
	go func() {
		<-ctx.Done()
		conn.Close()
	}()
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		for {
			select {
			case <-ctx.Done():
				return
			case line := <-out:
				if _, err := conn.Write(line); err != nil {
					cancel()
					return
				}
			}
		}
	}()
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		if err := s.control(sc.Bytes()); err != nil {
			reply, _ := json.Marshal(map[string]string{"error": err.Error()})
			select {
			case out <- append(reply, '\n'):
			default:
			}
		}
	}
	cancel()
	<-writerDone
}

var maneuvers = map[string]ic.IVI_NavStatus_NextManeuver{
	"Straight": ic.IVI_NavStatus_NextManeuver_Straight, "Left": ic.IVI_NavStatus_NextManeuver_Left,
	"Right": ic.IVI_NavStatus_NextManeuver_Right, "UTurn": ic.IVI_NavStatus_NextManeuver_UTurn,
	"Arrive": ic.IVI_NavStatus_NextManeuver_Arrive,
}

func (s *EventServer) control(line []byte) error {
	if len(strings.TrimSpace(string(line))) == 0 {
		return nil
	}
	var c Command
	if err := json.Unmarshal(line, &c); err != nil {
		return fmt.Errorf("control line %q: %w", line, err)
	}
	switch c.Cmd {
	case "incoming_call":
		s.unit.IncomingCall()
	case "incoming_message":
		s.unit.IncomingMessage(c.From)
	case "start_guidance":
		m, ok := maneuvers[c.Maneuver]
		if !ok {
			return fmt.Errorf("start_guidance: maneuver %q is not Straight, Left, Right, UTurn or Arrive", c.Maneuver)
		}
		s.unit.StartGuidance(m, c.Distance)
	case "stop_guidance":
		s.unit.StopGuidance()
	default:
		return fmt.Errorf("unknown cmd %q: want incoming_call, incoming_message, start_guidance or stop_guidance", c.Cmd)
	}
	return nil
}
