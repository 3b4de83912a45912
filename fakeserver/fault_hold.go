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
	holds:   true,
	before:  (*Fault).hold,
	// "Hold, then answer": only a request this rule really held; once released,
	// its later matches pass.
	answers: func(f *Fault, rq *request) answer {
		if f.rule.Status != 0 && rq.waitedOn(f) {
			return answerStatus
		}
		return answerNone
	},
	control: func(c controlFields, r *Rule) error {
		r.Status = c.status // hold, then answer it, as through the Go API
		return holdControl(c, r)
	},
}

// holdControl admits a holding rule over the control API only with releaseAfter:
// there is no handle to release it over HTTP, so the rule must release itself.
// Fewer requests than releaseAfter still end at the hold bound or DELETE
// /_tokenclock/faults, so nothing waits for ever.
func holdControl(c controlFields, r *Rule) error {
	if c.releaseAfter == 0 {
		return badControl(`action %q without "releaseAfter" is only available through the Go API: a held request needs the handle AddFault returns to release it (with "releaseAfter": N the rule releases itself once it holds N requests)`, r.Action)
	}
	if r.Times > 0 && c.releaseAfter > r.Times {
		return badControl(`"releaseAfter" must be at most "times" (%d): the rule holds at most that many requests, so it would never release itself`, r.Times)
	}
	r.ReleaseAfter = c.releaseAfter
	return nil
}

// hold keeps the current request waiting until the rule is released, the hold
// bound (real time) passes after it was held, or the server closes. A client that
// goes away meanwhile does not end the hold: a real server cannot know, so the
// request is still handled on release (a refresh still rotates) and its entry says
// clientGone. A rule released before the request got here does not hold it (acted
// is false). The request that brings the count to Rule.ReleaseAfter releases the
// rule: it counts as held (journal "hold") and goes on at once with the others. ok
// is false when the request must be abandoned (Close).
func (f *Fault) hold(ctx context.Context, closing <-chan struct{}) (acted, ok bool) {
	f.mu.Lock()
	if f.released {
		f.mu.Unlock()
		return false, true
	}
	f.held++
	close(f.heldCh)
	f.heldCh = make(chan struct{})
	if f.rule.ReleaseAfter > 0 && f.held >= f.rule.ReleaseAfter {
		f.releaseLocked()
	}
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
