package fakeserver

import (
	"context"
	"time"
)

// ActionDelay waits Delay (real time) before handling.
const ActionDelay Action = "delay"

var delayKind = faultKind{
	action:  ActionDelay,
	journal: "delay",
	before: func(f *Fault, ctx context.Context, closing <-chan struct{}) (acted, ok bool) {
		return true, f.delay(ctx, closing)
	},
	control: func(c controlFields, r *Rule) error {
		if c.delay == nil {
			return badControl(`action "delay" needs "delay", e.g. "2s"`)
		}
		r.Delay = *c.delay
		return nil
	},
}

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
