package scenarios

import (
	"context"
	"fmt"
	"github.com/tokenclock/tokenclock/conformance"
	"time"

	"github.com/tokenclock/tokenclock/fakeserver"
)

func concurrency() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "CONC-01", Title: "10 parallel requests share one refresh",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC2, conformance.RC4}, Family: "conc",
			Play: func(s *conformance.Session) { gatedGets(s, 10, conformance.RC4) },
		},
		{
			ID: "CONC-02", Title: "10 parallel GETs and POSTs share one refresh, each POST applied once",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC2, conformance.RC5}, Family: "conc",
			Play: func(s *conformance.Session) {
				old := loginLabel(s.Since(0))
				s.Expire()
				calls := GetMes(5)
				for i := 1; i <= 5; i++ {
					calls = append(calls, PostIdea(fmt.Sprintf("CONC-02 #%d", i)))
				}
				mark := s.Mark()
				replies := conformance.WaitAll(s.Gate(calls))
				if s.ExpectGatePass(s.Since(mark), calls, replies, old, conformance.RC2, conformance.RC5, conformance.RC5) == "" {
					return // a refresh storm: reported once, as RC2
				}
				for _, c := range calls[5:] {
					n := ideasTitled(s.Server, titleOf(c))
					s.Check(n == 1, conformance.RC5, "each POST's idea exists exactly once", "%d ideas titled %q", n, titleOf(c))
				}
			},
		},
		{
			ID: "CONC-03", Title: "after a shared refresh the next refresh presents the rotated token",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC2, conformance.RC8}, Family: "conc",
			Play: func(s *conformance.Session) {
				first := gatedGets(s, 10, conformance.RC2)
				if first == "" {
					return // a refresh storm: reported once, as RC2
				}
				s.Expire()
				mark := s.Mark()
				r := s.Send(GetMe())
				s.ExpectCaller(r, 200, conformance.RC8)
				rotated := issuedRefreshBy(s.Since(0), first)
				rs := s.Since(mark).Refreshes()
				s.Check(len(rs) == 1 && rs[0].RefreshToken == rotated && rs[0].Status == 200, conformance.RC8,
					fmt.Sprintf("the second refresh presents %s and succeeds", conformance.OrNew(rotated)), "%s", conformance.RefreshList(s.Since(mark)))
				s.ExpectNoReuse(conformance.RC8)
			},
		},
		{
			ID: "CONC-04", Title: "a late 401 for an older token is replayed without a new refresh",
			Level: conformance.Should, Requirements: []conformance.RequirementID{conformance.RC9}, Family: "conc",
			Play: playLate401,
		},
		{
			ID: "CONC-05", Title: "a request started during a refresh uses its result",
			Level: conformance.Should, Requirements: []conformance.RequirementID{conformance.RC12}, Family: "conc",
			Play: playDuringRefresh,
		},
		{
			ID: "CONC-06", Title: "a failed refresh settles every waiting request promptly with 401",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC2, conformance.RC7}, Family: "conc",
			Play: playFailedSharedRefresh,
		},
		{
			ID: "CONC-07", Title: "200 parallel requests share one refresh",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC2}, Family: "conc",
			Play: playParallel(200, 5*time.Second),
		},
	}
}

// playParallel is CONC-07 for n callers: expire → ⧉ n parallel GETs sharing one
// refresh, every caller answered within the real-time bound. The benchmarks play it
// with 1000 and 5000 callers (make bench), from this same code.
func playParallel(n int, within time.Duration) func(*conformance.Session) {
	return func(s *conformance.Session) {
		start := time.Now()
		gatedGets(s, n, conformance.RC2)
		took := s.LastReply().Sub(start)
		s.Check(took <= within, conformance.RC2, fmt.Sprintf("%d callers answered within %g s", n, within.Seconds()),
			"the last answered after %s", took.Round(time.Millisecond))
	}
}

// gatedGets: expire → ⧉ n parallel GETs, judged as a gate pass with reqReplay for the
// replays. It returns the access label the shared refresh minted.
func gatedGets(s *conformance.Session, n int, reqReplay conformance.RequirementID) string {
	old := loginLabel(s.Since(0))
	s.Expire()
	calls := GetMes(n)
	mark := s.Mark()
	replies := conformance.WaitAll(s.Gate(calls))
	return s.ExpectGatePass(s.Since(mark), calls, replies, old, conformance.RC2, reqReplay, conformance.RC5)
}

// issuedRefreshBy is the refresh-token label minted together with access label a.
func issuedRefreshBy(j fakeserver.Journal, access string) string {
	for _, e := range j {
		if e.IssuedAccess == access && access != "" {
			return e.IssuedRefresh
		}
	}
	return ""
}

