package scenarios

import (
	"github.com/tokenclock/tokenclock/conformance"
	"time"

	"github.com/tokenclock/tokenclock/fakeserver"
)

func expRefresh() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "EXP-REFRESH-01", Title: "an expired refresh token ends the request with 401, no loop",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC6, conformance.RC7}, Family: "exp-refresh",
			Play: func(s *conformance.Session) {
				s.Server.ExpireRefresh()
				deadRefresh(s)
			},
		},
		{
			ID: "EXP-REFRESH-02", Title: "a revoked refresh family (logout elsewhere) ends the request with 401",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC6, conformance.RC7}, Family: "exp-refresh",
			Play: func(s *conformance.Session) {
				s.Expire()
				s.Server.RevokeRefresh(conformance.UserEmail)
				deadRefresh(s)
			},
		},
		{
			ID: "EXP-REFRESH-03", Title: "after a terminal refresh failure later calls start no refresh",
			Level: conformance.Should, Requirements: []conformance.RequirementID{conformance.RC10}, Family: "exp-refresh",
			Play: func(s *conformance.Session) {
				s.Server.ExpireRefresh()
				mark := s.Mark()
				s.AwaitFailedRefresh(mark, []*conformance.Pending{s.Go(GetMe())}, conformance.RC7)
				s.ExpectRefreshes(s.Since(mark), 1, conformance.RC10)
				mark = s.Mark()
				for i := 0; i < 3; i++ {
					r := s.Send(GetMe())
					s.ExpectCaller(r, 401, conformance.RC10)
				}
				s.NothingAfter(conformance.RC10)
				s.ExpectRefreshes(s.Since(mark), 0, conformance.RC10)
			},
		},
		{
			ID: "EXP-REFRESH-04", Title: "a refresh answered 503 once keeps the session",
			Level: conformance.Should, Requirements: []conformance.RequirementID{conformance.RC11}, Family: "exp-refresh",
			Play: func(s *conformance.Session) {
				transientRefresh(s, fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Times: 1, Action: fakeserver.ActionStatus, Status: 503}, 503)
			},
		},
		{
			ID: "EXP-REFRESH-05", Title: "a refresh whose connection is reset once keeps the session",
			Level: conformance.Should, Requirements: []conformance.RequirementID{conformance.RC11}, Family: "exp-refresh",
			NotInBrowser: resetInvisibleInBrowser,
			Play: func(s *conformance.Session) {
				transientRefresh(s, fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Times: 1, Action: fakeserver.ActionReset}, 0)
			},
		},
		{
			ID: "EXP-REFRESH-06", Title: "after a terminal refresh failure a new login works normally",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC7}, Family: "exp-refresh",
			Play: func(s *conformance.Session) {
				s.Server.ExpireRefresh()
				mark := s.Mark()
				s.AwaitFailedRefresh(mark, []*conformance.Pending{s.Go(GetMe())}, conformance.RC7)
				mark = s.Mark()
				s.Login()
				old := loginLabel(s.Since(mark))
				s.Expire()
				mark = s.Mark()
				r := s.Send(GetMe())
				s.ExpectReplayed(s.Since(mark), GetMe(), r, old, 200, conformance.ReplayReqs{Refresh: conformance.RC7, Replay: conformance.RC7, Body: conformance.RC7, Caller: conformance.RC7})
			},
		},
		{
			ID: "EXP-REFRESH-07", Title: "a refresh endpoint failing with 503 is not hammered",
			Level: conformance.Should, Requirements: []conformance.RequirementID{conformance.RC11}, Family: "exp-refresh",
			Play: func(s *conformance.Session) {
				s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Action: fakeserver.ActionStatus, Status: 503})
				s.Expire()
				mark := s.Mark()
				p := s.Go(GetMe())
				s.AwaitSettledAfterRefreshes(mark, []*conformance.Pending{p}, conformance.RC7)
				r := p.Wait()
				s.NothingAfter(conformance.RC11)
				phase := s.Since(mark)
				s.ExpectAtMostRefreshes(phase, 2, conformance.RC11)
				s.Check(r.Error != "" || r.Status == 503, conformance.RC11, "caller 503 or error", "%s", conformance.ReplyText(r))
				if rs := phase.Refreshes(); len(rs) > 0 {
					last := s.RespondedAt(rs[len(rs)-1])
					s.Check(p.Replied.Sub(last) <= time.Second, conformance.RC11, "the caller settled within 1 s of the last refresh response",
						"it settled %s later", p.Replied.Sub(last).Round(time.Millisecond))
				}
			},
		},
	}
}

// deadRefresh is EXP-REFRESH-01/02 after setup: GET → 401, one refresh answered 401,
// no replay, the caller sees 401 promptly, nothing after.
func deadRefresh(s *conformance.Session) {
	mark := s.Mark()
	p := s.Go(GetMe())
	s.AwaitFailedRefresh(mark, []*conformance.Pending{p}, conformance.RC7)
	r := p.Wait()
	s.NothingAfter(conformance.RC6)
	phase := s.Since(mark)
	s.ExpectRefreshes(phase, 1, conformance.RC6)
	sends := conformance.SendsOf(phase, GetMe())
	s.Check(len(sends) == 1, conformance.RC7, "no replay after the failed refresh (1 send of GET /api/auth/me)", "%s", conformance.TokenList(sends))
	s.ExpectCaller(r, 401, conformance.RC7)
}

// transientRefresh is EXP-REFRESH-04/05: the refresh fails once (rule), the session
// survives. firstStatus is the status the first caller may see (0: only an error).
func transientRefresh(s *conformance.Session, rule fakeserver.Rule, firstStatus int) {
	s.Server.AddFault(rule)
	s.Expire()
	mark := s.Mark()
	p := s.Go(GetMe())
	s.AwaitSettledAfterRefreshes(mark, []*conformance.Pending{p}, conformance.RC7)
	r := p.Wait()
	phase := s.Since(mark)
	s.ExpectAtMostRefreshes(phase, 2, conformance.RC11)
	ok := r.Error != "" || (firstStatus != 0 && r.Status == firstStatus) || (r.Error == "" && r.Status == 200)
	expected := "caller error, or 200 after one more refresh attempt — never 401"
	if firstStatus != 0 {
		expected = "caller 503 or error, or 200 after one more refresh attempt — never 401"
	}
	s.Check(ok, conformance.RC11, expected, "%s", conformance.ReplyText(r))
	s.Check(len(conformance.SendsOf(phase, GetMe())) <= 2, conformance.RC11, "at most 2 sends of the first GET", "%s", conformance.TokenList(conformance.SendsOf(phase, GetMe())))

	mark = s.Mark()
	r2 := s.Send(GetMe())
	phase = s.Since(mark)
	s.ExpectAtMostRefreshes(phase, 1, conformance.RC11)
	s.ExpectCaller(r2, 200, conformance.RC11)
}
