package canlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Player replays trace records with their original timing, as canplayer
// does, but schedules each frame against the monotonic clock instead of
// polling every -g milliseconds, so gaps are kept to the timer's precision.
type Player struct {
	// Send puts one record's frame on its bus.
	Send func(ctx context.Context, rec *Record) error
	// Gap, when non-zero, replaces the trace's timing with a fixed gap
	// between frames.
	Gap time.Duration
	// IgnoreTimestamps sends frames as fast as the bus takes them (canplayer -t).
	IgnoreTimestamps bool
	// SkipGap, when non-zero, shortens any pause longer than it to nothing
	// (canplayer -s).
	SkipGap time.Duration
	// Errors receives lines that could not be read; nil stops the replay at
	// the first such line.
	Errors func(*LineError)
}

// Play replays one pass of the trace and returns the number of frames sent.
// Timing restarts at the first frame, and again wherever the trace's
// timestamps jump backwards. A trace that had records but none that could
// be played (every line unreadable: a file of another format) is an error.
func (p *Player) Play(ctx context.Context, r RecordReader) (int, error) {
	var (
		start   time.Time // wall time when the current base frame was sent
		base    time.Time // trace time of the base frame
		prev    time.Time
		sent    int
		nextDue time.Time
		skipped int        // unreadable lines passed over
		first   *LineError // the first of them
	)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		rec, err := r.Next()
		var le *LineError
		switch {
		case errors.Is(err, io.EOF):
			if sent == 0 && first != nil {
				return 0, fmt.Errorf("replay: no frame could be played, %d lines skipped, the first: %w", skipped, first)
			}
			return sent, nil
		case errors.As(err, &le):
			if first == nil {
				first = le
			}
			skipped++
			if p.Errors == nil {
				return sent, err
			}
			p.Errors(le)
			continue
		case err != nil:
			return sent, err
		}
		if rec.Kind != FrameLine {
			continue
		}
		var due time.Time
		switch {
		case p.IgnoreTimestamps:
		case p.Gap > 0:
			if sent > 0 {
				due = nextDue
			}
		default:
			t := rec.Time
			rebase := sent == 0 || t.Before(prev) || (p.SkipGap > 0 && t.Sub(prev) > p.SkipGap)
			if rebase {
				start, base = time.Now(), t
			}
			due = start.Add(t.Sub(base))
			prev = t
		}
		if wait := time.Until(due); !due.IsZero() && wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return sent, ctx.Err()
			case <-timer.C:
			}
		}
		if err := p.Send(ctx, &rec); err != nil {
			return sent, fmt.Errorf("replay line %d: %w", rec.Line, err)
		}
		sent++
		if p.Gap > 0 {
			nextDue = time.Now().Add(p.Gap)
		}
	}
}
