package fakeserver

import "context"

// holdsResponse reports whether the rule lets the request be handled for real (a
// refresh rotates and issues tokens) and holds the response (ActionHoldResponse).
func (f *Fault) holdsResponse() bool { return f.rule.Action == ActionHoldResponse }

// holdResponse waits with the handled response buffered; the same release, bound
// and abandon rules as a hold before handling apply.
func (f *Fault) holdResponse(ctx context.Context, closing <-chan struct{}) (acted, ok bool) {
	return f.hold(ctx, closing)
}
