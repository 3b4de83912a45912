package scenarios

import (
	"context"
	"fmt"
	"time"

	"github.com/tokenclock/tokenclock/fakeserver"
)

func concurrency() []Scenario {
	return []Scenario{
		{
			ID: "CONC-01", Title: "10 parallel requests share one refresh",
			Level: Must, Requirements: []string{"RC2", "RC4"}, Family: "conc",
			Play: func(s *Session) { gatedGets(s, 10, "RC4") },
		},
		{
			ID: "CONC-02", Title: "10 parallel GETs and POSTs share one refresh, each POST applied once",
			Level: Must, Requirements: []string{"RC2", "RC5"}, Family: "conc",
			Play: func(s *Session) {
				old := loginLabel(s.Since(0))
				s.Expire()
				calls := GetMes(5)
				for i := 1; i <= 5; i++ {
					calls = append(calls, PostIdea(fmt.Sprintf("CONC-02 #%d", i)))
				}
				mark := s.Mark()
				replies := WaitAll(s.Gate(calls))
				s.ExpectGatePass(s.Since(mark), calls, replies, old, "RC2", "RC5", "RC5")
				for _, c := range calls[5:] {
					n := ideasTitled(s.Server, titleOf(c))
					s.Check(n == 1, "RC5", "each POST's idea exists exactly once", "%d ideas titled %q", n, titleOf(c))
				}
			},
		},
		{
			ID: "CONC-03", Title: "after a shared refresh the next refresh presents the rotated token",
			Level: Must, Requirements: []string{"RC2", "RC8"}, Family: "conc",
			Play: func(s *Session) {
				first := gatedGets(s, 10, "RC2")
				s.Expire()
				mark := s.Mark()
				r := s.Send(GetMe())
				s.ExpectCaller(r, 200, "RC8")
				rotated := issuedRefreshBy(s.Since(0), first)
				rs := s.Since(mark).Refreshes()
				s.Check(len(rs) == 1 && rs[0].RefreshToken == rotated && rs[0].Status == 200, "RC8",
					fmt.Sprintf("the second refresh presents %s and succeeds", orNew(rotated)), "%s", refreshList(s.Since(mark)))
				s.ExpectNoReuse("RC8")
			},
		},
		{
			ID: "CONC-04", Title: "a late 401 for an older token is replayed without a new refresh",
			Level: Should, Requirements: []string{"RC9"}, Family: "conc",
			Play: playLate401,
		},
		{
			ID: "CONC-05", Title: "a request started during a refresh uses its result",
			Level: Should, Requirements: []string{"RC12"}, Family: "conc",
			Play: playDuringRefresh,
		},
		{
			ID: "CONC-06", Title: "a failed refresh settles every waiting request promptly with 401",
			Level: Must, Requirements: []string{"RC7"}, Family: "conc",
			Play: playFailedSharedRefresh,
		},
		{
			ID: "CONC-07", Title: "200 parallel requests share one refresh",
			Level: Must, Requirements: []string{"RC2"}, Family: "conc",
			Play: playParallel(200, 5*time.Second),
		},
	}
}

// playParallel is CONC-07 for n callers: expire → ⧉ n parallel GETs sharing one
// refresh, every caller answered within the real-time bound. The benchmarks play it
// with 1000 and 5000 callers (make bench), from this same code.
func playParallel(n int, within time.Duration) func(*Session) {
	return func(s *Session) {
		start := time.Now()
		gatedGets(s, n, "RC2")
		took := s.lastReply().Sub(start)
		s.Check(took <= within, "RC2", fmt.Sprintf("%d callers answered within %g s", n, within.Seconds()),
			"the last answered after %s", took.Round(time.Millisecond))
	}
}

