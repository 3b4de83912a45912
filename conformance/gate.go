package conformance

import (
	"context"
	"fmt"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// Gate sends calls in parallel behind the parallel gate (catalog rows marked ⧉): the
// first sends are held before handling until all of them arrived (or the hold bound
// passed) and released together; every refresh is held before handling until each
// released first send was answered and the client could act on its 401. The order is
// thereby fixed whatever the client's scheduling: all first sends meet the dead
// token, then the refresh runs.
//
// When fewer first sends arrive than the gate needs (a driver that answers commands
// one at a time), the row tested no concurrency: the scenario ends inconclusive.
func (s *Session) Gate(calls []cut.Call) []*Pending {
	counts := map[[2]string]int{}
	var keys [][2]string
	for _, c := range calls {
		k := [2]string{c.Method, c.Path}
		if counts[k] == 0 {
			keys = append(keys, k)
		}
		counts[k]++
	}
	need := s.Concurrency(len(calls))
	var gates []*fakeserver.Fault
	for _, k := range keys {
		gates = append(gates, s.Server.AddFault(fakeserver.Rule{Method: k[0], Path: k[1], Times: counts[k], Action: fakeserver.ActionHoldBefore}))
	}
	// A second refresh proves there is no single flight (or, across tabs, no
	// coordination): the server lets both go together the moment it holds two, so
	// they present the same refresh token.
	refresh := s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh,
		Action: fakeserver.ActionHoldBefore, ReleaseAfter: 2})
	mark := s.Mark()
	acted := s.acted401()
	ps := s.GoAll(calls)

	// Any need of the first sends will do: a client with a cap (a browser) picks which
	// of the calls go out first.
	arrived, cancel := context.WithTimeout(s.ctx, s.opts.HoldBound)
	_ = fakeserver.WaitHeldTotal(arrived, need, gates...) // past the bound, judge whatever arrived
	cancel()
	got := 0
	for _, g := range gates {
		got += g.Held()
	}
	s.ExpectArrived(got, need, len(calls))
	for _, g := range gates {
		g.Release()
	}
	s.settleRefresh(mark, acted, got)
	refresh.Release()
	return ps
}

// Concurrency is how many of n parallel first sends the client can have in flight:
// n, or less when its kind declares a cap (hello's maxConcurrency: a browser keeps six
// connections per host). A cap below two leaves nothing parallel to test: the
// scenario is inconclusive.
func (s *Session) Concurrency(n int) int {
	limit := s.client.Hello().MaxConcurrency
	switch {
	case limit <= 0 || limit >= n:
		return n
	case limit < 2:
		s.Inconclusive(fmt.Sprintf("the client declares maxConcurrency %d: a parallel row needs at least 2 requests in flight", limit))
	}
	return limit
}

// ExpectArrived records the gate's precondition: got of the n parallel first sends
// arrived within the hold bound, and the row needs at least need of them. Fewer
// means the client never had the requests in flight together (a driver that answers
// commands one at a time): the scenario is inconclusive, never passed.
func (s *Session) ExpectArrived(got, need, n int) {
	if got >= need || s.ctx.Err() != nil {
		return
	}
	s.Inconclusive(fmt.Sprintf("%d of %d first sends arrived within the hold bound (%s); the driver answered "+
		"commands one at a time — protocol v1 requires starting each command as it arrives", got, n, s.opts.HoldBound))
}

// settleRefresh holds the gate's refresh until the client could have acted on every
// 401 its first sends got: first until the released first sends were all answered,
// then, for an in-process client, until it reported acting on each of those 401s; a
// driver process gets the settle window instead. A second refresh arriving ends the
// wait at once: it proves there is no single flight.
func (s *Session) settleRefresh(mark, acted0, firstSends int) {
	secondRefresh := func(j fakeserver.Journal) bool { return len(j.Since(mark).Refreshes()) >= 2 }
	answered401 := 0
	s.WaitUntil(s.opts.HoldBound, func(j fakeserver.Journal) bool {
		answered, got401 := 0, 0
		for _, e := range j.Since(mark) {
			if e.Call() == fakeserver.PathRefresh || e.Pending {
				continue
			}
			answered++
			if AuthFailed(e) {
				got401++
			}
		}
		answered401 = got401
		return answered >= firstSends || secondRefresh(j)
	})
	if s.observed {
		s.WaitUntil(s.opts.HoldBound, func(j fakeserver.Journal) bool {
			return secondRefresh(j) || s.acted401()-acted0 >= answered401
		})
		return
	}
	s.WaitUntil(s.opts.SettleWindow, secondRefresh)
}

// ReleaseAndSettle releases held (the first sends a row held), then waits as the
// parallel gate does until the client could act on the 401s of the n first sends
// after mark: a refresh the row holds is then released into a settled client. A
// second refresh ends the wait at once.
func (s *Session) ReleaseAndSettle(held *fakeserver.Fault, mark, n int) {
	acted := s.acted401()
	held.Release()
	s.settleRefresh(mark, acted, n)
}

// SettleEarly keeps an early (clock-driven) refresh that hold holds until every one
// of n callers could have decided to wait for it: for an in-process client, until it
// reported n calls waiting on a refresh before sending; a driver process gets the
// settle window. A second refresh, or the hold releasing itself (its ReleaseAfter),
// ends the wait at once: the single flight is already broken.
func (s *Session) SettleEarly(hold *fakeserver.Fault, n int) {
	broken := func(fakeserver.Journal) bool { return hold.Held() >= 2 || hold.Released() }
	if s.observed {
		s.WaitUntil(s.opts.HoldBound, func(j fakeserver.Journal) bool { return broken(j) || s.earlyActed() >= n })
		return
	}
	s.WaitUntil(s.opts.SettleWindow, broken)
}

