package fakeserver

import (
	"context"
	"time"
)

// ActionHoldBefore holds the request unhandled until released (or HoldBound).
// With Status set, the held request is then answered Status instead of handled.
const ActionHoldBefore Action = "hold"

var holdBeforeKind = faultKind{
	action:  ActionHoldBefore,
	journal: "hold",
	before:  (*Fault).hold,
	// "Hold, then answer": only a request this rule really held; once released,
	// its later matches pass.
	answers: func(f *Fault, rq *request) answer {
		if f.rule.Status != 0 && rq.waitedOn(f) {
			return answerStatus
		}
		return answerNone
	},
}

// hold keeps the current request waiting until the rule is released, the hold
// bound (real time) passes after it was held, or the server closes. A client that
// goes away meanwhile does not end the hold: a real server cannot know, so the
// request is still handled on release (a refresh still rotates) and its entry says
// clientGone. A rule released before the request got here does not hold it (acted
// is false). ok is false when the request must be abandoned (Close).
func (f *Fault) hold(ctx context.Context, closing <-chan struct{}) (acted, ok bool) {
	f.mu.Lock()
	if f.released {
		f.mu.Unlock()
		return false, true
	}
	f.held++
	close(f.heldCh)
	f.heldCh = make(chan struct{})
	release := f.releaseCh
	f.mu.Unlock()

	// Real time on purpose: a bound on the injected (fake) clock would never fire.
	bound := time.NewTimer(f.bound)
	defer bound.Stop()
	_ = ctx // see above: the client's going away is noted by the pipeline, not obeyed
	select {
	case <-release:
	case <-bound.C:
	case <-closing:
		return true, false
	}
	return true, true
}
