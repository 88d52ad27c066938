package canbus

import (
	"context"
	"errors"
	"time"
)

// Source says which clock stamped a received frame.
type Source uint8

const (
	SourceUser     Source = iota // user space (time.Now after the read), the least precise
	SourceKernel                 // the kernel's receive path (SO_TIMESTAMPNS / SO_TIMESTAMPING software)
	SourceHardware               // the adapter's own clock (SO_TIMESTAMPING raw hardware)
)

func (s Source) String() string {
	switch s {
	case SourceKernel:
		return "kernel"
	case SourceHardware:
		return "hardware"
	}
	return "user"
}

// Direction says whether a frame came from the bus or was sent from this host.
type Direction uint8

const (
	RX Direction = iota // received from another node
	TX                  // sent from this host (the kernel's loopback of a local transmission)
)

func (d Direction) String() string {
	if d == TX {
		return "TX"
	}
	return "RX"
}

// Received is a frame as a receiver saw it.
type Received struct {
	Frame
	Time      time.Time // when it was received; for Own frames, when it was sent
	Source    Source    // which clock set Time
	Interface string    // the bus it came from ("vcan0", "virtual", ...)
	Dir       Direction
	// Own marks the echo of a frame this very Bus sent: it gives a stimulus
	// a timestamp from the same clock as the reactions to it.
	Own bool
}

// Stats counts what a Bus has seen since it was opened.
type Stats struct {
	In      uint64 // frames received (data, remote and error frames; echoes included)
	Out     uint64 // frames sent
	Dropped uint64 // frames lost because the receive queue was full
	Errors  uint64 // error frames received
}

// Bus is a connection to one CAN bus. Every transport implements it.
// Receive blocks until a frame arrives, the context ends or the Bus closes.
type Bus interface {
	Send(ctx context.Context, f Frame) error
	Receive(ctx context.Context) (Received, error)
	Stats() Stats
	Close() error
}

// ErrClosed is returned by a Bus used after Close.
var ErrClosed = errors.New("bus closed")

// Options configure how a Bus is opened; every transport honours them.
type Options struct {
	Filters   []Filter // accept only frames matching one of these (none: accept all)
	ErrorMask uint32   // error classes to receive as error frames (0: none; ErrMaskAll: all)
	Echo      bool     // receive our own transmitted frames, marked Own
	// QueueLen is the receive queue length in frames for transports that
	// keep one in user space (the virtual bus); SocketCAN uses its socket buffer.
	QueueLen int
	// ReceiveBuffer is the kernel socket receive buffer in bytes for
	// SocketCAN (0: the kernel default, as candump uses without -r).
	ReceiveBuffer int
}

// Option sets one of the Options.
type Option func(*Options)

// WithFilters accepts only frames that match one of the filters.
func WithFilters(fs ...Filter) Option {
	return func(o *Options) { o.Filters = append(o.Filters, fs...) }
}

// WithErrorMask receives the error frames of the given classes (ErrMaskAll for every class).
func WithErrorMask(mask uint32) Option { return func(o *Options) { o.ErrorMask = mask } }

// WithEcho receives this Bus's own transmissions back, marked Own, with the
// timestamp of their transmission.
func WithEcho() Option { return func(o *Options) { o.Echo = true } }

// WithQueueLen sets the user-space receive queue length.
func WithQueueLen(n int) Option { return func(o *Options) { o.QueueLen = n } }

// WithReceiveBuffer sets the kernel socket receive buffer (candump -r).
func WithReceiveBuffer(bytes int) Option { return func(o *Options) { o.ReceiveBuffer = bytes } }

// Apply builds Options from the given options.
func Apply(opts []Option) Options {
	o := Options{QueueLen: 4096}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Accepts reports whether a receiver with these options takes the frame.
func (o *Options) Accepts(f *Frame) bool {
	if f.Error {
		return o.ErrorMask&f.ID != 0
	}
	if len(o.Filters) == 0 {
		return true
	}
	for i := range o.Filters {
		if o.Filters[i].Match(f) {
			return true
		}
	}
	return false
}