// WaitHeld waits until rule f holds n requests, or every pending has settled (a
// client that never sends what the rule waits for is judged, not waited for until
// the deadline), or the scenario ends. It reports whether the requests were held.
func (s *Session) WaitHeld(f *fakeserver.Fault, n int, ps ...*Pending) bool {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	go func() {
		for _, p := range ps {
			select {
			case <-p.done:
			case <-ctx.Done():
				return
			}
		}
		cancel() // every pending settled: nothing more will arrive for the rule
	}()
	return f.WaitHeld(ctx, n) == nil || f.Held() >= n
}

// WaitUntil waits until cond holds on the journal, the real-time bound passes or the
// scenario ends, re-checking on every journal change and every response an
// in-process client reports. It reports whether cond held.
func (s *Session) WaitUntil(bound time.Duration, cond func(fakeserver.Journal) bool) bool {
	ctx, cancel := context.WithTimeout(s.ctx, bound)
	defer cancel()
	w := s.Server.WatchJournal()
	for {
		poked := s.changed() // before the snapshot, so no poke falls between them
		snap, changed := w.Next()
		if cond(snap) {
			return true
		}
		select {
		case <-changed:
		case <-poked:
		case <-ctx.Done():
			return cond(s.Server.Journal())
		}
	}
}

// ExpectGatePass judges a gated phase: one refresh (reqRefresh); every send answered
// 401 with the old token is replayed once with the refreshed token in a single
// Authorization header (reqReplay); a call not answered 401 carried the refreshed
// token on its first send; no call is sent more than that, and POST bodies are
// preserved per call (reqBody); every caller got a 2xx (reqRefresh). It returns the
// access label the shared refresh minted.
//
// A refresh storm (more than one refresh) is one finding, not one per consequence:
// the replays, bodies and callers it broke are not judged again, and "" is returned
// so the row can skip what depends on the one refresh.
func (s *Session) ExpectGatePass(j fakeserver.Journal, calls []cut.Call, replies []cut.Reply, old string, reqRefresh, reqReplay, reqBody RequirementID) string {
	if !s.ExpectRefreshes(j, 1, reqRefresh) && len(j.Refreshes()) > 1 {
		return ""
	}
	fresh := IssuedBy(j)
	for _, g := range groupCalls(calls) {
		sends := SendsOf(j, g.call)
		olds := sends.WithAccess(old)
		news := sends.WithAccess(fresh)
		s.Check(len(olds.Where(AuthFailed)) == len(olds), reqReplay, "every send with "+old+" answered with the auth-failure signal",
			"%s", TokenList(olds))
		s.Check(fresh != "" && len(news) == g.n && len(olds) <= g.n && len(sends) == len(olds)+len(news), reqReplay,
			expectGroup(g, old, fresh), "%s", TokenList(sends))
		multi := news.Where(func(e fakeserver.Entry) bool { return e.AuthorizationHeaders != 1 })
		s.Check(len(multi) == 0, reqReplay, "exactly one Authorization header on every replay", "%s", TokenList(multi))
	}
	if n := len(unmatchedBodies(j, calls)); n > 0 {
		s.Findf(reqBody, "every replay carries its call's identical body",
			"%s carried a body that matches no call", Plural(n, "send"))
	}
	bad := 0
	for _, r := range replies {
		if r.Error != "" || r.Status < 200 || r.Status > 299 {
			bad++
		}
	}
	s.Check(bad == 0, reqRefresh, "every caller gets its 2xx", "%d of %d callers got %s", bad, len(replies), firstBad(replies))
	return fresh
}

type callGroup struct {
	call cut.Call
	n    int
}

// groupCalls groups identical calls (same method, path and body): the journal cannot
// tell them apart, so they are judged by counts.
func groupCalls(calls []cut.Call) []callGroup {
	var gs []callGroup
next:
	for _, c := range calls {
		for i := range gs {
			if gs[i].call.Method == c.Method && gs[i].call.Path == c.Path && JSONEqual(gs[i].call.Body, c.Body) {
				gs[i].n++
				continue next
			}
		}
		gs = append(gs, callGroup{call: c, n: 1})
	}
	return gs
}

func expectGroup(g callGroup, old, fresh string) string {
	return CallText(g.call) + " ×" + fmt.Sprint(g.n) + ": each 401 with " + old + " replayed once with " + OrNew(fresh) + ", nothing sent more"
}

// unmatchedBodies are the sends, to a method and path the calls use with a body,
// whose body is JSON-equal to none of those calls' bodies (a lost or altered body).
//
// The bodies are indexed by method and path first: comparing every entry with every
// call was quadratic, and took a third of a 5000-caller gate (docs/performance.md).
func unmatchedBodies(j fakeserver.Journal, calls []cut.Call) fakeserver.Journal {
	bodies := map[[2]string][][]byte{}
	for _, c := range calls {
		if len(c.Body) > 0 {
			k := [2]string{c.Method, c.Path}
			bodies[k] = append(bodies[k], c.Body)
		}
	}
	if len(bodies) == 0 {
		return fakeserver.Journal{}
	}
	return j.Where(func(e fakeserver.Entry) bool {
		candidates := bodies[[2]string{e.Method, e.Path}]
		for _, b := range candidates {
			if JSONEqual(e.Body, b) {
				return false
			}
		}
		return len(candidates) > 0
	})
}

func firstBad(rs []cut.Reply) string {
	for _, r := range rs {
		if r.Error != "" || r.Status < 200 || r.Status > 299 {
			return ReplyText(r)
		}
	}
	return "2xx"
}