// playLate401 is CONC-04: two parallel GETs with the expired token; the 401 to the
// second is held (response hold) until the first's refresh and replay completed.
// Both first sends are gated (held before handling until both arrived) so that,
// however late the client schedules the second, both carry the expired token and the
// response hold falls on the second first send, never on the first GET's replay.
func playLate401(s *conformance.Session) {
	old := loginLabel(s.Since(0))
	s.Expire()
	gate := s.Server.AddFault(fakeserver.Rule{Method: "GET", Path: fakeserver.PathMe, Times: 2, Action: fakeserver.ActionHoldBefore})
	hold := s.Server.AddFault(fakeserver.Rule{Method: "GET", Path: fakeserver.PathMe, After: 1, Times: 1, Action: fakeserver.ActionHoldResponse})
	mark := s.Mark()
	ps := s.GoAll(GetMes(2))
	arrived, cancel := context.WithTimeout(s.Context(), s.Limits().HoldBound)
	_ = gate.WaitHeld(arrived, 2)
	cancel()
	s.ExpectArrived(gate.Held(), s.Concurrency(2), 2)
	gate.Release()
	s.WaitHeld(hold, 1, ps...)
	late := s.WaitUntil(s.Limits().HoldBound, func(j fakeserver.Journal) bool {
		phase := j.Since(mark)
		fresh := conformance.IssuedBy(phase)
		if fresh != "" && len(conformance.SendsOf(phase, GetMe()).WithAccess(fresh).WithStatus(200)) > 0 {
			return true
		}
		// A client that will not refresh or replay: one caller settled and nothing
		// but the held 401 in flight.
		inFlight := phase.Where(func(e fakeserver.Entry) bool { return e.Pending })
		return (ps[0].Done() || ps[1].Done()) && len(inFlight) <= 1
	})
	if !late {
		s.Inconclusive(fmt.Sprintf("the first GET's refresh and replay did not finish within the hold bound (%s): "+
			"the held 401 was never late", s.Limits().HoldBound))
	}
	hold.Release()
	replies := conformance.WaitAll(ps)
	phase := s.Since(mark)
	s.ExpectRefreshes(phase, 1, conformance.RC9)
	fresh := conformance.IssuedBy(phase)
	sends := conformance.SendsOf(phase, GetMe())
	s.Check(len(sends.WithAccess(old)) == 2 && len(sends.WithAccess(fresh)) == 2 && len(sends) == 4, conformance.RC9,
		fmt.Sprintf("both 401s with %s replayed once with %s", old, conformance.OrNew(fresh)), "%s", conformance.TokenList(sends))
	for _, r := range replies {
		s.ExpectCaller(r, 200, conformance.RC9)
	}
}

// playDuringRefresh is CONC-05: a GET's refresh is held before handling; a new GET is
// sent during the hold; the hold is released when that GET's first send arrives, or
// 200 ms after its command.
func playDuringRefresh(s *conformance.Session) {
	s.Expire()
	hold := s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Times: 1, Action: fakeserver.ActionHoldBefore})
	mark := s.Mark()
	first := s.Go(GetMe())
	s.WaitHeld(hold, 1, first)
	during := s.Mark()
	second := s.Go(GetMe())
	s.WaitUntil(200*time.Millisecond, func(j fakeserver.Journal) bool { return len(conformance.SendsOf(j.Since(during), GetMe())) > 0 })
	hold.Release()
	r1, r2 := first.Wait(), second.Wait()
	phase := s.Since(mark)
	s.ExpectRefreshes(phase, 1, conformance.RC12)
	fresh := conformance.IssuedBy(phase)
	late := conformance.SendsOf(s.Since(during), GetMe())
	ok := fresh != "" && len(late.WithAccess(fresh)) == 2 && len(late) <= 3 &&
		len(late.WithStatus(401)) == len(late)-2
	s.Check(ok, conformance.RC12, fmt.Sprintf("the new GET carries %s on its first send, or is answered 401 and replayed with it", conformance.OrNew(fresh)),
		"sends after the refresh started: %s", conformance.TokenList(late))
	s.ExpectCaller(r1, 200, conformance.RC12)
	s.ExpectCaller(r2, 200, conformance.RC12)
}

// playFailedSharedRefresh is CONC-06: the refresh answers 401; ⧉ 5 parallel GETs.
func playFailedSharedRefresh(s *conformance.Session) {
	old := loginLabel(s.Since(0))
	s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Action: fakeserver.ActionStatus, Status: 401})
	s.Expire()
	mark := s.Mark()
	ps := s.Gate(GetMes(5))
	failed, ok := s.AwaitFailedRefresh(mark, ps, conformance.RC7)
	s.ExpectRefreshes(s.Since(mark), 1, conformance.RC2) // exactly one refresh is RC2's rule, whatever its answer
	for _, p := range ps {
		s.ExpectCaller(p.Wait(), 401, conformance.RC7)
	}
	if !ok {
		return
	}
	s.NothingAfter(conformance.RC7)
	// The refresh calls themselves are judged by the refresh count, not here.
	dead := s.Server.Journal().ArrivedAfter(failed).Where(func(e fakeserver.Entry) bool {
		return e.AccessToken == old && e.Call() != fakeserver.PathRefresh
	})
	s.Check(len(dead) == 0, conformance.RC7, "no request carrying "+old+" after the refresh failed", "%s", conformance.EntryList(dead))
}
