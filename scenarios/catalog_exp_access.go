package scenarios

import (
	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/reports"
)

func expAccess() []Scenario {
	return []Scenario{
		{
			ID: "EXP-ACCESS-01", Title: "an expired access token is refreshed once and the GET replayed",
			Level: Must, Requirements: []string{"RC1", "RC4"}, Family: "exp-access",
			Play: func(s *Session) {
				old := loginLabel(s.Since(0))
				s.Expire()
				mark := s.Mark()
				r := s.Send(GetMe())
				s.ExpectReplayed(s.Since(mark), GetMe(), r, old, 200, ReplayReqs{"RC1", "RC4", "RC4", "RC1"})
			},
		},
		{
			ID: "EXP-ACCESS-02", Title: "a POST meeting an expired token is replayed with its body, applied once",
			Level: Must, Requirements: []string{"RC5"}, Family: "exp-access",
			Play: func(s *Session) {
				old := loginLabel(s.Since(0))
				s.Expire()
				call := PostIdea("EXP-ACCESS-02")
				mark := s.Mark()
				r := s.Send(call)
				s.ExpectReplayed(s.Since(mark), call, r, old, 201, ReplayReqs{"RC5", "RC5", "RC5", "RC5"})
				n := ideasTitled(s.Server, titleOf(call))
				s.Check(n == 1, "RC5", "exactly one idea created", "%d ideas with that title", n)
			},
		},
		{
			ID: "EXP-ACCESS-03", Title: "PUT and DELETE meeting expired tokens are replayed and applied once",
			Level: Must, Requirements: []string{"RC5"}, Family: "exp-access",
			Play: playPutDelete,
		},
		{
			ID: "EXP-ACCESS-04", Title: "three sequential GETs after expiry share one refresh",
			Level: Must, Requirements: []string{"RC2"}, Family: "exp-access",
			Play: func(s *Session) {
				old := loginLabel(s.Since(0))
				s.Expire()
				mark := s.Mark()
				r := s.Send(GetMe())
				fresh := s.ExpectReplayed(s.Since(mark), GetMe(), r, old, 200, ReplayReqs{"RC2", "RC2", "RC2", "RC2"})
				for i := 2; i <= 3; i++ {
					m := s.Mark()
					r := s.Send(GetMe())
					s.ExpectRefreshes(s.Since(m), 0, "RC2")
					s.ExpectSentOnce(s.Since(m), GetMe(), fresh, "RC2")
					s.ExpectCaller(r, 200, "RC2")
				}
			},
		},
		{
			ID: "EXP-ACCESS-05", Title: "an access token revoked before it expires is refreshed and the GET replayed",
			Level: Must, Requirements: []string{"RC1", "RC4"}, Family: "exp-access",
			Play: func(s *Session) {
				old := loginLabel(s.Since(0))
				s.Server.RevokeAccess(UserEmail)
				mark := s.Mark()
				r := s.Send(GetMe())
				s.ExpectReplayed(s.Since(mark), GetMe(), r, old, 200, ReplayReqs{"RC1", "RC4", "RC4", "RC1"})
			},
		},
	}
}

// playPutDelete is EXP-ACCESS-03: an idea created through the server API; expire →
// PUT it; expire → DELETE it; each replayed with the token its refresh minted.
func playPutDelete(s *Session) {
	idea, err := s.Server.AddIdea(UserEmail, fakeserver.IdeaInput{Title: "to edit", Summary: "s", Description: "d", Tags: []string{"x"}})
	if err != nil {
		s.stop(reports.HarnessError, "harness-error: creating the idea: "+err.Error())
	}
	path := PathIdeas + "/" + idea.ID
	old := loginLabel(s.Since(0))

	s.Expire()
	put := cut.Call{Method: "PUT", Path: path, Body: JSONBody(ideaBody("edited by EXP-ACCESS-03"))}
	mark := s.Mark()
	r := s.Send(put)
	phase := s.Since(mark)
	fresh := s.ExpectReplayed(phase, put, r, old, 200, ReplayReqs{"RC5", "RC5", "RC5", "RC5"})
	applied := sendsOf(phase, cut.Call{Method: "PUT", Path: path}).WithStatus(200)
	s.Check(len(applied) == 1, "RC5", "the idea updated exactly once", "%d PUTs applied", len(applied))

	s.Expire()
	del := cut.Call{Method: "DELETE", Path: path}
	mark = s.Mark()
	r = s.Send(del)
	phase = s.Since(mark)
	s.ExpectReplayed(phase, del, r, fresh, 200, ReplayReqs{"RC5", "RC5", "RC5", "RC5"})
	deleted := sendsOf(phase, del).WithStatus(200)
	s.Check(len(deleted) == 1, "RC5", "the idea deleted exactly once", "%d DELETEs applied (%s)", len(deleted), tokenList(sendsOf(phase, del)))
	for _, i := range s.Server.Ideas() {
		s.Check(i.ID != idea.ID, "RC5", "the idea gone after the DELETE", "it still exists")
	}
}
