//go:build !linux

package canlink

import (
	"context"
	"errors"
)

// ErrNotCAN is returned for an interface that is not a CAN interface.
var ErrNotCAN = errors.New("not a CAN interface")

var errNoNetlink = errors.New("CAN link management uses Linux rtnetlink")

// Get fails: rtnetlink is Linux only.
func Get(ctx context.Context, name string) (Link, error) { return Link{}, errNoNetlink }

// SetUp fails: rtnetlink is Linux only.
func SetUp(ctx context.Context, name string, up bool) error { return errNoNetlink }

// Restart fails: rtnetlink is Linux only.
func Restart(ctx context.Context, name string) error { return errNoNetlink }

// Set fails: rtnetlink is Linux only.
func Set(ctx context.Context, name string, cfg Config) error { return errNoNetlink }
