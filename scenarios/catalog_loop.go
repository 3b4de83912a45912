package scenarios

import (
	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// resetInvisibleInBrowser is why a row whose fault is a reset connection does not run
// in a browser.
const resetInvisibleInBrowser = "Chromium's network stack itself sends a request again when its reused " +
	"connection was reset before any answer (a POST too), so the page never sees the reset: the row would judge the browser"

func loops() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "LOOP-01", Title: "a 401 from the refresh call is final",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC6}, Family: "loop",
			Play: func(s *conformance.Session) {
				s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Action: fakeserver.ActionStatus, Status: 401})
				s.Expire()
				mark := s.Mark()
				p := s.Go(GetMe())
				s.AwaitFailedRefresh(mark, []*conformance.Pending{p}, conformance.RC7)
				r := p.Wait()
				s.NothingAfter(conformance.RC6)
				s.ExpectRefreshes(s.Since(mark), 1, conformance.RC6)
				s.ExpectCaller(r, 401, conformance.RC6)
			},
		},
		{
			ID: "LOOP-02", Title: "a replay answered 401 goes back to the caller",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC3}, Family: "loop",
			Play: func(s *conformance.Session) {
				replayFailureGoesBack(s, GetMe(), "the caller gets the replay's 401",
					func(r cut.Reply) bool { return r.Error == "" && r.Status == 401 })
			},
		},
		{
			ID: "LOOP-03", Title: "a resource that always answers 401 does not make the client loop",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC3}, Family: "loop",
			Play: func(s *conformance.Session) {
				s.Server.AddFault(fakeserver.Rule{Path: fakeserver.PathMe, Action: fakeserver.ActionStatus, Status: 401})
				mark := s.Mark()
				for i := 0; i < 3; i++ {
					m := s.Mark()
					r := s.Send(GetMe())
					sends := conformance.SendsOf(s.Since(m), GetMe())
					s.Check(len(sends) <= 2, conformance.RC3, "at most 2 sends per GET", "%s", conformance.TokenList(sends))
					s.ExpectCaller(r, 401, conformance.RC3)
				}
				s.NothingAfter(conformance.RC3)
				s.ExpectAtMostRefreshes(s.Since(mark), 3, conformance.RC3)
			},
		},
		{
			ID: "LOOP-04", Title: "a 403 is passed through without a refresh",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1}, Family: "loop",
			Play: func(s *conformance.Session) {
				if _, err := s.Server.AddUser(conformance.OtherName, conformance.OtherEmail, conformance.OtherPass); err != nil {
					s.HarnessError("seeding the other user: %v", err)
				}
				idea, err := s.Server.AddIdea(conformance.OtherEmail, fakeserver.IdeaInput{Title: "Bob's", Summary: "s", Description: "d", Tags: []string{}})
				if err != nil {
					s.HarnessError("creating the idea: %v", err)
				}
				mark := s.Mark()
				r := s.Send(cut.Call{Method: "PUT", Path: fakeserver.PathIdeas + "/" + idea.ID, Body: conformance.JSONBody(ideaBody("not mine"))})
				s.ExpectCaller(r, 403, conformance.RC1)
				s.ExpectRefreshes(s.Since(mark), 0, conformance.RC1)
			},
		},
		{
			ID: "LOOP-05", Title: "a wrong password is a credential error, not an expiry",
			Level: conformance.Should, Requirements: []conformance.RequirementID{conformance.RC14}, Family: "loop",
			Play: func(s *conformance.Session) {
				s.Logout()
				mark := s.Mark()
				s.LoginAs(conformance.UserEmail, "wrong password", s.BadCredentialsStatus())
				s.ExpectRefreshes(s.Since(mark), 0, conformance.RC14)
			},
		},
		{
			ID: "LOOP-06", Title: "404 and 500 pass through without a refresh",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1}, Family: "loop",
			Play: func(s *conformance.Session) {
				mark := s.Mark()
				r := s.Send(cut.Call{Method: "GET", Path: fakeserver.PathIdeas + "/missing-idea"})
				s.ExpectCaller(r, 404, conformance.RC1)
				// Every GET of /api/auth/me answers 500 from here on: a client whose own retry
				// policy resends a 5xx (ky does by default) gives up and hands its caller the
				// 500, so the row needs no exception for it. Each resend must keep the token.
				s.Server.AddFault(fakeserver.Rule{Method: "GET", Path: fakeserver.PathMe, Action: fakeserver.ActionStatus, Status: 500})
				before := s.Mark()
				r = s.Send(GetMe())
				s.ExpectCaller(r, 500, conformance.RC1)
				sends := conformance.SendsOf(s.Since(before), GetMe())
				s.Check(sameToken(sends), conformance.RC1, "every send of the GET with the token it had (a 500 is no expiry)",
					"%s", conformance.TokenList(sends))
				s.ExpectRefreshes(s.Since(mark), 0, conformance.RC1)
			},
		},
		{
			ID: "LOOP-07", Title: "a reset connection is a transport error, not an expiry",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1}, Family: "loop",
			NotInBrowser: resetInvisibleInBrowser,
			Play: func(s *conformance.Session) {
				s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathIdeas, Times: 1, Action: fakeserver.ActionReset})
				mark := s.Mark()
				call := PostIdea("LOOP-07")
				r := s.Send(call)
				s.Check(r.Error != "", conformance.RC1, "caller error (no HTTP response)", "%s", conformance.ReplyText(r))
				phase := s.Since(mark)
				s.ExpectRefreshes(phase, 0, conformance.RC1)
				s.Check(len(conformance.SendsOf(phase, call)) == 1, conformance.RC1, "the POST sent once", "%s", conformance.TokenList(conformance.SendsOf(phase, call)))
			},
		},
	}
}

// replayFailureGoesBack is LOOP-02's shape for call: every send of it is answered
// with its endpoint's auth failure (a status-401 fault; GraphQL's errors mode turns it
// into 200 UNAUTHENTICATED) and the token is expired: one refresh, exactly one replay,
// nothing after, and the caller gets the replay's failure as is (RC3).
func replayFailureGoesBack(s *conformance.Session, call cut.Call, expected string, gotFailure func(cut.Reply) bool) {
	s.Server.AddFault(fakeserver.Rule{Method: call.Method, Path: call.Path, Action: fakeserver.ActionStatus, Status: 401})
	s.Expire()
	mark := s.Mark()
	r := s.Send(call)
	s.NothingAfter(conformance.RC3)
	phase := s.Since(mark)
	s.ExpectRefreshes(phase, 1, conformance.RC3)
	sends := conformance.SendsOf(phase, call)
	s.Check(len(sends) == 2, conformance.RC3, "exactly one replay (2 sends of "+conformance.CallText(call)+")", "%s", conformance.TokenList(sends))
	s.Check(gotFailure(r), conformance.RC3, expected, "%s", conformance.ReplyText(r))
}

// sameToken reports whether every send carried the same access token.
func sameToken(sends fakeserver.Journal) bool {
	for _, e := range sends {
		if e.AccessToken != sends[0].AccessToken {
			return false
		}
	}
	return true
}
