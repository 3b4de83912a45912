package scenarios

import (
	"time"

	"github.com/tokenclock/tokenclock/fakeserver"
)

func expRefresh() []Scenario {
	return []Scenario{
		{
			ID: "EXP-REFRESH-01", Title: "an expired refresh token ends the request with 401, no loop",
			Level: Must, Requirements: []string{"RC6", "RC7"}, Family: "exp-refresh",
			Play: func(s *Session) {
				s.Server.ExpireRefresh()
				deadRefresh(s)
			},
		},
		{
			ID: "EXP-REFRESH-02", Title: "a revoked refresh family (logout elsewhere) ends the request with 401",
			Level: Must, Requirements: []string{"RC6", "RC7"}, Family: "exp-refresh",
			Play: func(s *Session) {
				s.Expire()
				s.Server.RevokeRefresh(UserEmail)
				deadRefresh(s)
			},
		},
		{
			ID: "EXP-REFRESH-03", Title: "after a terminal refresh failure later calls start no refresh",
			Level: Should, Requirements: []string{"RC10"}, Family: "exp-refresh",
			Play: func(s *Session) {
				s.Server.ExpireRefresh()
				mark := s.Mark()
				s.AwaitFailedRefresh(mark, []*Pending{s.Go(GetMe())}, "RC7")
				s.ExpectRefreshes(s.Since(mark), 1, "RC10")
				mark = s.Mark()
				for i := 0; i < 3; i++ {
					r := s.Send(GetMe())
					s.ExpectCaller(r, 401, "RC10")
				}
				s.NothingAfter("RC10")
				s.ExpectRefreshes(s.Since(mark), 0, "RC10")
			},
		},
		{
			ID: "EXP-REFRESH-04", Title: "a refresh answered 503 once keeps the session",
			Level: Should, Requirements: []string{"RC11"}, Family: "exp-refresh",
			Play: func(s *Session) {
				transientRefresh(s, fakeserver.Rule{Method: "POST", Path: PathRefresh, Times: 1, Action: fakeserver.ActionStatus, Status: 503}, 503)
			},
		},
		{
			ID: "EXP-REFRESH-05", Title: "a refresh whose connection is reset once keeps the session",
			Level: Should, Requirements: []string{"RC11"}, Family: "exp-refresh",
			Play: func(s *Session) {
				transientRefresh(s, fakeserver.Rule{Method: "POST", Path: PathRefresh, Times: 1, Action: fakeserver.ActionReset}, 0)
			},
		},
		{
			ID: "EXP-REFRESH-06", Title: "after a terminal refresh failure a new login works normally",
			Level: Must, Requirements: []string{"RC7"}, Family: "exp-refresh",
			Play: func(s *Session) {
				s.Server.ExpireRefresh()
				mark := s.Mark()
				s.AwaitFailedRefresh(mark, []*Pending{s.Go(GetMe())}, "RC7")
				mark = s.Mark()
				s.Login()
				old := loginLabel(s.Since(mark))
				s.Expire()
				mark = s.Mark()
				r := s.Send(GetMe())
				s.ExpectReplayed(s.Since(mark), GetMe(), r, old, 200, ReplayReqs{"RC7", "RC7", "RC7", "RC7"})
			},
		},
		{
			ID: "EXP-REFRESH-07", Title: "a refresh endpoint failing with 503 is not hammered",
			Level: Should, Requirements: []string{"RC11"}, Family: "exp-refresh",
			Play: func(s *Session) {
				s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: PathRefresh, Action: fakeserver.ActionStatus, Status: 503})
				s.Expire()
				mark := s.Mark()
				p := s.Go(GetMe())
				s.AwaitSettledAfterRefreshes(mark, []*Pending{p}, "RC7")
				r := p.Wait()
				s.NothingAfter("RC11")
				phase := s.Since(mark)
				s.ExpectAtMostRefreshes(phase, 2, "RC11")
				s.Check(r.Error != "" || r.Status == 503, "RC11", "caller 503 or error", "%s", replyText(r))
				if rs := phase.Refreshes(); len(rs) > 0 {
					last := s.respondedAt(rs[len(rs)-1])
					s.Check(p.Replied.Sub(last) <= time.Second, "RC11", "the caller settled within 1 s of the last refresh response",
						"it settled %s later", p.Replied.Sub(last).Round(time.Millisecond))
				}
			},
		},
	}
}

// deadRefresh is EXP-REFRESH-01/02 after setup: GET → 401, one refresh answered 401,
// no replay, the caller sees 401 promptly, nothing after.
func deadRefresh(s *Session) {
	mark := s.Mark()
	p := s.Go(GetMe())
	s.AwaitFailedRefresh(mark, []*Pending{p}, "RC7")
	r := p.Wait()
	s.NothingAfter("RC6")
	phase := s.Since(mark)
	s.ExpectRefreshes(phase, 1, "RC6")
	sends := sendsOf(phase, GetMe())
	s.Check(len(sends) == 1, "RC7", "no replay after the failed refresh (1 send of GET /api/auth/me)", "%s", tokenList(sends))
	s.ExpectCaller(r, 401, "RC7")
}

// transientRefresh is EXP-REFRESH-04/05: the refresh fails once (rule), the session
// survives. firstStatus is the status the first caller may see (0: only an error).
func transientRefresh(s *Session, rule fakeserver.Rule, firstStatus int) {
	s.Server.AddFault(rule)
	s.Expire()
	mark := s.Mark()
	p := s.Go(GetMe())
	s.AwaitSettledAfterRefreshes(mark, []*Pending{p}, "RC7")
	r := p.Wait()
	phase := s.Since(mark)
	s.ExpectAtMostRefreshes(phase, 2, "RC11")
	ok := r.Error != "" || (firstStatus != 0 && r.Status == firstStatus) || (r.Error == "" && r.Status == 200)
	expected := "caller error, or 200 after one more refresh attempt — never 401"
	if firstStatus != 0 {
		expected = "caller 503 or error, or 200 after one more refresh attempt — never 401"
	}
	s.Check(ok, "RC11", expected, "%s", replyText(r))
	s.Check(len(sendsOf(phase, GetMe())) <= 2, "RC11", "at most 2 sends of the first GET", "%s", tokenList(sendsOf(phase, GetMe())))

	mark = s.Mark()
	r2 := s.Send(GetMe())
	phase = s.Since(mark)
	s.ExpectAtMostRefreshes(phase, 1, "RC11")
	s.ExpectCaller(r2, 200, "RC11")
}
