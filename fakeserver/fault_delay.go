package fakeserver

import (
	"context"
	"time"
)

// delays reports whether the rule delays the request before handling.
func (f *Fault) delays() bool { return f.rule.Action == ActionDelay }

// delay waits the rule's Delay in real time (never the injected clock: a delay on
// a fake clock never returns). ok is false when the client went away or the
// server closed.
func (f *Fault) delay(ctx context.Context, closing <-chan struct{}) (ok bool) {
	if f.rule.Delay <= 0 {
		return true
	}
	t := time.NewTimer(f.rule.Delay)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-closing:
		return false
	}
}
