package fakeserver

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"time"
)

// Fault is the handle of an installed rule: counters, and Release for holds.
type Fault struct {
	id    int
	rule  Rule
	kind  *faultKind    // what rule.Action does (faultKinds)
	bound time.Duration // auto-release of each held request (Rule.HoldFor, else Options.HoldBound)

	mu        sync.Mutex
	matched   int
	held      int
	waiting   int // held now: in the hold, not yet let go
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

// Released reports whether the rule was released: by Release, ReleaseHolds, or
// its Rule.ReleaseAfter-th hold. A hold that ended on its bound releases nothing.
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

// Waiting is how many requests are in this rule's hold right now: held and not
// yet let go by Release, ReleaseAfter, the hold bound or Close. Held counts them
// all time; Waiting is what a person watching the server wants to release.
func (f *Fault) Waiting() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.waiting
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

// matches reports whether the rule covers a request to path making the auth call
// call (authCall): a rule on an auth call's name covers that call (under oauth2 a
// rule on PathRefresh covers the refresh_token grant at PathToken, and not a
// request to the cookie path itself, which makes no call); a rule on any other path
// covers requests to it.
func (f *Fault) matches(method, path, call string) bool {
	if f.rule.Method != "" && f.rule.Method != method {
		return false
	}
	return f.rule.Path == "" || f.rule.Path == call || f.rule.Path == path && !callNames[path]
}

// faultSet is the installed rules in the order added.
type faultSet struct {
	mu     sync.Mutex
	rules  []*Fault
	nextID int
}

// match counts the request against every rule (in arrival order: the caller holds
// the journal lock that assigned its seq) and returns the rules that act on it.
func (fs *faultSet) match(method, path, call string) []*Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var acting []*Fault
	for _, f := range fs.rules {
		if f.matches(method, path, call) && f.count() {
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

// remove takes the rule with that id out of the set (it matches nothing more) and
// releases what it holds; false when no installed rule has that id.
func (fs *faultSet) remove(id int) bool {
	fs.mu.Lock()
	var found *Fault
	for i, f := range fs.rules {
		if f.id == id {
			found = f
			fs.rules = slices.Delete(fs.rules, i, i+1)
			break
		}
	}
	fs.mu.Unlock()
	if found == nil {
		return false
	}
	found.Release()
	return true
}

// byID is the installed rule with that id, or nil.
func (fs *faultSet) byID(id int) *Fault {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, f := range fs.rules {
		if f.id == id {
			return f
		}
	}
	return nil
}

func (fs *faultSet) len() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.rules)
}

// AddFault installs a rule and returns its handle. Rules act in the order added:
// holds and delays wait first, then the first status or reset rule answers. A
// status outside 200–599 (e.g. 0) answers 503. ReleaseAfter and HoldFor are
// ignored on an action that does not hold (nothing is refused here; the control
// API refuses them).
func (s *Server) AddFault(r Rule) *Fault {
	bound := s.opts.HoldBound
	if r.HoldFor > 0 {
		bound = r.HoldFor
	}
	f := &Fault{rule: r, kind: kindOf(r.Action), bound: bound,
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

// RemoveFault removes the rule with that id, as ClearFaults does for every rule:
// later requests no longer match it and the requests it holds are released. It
// reports whether such a rule was installed (false for an id never given or
// already removed). The handle keeps its counters.
func (s *Server) RemoveFault(id int) bool { return s.faults.remove(id) }

// ReleaseHolds releases every installed rule that holds (ActionHoldBefore,
// ActionHoldResponse), as Fault.Release does, and returns them in the order
// added: their held requests go on, later matches pass. The rules stay installed.
// Rules of other actions are left alone: releasing one would change nothing but
// its Released flag.
func (s *Server) ReleaseHolds() []*Fault {
	var out []*Fault
	for _, f := range s.Faults() {
		if f.kind.holds {
			f.Release()
			out = append(out, f)
		}
	}
	return out
}

// Fault is the handle of the installed rule with that id (Fault.ID), or nil when
// none is installed: the control API names rules by id.
func (s *Server) Fault(id int) *Fault { return s.faults.byID(id) }

// Faults lists the installed rules' handles in the order added.
func (s *Server) Faults() []*Fault {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	return append([]*Fault(nil), s.faults.rules...)
}
