package scenarios

import (
	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/reports"
)

func loops() []Scenario {
	return []Scenario{
		{
			ID: "LOOP-01", Title: "a 401 from the refresh call is final",
			Level: Must, Requirements: []string{"RC6"}, Family: "loop",
			Play: func(s *Session) {
				s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: PathRefresh, Action: fakeserver.ActionStatus, Status: 401})
				s.Expire()
				mark := s.Mark()
				p := s.Go(GetMe())
				s.AwaitFailedRefresh(mark, []*Pending{p}, "RC7")
				r := p.Wait()
				s.NothingAfter("RC6")
				s.ExpectRefreshes(s.Since(mark), 1, "RC6")
				s.ExpectCaller(r, 401, "RC6")
			},
		},
		{
			ID: "LOOP-02", Title: "a replay answered 401 goes back to the caller",
			Level: Must, Requirements: []string{"RC3"}, Family: "loop",
			Play: func(s *Session) {
				s.Server.AddFault(fakeserver.Rule{Method: "GET", Path: PathMe, Action: fakeserver.ActionStatus, Status: 401})
				s.Expire()
				mark := s.Mark()
				r := s.Send(GetMe())
				s.NothingAfter("RC3")
				phase := s.Since(mark)
				s.ExpectRefreshes(phase, 1, "RC3")
				sends := sendsOf(phase, GetMe())
				s.Check(len(sends) == 2, "RC3", "exactly one replay (2 sends of GET /api/auth/me)", "%s", tokenList(sends))
				s.ExpectCaller(r, 401, "RC3")
			},
		},
		{
			ID: "LOOP-03", Title: "a resource that always answers 401 does not make the client loop",
			Level: Must, Requirements: []string{"RC3"}, Family: "loop",
			Play: func(s *Session) {
				s.Server.AddFault(fakeserver.Rule{Path: PathMe, Action: fakeserver.ActionStatus, Status: 401})
				mark := s.Mark()
				for i := 0; i < 3; i++ {
					m := s.Mark()
					r := s.Send(GetMe())
					sends := sendsOf(s.Since(m), GetMe())
					s.Check(len(sends) <= 2, "RC3", "at most 2 sends per GET", "%s", tokenList(sends))
					s.ExpectCaller(r, 401, "RC3")
				}
				s.NothingAfter("RC3")
				s.ExpectAtMostRefreshes(s.Since(mark), 3, "RC3")
			},
		},
		{
			ID: "LOOP-04", Title: "a 403 is passed through without a refresh",
			Level: Must, Requirements: []string{"RC1"}, Family: "loop",
			Play: func(s *Session) {
				if _, err := s.Server.AddUser(OtherName, OtherEmail, OtherPass); err != nil {
					s.stop(reports.HarnessError, "harness-error: seeding the other user: "+err.Error())
				}
				idea, err := s.Server.AddIdea(OtherEmail, fakeserver.IdeaInput{Title: "Bob's", Summary: "s", Description: "d", Tags: []string{}})
				if err != nil {
					s.stop(reports.HarnessError, "harness-error: creating the idea: "+err.Error())
				}
				mark := s.Mark()
				r := s.Send(cut.Call{Method: "PUT", Path: PathIdeas + "/" + idea.ID, Body: JSONBody(ideaBody("not mine"))})
				s.ExpectCaller(r, 403, "RC1")
				s.ExpectRefreshes(s.Since(mark), 0, "RC1")
			},
		},
		{
			ID: "LOOP-05", Title: "a wrong password is a credential error, not an expiry",
			Level: Should, Requirements: []string{"RC14"}, Family: "loop",
			Play: func(s *Session) {
				s.Logout()
				mark := s.Mark()
				s.LoginAs(UserEmail, "wrong password", 401)
				s.ExpectRefreshes(s.Since(mark), 0, "RC14")
			},
		},
		{
			ID: "LOOP-06", Title: "404 and 500 pass through without a refresh",
			Level: Must, Requirements: []string{"RC1"}, Family: "loop",
			Play: func(s *Session) {
				mark := s.Mark()
				r := s.Send(cut.Call{Method: "GET", Path: PathIdeas + "/missing-idea"})
				s.ExpectCaller(r, 404, "RC1")
				s.Server.AddFault(fakeserver.Rule{Method: "GET", Path: PathMe, Times: 1, Action: fakeserver.ActionStatus, Status: 500})
				r = s.Send(GetMe())
				s.ExpectCaller(r, 500, "RC1")
				s.ExpectRefreshes(s.Since(mark), 0, "RC1")
			},
		},
		{
			ID: "LOOP-07", Title: "a reset connection is a transport error, not an expiry",
			Level: Must, Requirements: []string{"RC1"}, Family: "loop",
			Play: func(s *Session) {
				s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: PathIdeas, Times: 1, Action: fakeserver.ActionReset})
				mark := s.Mark()
				call := PostIdea("LOOP-07")
				r := s.Send(call)
				s.Check(r.Error != "", "RC1", "caller error (no HTTP response)", "%s", replyText(r))
				phase := s.Since(mark)
				s.ExpectRefreshes(phase, 0, "RC1")
				s.Check(len(sendsOf(phase, call)) == 1, "RC1", "the POST sent once", "%s", tokenList(sendsOf(phase, call)))
			},
		},
	}
}
