package fakeserver

import (
	"context"
	"reflect"
	"sync"
	"time"
)

// Fault is the handle of an installed rule: counters, and Release for holds.
type Fault struct {
	id    int
	rule  Rule
	kind  *faultKind    // what rule.Action does (faultKinds)
	bound time.Duration // auto-release of each held request (Options.HoldBound)

	mu        sync.Mutex
	matched   int
	held      int
	released  bool
	releaseCh chan struct{} // closed by Release
	heldCh    chan struct{} // closed and replaced each time a request is held
}

// ID is the rule's id (control API); ids count from 1 and are never reused.
func (f *Fault) ID() int { return f.id }

// Rule returns the rule as installed.
func (f *Fault) Rule() Rule { return f.rule }

// Release lets every request held by this rule go, and every later match pass
// unheld (a released rule stays open). Idempotent.
func (f *Fault) Release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.releaseLocked()
}

// releaseLocked is Release for a caller that holds f.mu (a hold reaching
// Rule.ReleaseAfter).
func (f *Fault) releaseLocked() {
	if !f.released {
		f.released = true
		close(f.releaseCh)
	}
}

// Released reports whether Release was called.
func (f *Fault) Released() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.released
}

// Held is how many requests this rule has held so far (cumulative).
func (f *Fault) Held() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.held
}

// WaitHeldTotal blocks until the rules together have held at least n requests, or
// ctx ends (its error is returned): a gate over several kinds of request, when the
// client may send any n of them first (a browser's six connections).
func WaitHeldTotal(ctx context.Context, n int, faults ...*Fault) error {
	for {
		total := 0
		cases := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())}}
		for _, f := range faults {
			f.mu.Lock()
			total += f.held
			cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(f.heldCh)})
			f.mu.Unlock()
		}
		if total >= n {
			return nil
		}
		if chosen, _, _ := reflect.Select(cases); chosen == 0 {
			return ctx.Err()
		}
	}
}

// WaitHeld blocks until at least n requests have been held by this rule, or ctx
// ends (its error is returned).
func (f *Fault) WaitHeld(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		held, ch := f.held, f.heldCh
		f.mu.Unlock()
		if held >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Matched is how many requests have matched this rule so far (acted on or not).
func (f *Fault) Matched() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.matched
}

// count records one more match and says whether this one is in the rule's window:
// skip After, then the next Times (0: every match from then on).
func (f *Fault) count() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.matched++
	n := f.matched
	// n-After, not After+Times: a rule with huge After and Times must not overflow
	// into a window that never opens.
	return n > f.rule.After && (f.rule.Times <= 0 || n-f.rule.After <= f.rule.Times)
}

// matches reports whether the rule applies to method and path ("" matches any).
func (f *Fault) matches(method, path string) bool {
	return (f.rule.Method == "" || f.rule.Method == method) && (f.rule.Path == "" || f.rule.Path == path)
}

// faultSet is the installed rules in the order added.
type faultSet struct {
	mu     sync.Mutex
	rules  []*Fault
	nextID int
}

// match counts the request against every rule (in arrival order: the caller holds
// the journal lock that assigned its seq) and returns the rules that act on it.
func (fs *faultSet) match(method, path string) []*Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var acting []*Fault
	for _, f := range fs.rules {
		if f.matches(method, path) && f.count() {
			acting = append(acting, f)
		}
	}
	return acting
}

// clear removes every rule and releases what they hold.
func (fs *faultSet) clear() {
	fs.mu.Lock()
	rules := fs.rules
	fs.rules = nil
	fs.mu.Unlock()
	for _, f := range rules {
		f.Release()
	}
}

func (fs *faultSet) len() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.rules)
}

// AddFault installs a rule and returns its handle. Rules act in the order added:
// holds and delays wait first, then the first status or reset rule answers. A
// status outside 200–599 (e.g. 0) answers 503. ReleaseAfter is ignored on an
// action that does not hold (nothing is refused here; the control API refuses it).
func (s *Server) AddFault(r Rule) *Fault {
	f := &Fault{rule: r, kind: kindOf(r.Action), bound: s.opts.HoldBound,
		releaseCh: make(chan struct{}), heldCh: make(chan struct{})}
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.nextID++
	f.id = s.faults.nextID
	s.faults.rules = append(s.faults.rules, f)
	return f
}

// ClearFaults removes every rule and releases every held request (they go on to be
// handled, or answered if their rule also sets a status).
func (s *Server) ClearFaults() { s.faults.clear() }

// Faults lists the installed rules' handles in the order added.
func (s *Server) Faults() []*Fault {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return append([]*Fault(nil), s.faults.rules...)
}