// gatedGets: expire → ⧉ n parallel GETs, judged as a gate pass with reqReplay for the
// replays. It returns the access label the shared refresh minted.
func gatedGets(s *Session, n int, reqReplay string) string {
	old := loginLabel(s.Since(0))
	s.Expire()
	calls := GetMes(n)
	mark := s.Mark()
	replies := WaitAll(s.Gate(calls))
	return s.ExpectGatePass(s.Since(mark), calls, replies, old, "RC2", reqReplay, "RC5")
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
func playLate401(s *Session) {
	old := loginLabel(s.Since(0))
	s.Expire()
	gate := s.Server.AddFault(fakeserver.Rule{Method: "GET", Path: PathMe, Times: 2, Action: fakeserver.ActionHoldBefore})
	hold := s.Server.AddFault(fakeserver.Rule{Method: "GET", Path: PathMe, After: 1, Times: 1, Action: fakeserver.ActionHoldResponse})
	mark := s.Mark()
	ps := s.GoAll(GetMes(2))
	arrived, cancel := context.WithTimeout(s.ctx, s.opts.HoldBound)
	_ = gate.WaitHeld(arrived, 2)
	cancel()
	gate.Release()
	s.waitHeld(hold, 1, ps...)
	s.waitUntil(s.opts.HoldBound, func(j fakeserver.Journal) bool {
		phase := j.Since(mark)
		fresh := issuedBy(phase)
		if fresh != "" && len(sendsOf(phase, GetMe()).WithAccess(fresh).WithStatus(200)) > 0 {
			return true
		}
		// A client that will not refresh or replay: one caller settled and nothing
		// but the held 401 in flight.
		inFlight := phase.Where(func(e fakeserver.Entry) bool { return e.Pending })
		return (ps[0].Done() || ps[1].Done()) && len(inFlight) <= 1
	})
	hold.Release()
	replies := WaitAll(ps)
	phase := s.Since(mark)
	s.ExpectRefreshes(phase, 1, "RC9")
	fresh := issuedBy(phase)
	sends := sendsOf(phase, GetMe())
	s.Check(len(sends.WithAccess(old)) == 2 && len(sends.WithAccess(fresh)) == 2 && len(sends) == 4, "RC9",
		fmt.Sprintf("both 401s with %s replayed once with %s", old, orNew(fresh)), "%s", tokenList(sends))
	for _, r := range replies {
		s.ExpectCaller(r, 200, "RC9")
	}
}

// playDuringRefresh is CONC-05: a GET's refresh is held before handling; a new GET is
// sent during the hold; the hold is released when that GET's first send arrives, or
// 200 ms after its command.
func playDuringRefresh(s *Session) {
	s.Expire()
	hold := s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: PathRefresh, Times: 1, Action: fakeserver.ActionHoldBefore})
	mark := s.Mark()
	first := s.Go(GetMe())
	s.waitHeld(hold, 1, first)
	during := s.Mark()
	second := s.Go(GetMe())
	s.waitUntil(200*time.Millisecond, func(j fakeserver.Journal) bool { return len(sendsOf(j.Since(during), GetMe())) > 0 })
	hold.Release()
	r1, r2 := first.Wait(), second.Wait()
	phase := s.Since(mark)
	s.ExpectRefreshes(phase, 1, "RC12")
	fresh := issuedBy(phase)
	late := sendsOf(s.Since(during), GetMe())
	ok := fresh != "" && len(late.WithAccess(fresh)) == 2 && len(late) <= 3 &&
		len(late.WithStatus(401)) == len(late)-2
	s.Check(ok, "RC12", fmt.Sprintf("the new GET carries %s on its first send, or is answered 401 and replayed with it", orNew(fresh)),
		"sends after the refresh started: %s", tokenList(late))
	s.ExpectCaller(r1, 200, "RC12")
	s.ExpectCaller(r2, 200, "RC12")
}

// playFailedSharedRefresh is CONC-06: the refresh answers 401; ⧉ 5 parallel GETs.
func playFailedSharedRefresh(s *Session) {
	old := loginLabel(s.Since(0))
	s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: PathRefresh, Action: fakeserver.ActionStatus, Status: 401})
	s.Expire()
	mark := s.Mark()
	ps := s.Gate(GetMes(5))
	failed, ok := s.AwaitFailedRefresh(mark, ps, "RC7")
	s.ExpectRefreshes(s.Since(mark), 1, "RC7")
	for _, p := range ps {
		s.ExpectCaller(p.Wait(), 401, "RC7")
	}
	if !ok {
		return
	}
	s.NothingAfter("RC7")
	// The refresh calls themselves are judged by the refresh count, not here.
	dead := s.Server.Journal().ArrivedAfter(failed).Where(func(e fakeserver.Entry) bool {
		return e.AccessToken == old && e.Path != PathRefresh
	})
	s.Check(len(dead) == 0, "RC7", "no request carrying "+old+" after the refresh failed", "%s", entryList(dead))
}
