package scenarios

import (
	"context"
	"fmt"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// pollEvery is how often orchestration looks at the journal while it waits for a
// condition; every such wait is also bounded by the hold bound or the deadline.
const pollEvery = 2 * time.Millisecond

// Gate sends calls in parallel behind the parallel gate of spec/scenarios.md (rows
// marked ⧉): the first sends are held before handling until all of them arrived (or
// the hold bound passed) and released together; every refresh is held before handling
// until each released first send was answered. The order is thereby fixed whatever
// the client's scheduling: all first sends meet the dead token, then the refresh runs.
func (s *Session) Gate(calls []cut.Call) []*Pending {
	counts := map[[2]string]int{}
	for _, c := range calls {
		counts[[2]string{c.Method, c.Path}]++
	}
	var gates []*fakeserver.Fault
	var want []int
	for k, n := range counts {
		gates = append(gates, s.Server.AddFault(fakeserver.Rule{Method: k[0], Path: k[1], Times: n, Action: fakeserver.ActionHoldBefore}))
		want = append(want, n)
	}
	refresh := s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: PathRefresh, Action: fakeserver.ActionHoldBefore})
	mark := s.Mark()
	ps := s.GoAll(calls)

	arrived, cancel := context.WithTimeout(s.ctx, s.opts.HoldBound)
	for i, g := range gates {
		_ = g.WaitHeld(arrived, want[i]) // past the bound, judge whatever arrived
	}
	cancel()
	for _, g := range gates {
		g.Release()
	}
	s.waitUntil(s.opts.HoldBound, func(j fakeserver.Journal) bool {
		for _, e := range j.Since(mark) {
			if e.Path != PathRefresh && e.Pending && e.Fault != "" {
				return false
			}
		}
		return true
	})
	refresh.Release()
	return ps
}

// waitHeld waits until rule f holds n requests, or every pending has settled (a
// client that never sends what the rule waits for is judged, not waited for until
// the deadline), or the scenario ends. It reports whether the requests were held.
func (s *Session) waitHeld(f *fakeserver.Fault, n int, ps ...*Pending) bool {
	for {
		if f.Held() >= n {
			return true
		}
		settled := true
		for _, p := range ps {
			settled = settled && p.Done()
		}
		if settled || s.ctx.Err() != nil {
			return false
		}
		time.Sleep(pollEvery)
	}
}

// waitUntil polls the journal until cond holds, the bound passes or the scenario ends.
func (s *Session) waitUntil(bound time.Duration, cond func(fakeserver.Journal) bool) bool {
	limit := time.Now().Add(bound)
	for {
		if cond(s.Server.Journal()) {
			return true
		}
		if time.Now().After(limit) || s.ctx.Err() != nil {
			return false
		}
		time.Sleep(pollEvery)
	}
}

// ExpectGatePass judges a gated phase: one refresh (reqRefresh); every send answered
// 401 with the old token is replayed once with the refreshed token in a single
// Authorization header (reqReplay); a call not answered 401 carried the refreshed
// token on its first send; no call is sent more than that, and POST bodies are
// preserved per call (reqBody); every caller got a 2xx (reqRefresh).
func (s *Session) ExpectGatePass(j fakeserver.Journal, calls []cut.Call, replies []cut.Reply, old, reqRefresh, reqReplay, reqBody string) string {
	s.ExpectRefreshes(j, 1, reqRefresh)
	fresh := issuedBy(j)
	for _, g := range groupCalls(calls) {
		sends := sendsOf(j, g.call)
		olds := sends.WithAccess(old)
		news := sends.WithAccess(fresh)
		s.Check(len(olds.WithStatus(401)) == len(olds), reqReplay, "every send with "+old+" answered 401",
			"%s", tokenList(olds))
		s.Check(fresh != "" && len(news) == g.n && len(olds) <= g.n && len(sends) == len(olds)+len(news), reqReplay,
			expectGroup(g, old, fresh), "%s", tokenList(sends))
		multi := news.Where(func(e fakeserver.Entry) bool { return e.AuthorizationHeaders != 1 })
		s.Check(len(multi) == 0, reqReplay, "exactly one Authorization header on every replay", "%s", tokenList(multi))
	}
	if n := len(unmatchedBodies(j, calls)); n > 0 {
		s.Findf(reqBody, "every replay carries its call's identical body",
			"%s carried a body that matches no call", plural(n, "send"))
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
			if gs[i].call.Method == c.Method && gs[i].call.Path == c.Path && jsonEqual(gs[i].call.Body, c.Body) {
				gs[i].n++
				continue next
			}
		}
		gs = append(gs, callGroup{call: c, n: 1})
	}
	return gs
}

func expectGroup(g callGroup, old, fresh string) string {
	return describe(g.call) + " ×" + fmt.Sprint(g.n) + ": each 401 with " + old + " replayed once with " + orNew(fresh) + ", nothing sent more"
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
			if jsonEqual(e.Body, b) {
				return false
			}
		}
		return len(candidates) > 0
	})
}

func firstBad(rs []cut.Reply) string {
	for _, r := range rs {
		if r.Error != "" || r.Status < 200 || r.Status > 299 {
			return replyText(r)
		}
	}
	return "2xx"
}
