package fakeserver

import (
	"context"
	"time"
)

// ActionHoldBefore holds the request unhandled until released (or its hold bound:
// Rule.HoldFor, else Options.HoldBound).
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

// holdControl takes a holding rule's own fields from a control API body.
// releaseAfter is optional: a held request can be let go over HTTP (POST
// /_tokenclock/faults/release or faults/remove, DELETE /_tokenclock/faults), and
// each still goes on by itself at its hold bound (holdFor, else the server's), so
// nothing waits for ever.
func holdControl(c controlFields, r *Rule) error {
	if r.Times > 0 && c.releaseAfter > r.Times {
		return badControl(`"releaseAfter" must be at most "times" (%d): the rule holds at most that many requests, so it would never release itself`, r.Times)
	}
	r.ReleaseAfter = c.releaseAfter
	r.HoldFor = c.holdFor
	return nil
}

// hold keeps the current request waiting until the rule is released, the hold
// bound (Rule.HoldFor, else Options.HoldBound; real time) passes after it was
// held, or the server closes; Waiting counts it meanwhile. A client that
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
	f.waiting++
	close(f.heldCh)
	f.heldCh = make(chan struct{})
	if f.rule.ReleaseAfter > 0 && f.held >= f.rule.ReleaseAfter {
		f.releaseLocked()
	}
	release := f.releaseCh
	f.mu.Unlock()
	// However the wait ends, the request has left the hold before it goes on: a
	// client that got its answer never finds itself still counted.
	defer func() {
		f.mu.Lock()
		f.waiting--
		f.mu.Unlock()
	}()

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
