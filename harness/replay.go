package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/cockpit-hil/hil/can/canbus"
	"github.com/cockpit-hil/hil/can/canlog"
	"github.com/cockpit-hil/hil/dbc/candb"
	"github.com/cockpit-hil/hil/dbc/e2e"
	"github.com/cockpit-hil/hil/dbc/ref"
)

// Replay plays a trace (any candump style) onto the bus with its timing,
// replacing signals as it goes: each MESSAGE.SIGNAL=VALUE override is
// written into every frame of its message, and the frame's CRC is computed
// anew while its counter is kept. Frames of messages the DUT sends are not
// replayed (the DUT sends its own), and the rest-bus falls silent for the
// messages the trace carries while it plays, so the DUT sees one sender per
// message. Time zero is the first replayed frame; the returned stimulus is
// done when the trace has played.
func (b *Bench) Replay(ctx context.Context, path string, overrides ...string) *Stimulus {
	s := b.stimulus(ctx, "the replay of "+path)
	if len(overrides) > 0 {
		s.what += " with " + strings.Join(overrides, ", ")
	}
	type override struct {
		sig *candb.Signal
		raw uint64
	}
	byMsg := map[*candb.Message][]override{}
	for _, o := range overrides {
		m, sig, err := b.lookup(o)
		if err != nil {
			return s.failed(fmt.Errorf("replay %s: override %w", path, err))
		}
		_, _, val, _ := candb.ParseAssignment(o)
		raw, err := sig.Encode(val)
		if err != nil {
			return s.failed(fmt.Errorf("replay %s: override %w", path, err))
		}
		byMsg[m] = append(byMsg[m], override{sig, raw})
	}
	carried, err := b.traceMessages(path)
	if err != nil {
		return s.failed(err)
	}
	layouts := map[*candb.Message]e2e.Layout{}
	for m := range byMsg {
		layouts[m] = b.Protection[m.Name] // re-sealed as the network protects it
	}
	var first canbus.Frame
	started := make(chan struct{})
	s.carried = func(f *canbus.Received) bool {
		select {
		case <-started:
			return f.ID == first.ID && f.Extended == first.Extended && f.Data == first.Data
		default:
			return false
		}
	}
	played := b.rest.Messages()
	var silenced []string
	for _, m := range carried {
		if slices.Contains(played, m.Name) {
			if err := b.Silence(ref.Message(m.Name)); err != nil {
				return s.failed(err)
			}
			silenced = append(silenced, m.Name)
		}
	}
	go func() {
		err := b.playTrace(ctx, path, func(f *canbus.Frame) {
			if m, ok := b.DB.MessageByID(f.ID, f.Extended); ok {
				if os := byMsg[m]; len(os) > 0 {
					data := f.Data[:f.Len]
					for _, o := range os {
						o.sig.SetRaw(data, o.raw)
					}
					l := layouts[m]
					if l.Protected() {
						l.Seal(data, l.Counter(data)) // the counter kept, the CRC made anew
					}
				}
			}
		}, func(f canbus.Frame) {
			select {
			case <-started:
			default:
				first = f
				close(started)
			}
		})
		for _, name := range silenced {
			err = errors.Join(err, b.Resume(ref.Message(name)))
		}
		s.done <- err
	}()
	return s
}

// traceMessages lists the messages of the DBC that a trace carries.
func (b *Bench) traceMessages(path string) ([]*candb.Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	r := canlog.Open(f, path)
	var out []*candb.Message
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		if m, ok := b.DB.MessageByID(rec.ID, rec.Extended); ok && rec.Kind == canlog.FrameLine && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
}

// playTrace sends the trace's frames that the DUT does not send, after
// rewrite, calling sent with each frame as it went out.
func (b *Bench) playTrace(ctx context.Context, path string, rewrite func(*canbus.Frame), sent func(canbus.Frame)) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	defer f.Close()
	p := canlog.Player{Send: func(ctx context.Context, rec *canlog.Record) error {
		if m, ok := b.DB.MessageByID(rec.ID, rec.Extended); ok && slices.Contains(m.Senders, b.Profile.DUT.Node) {
			return nil
		}
		if rec.Error {
			return nil
		}
		fr := rec.Frame
		rewrite(&fr)
		sent(fr)
		return b.restBus.Send(ctx, fr)
	}}
	_, err = p.Play(ctx, canlog.Open(f, path))
	return err
}
