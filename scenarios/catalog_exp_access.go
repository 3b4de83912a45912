package scenarios

import (
	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

func expAccess() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "EXP-ACCESS-01", Title: "an expired access token is refreshed once and the GET replayed",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1, conformance.RC4}, Family: "exp-access",
			Play: func(s *conformance.Session) {
				old := loginLabel(s.Since(0))
				s.Expire()
				mark := s.Mark()
				r := s.Send(GetMe())
				s.ExpectReplayed(s.Since(mark), GetMe(), r, old, 200, conformance.ReplayReqs{Refresh: conformance.RC1, Replay: conformance.RC4, Body: conformance.RC4, Caller: conformance.RC1})
			},
		},
		{
			ID: "EXP-ACCESS-02", Title: "a POST meeting an expired token is replayed with its body, applied once",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC5}, Family: "exp-access",
			Play: func(s *conformance.Session) {
				old := loginLabel(s.Since(0))
				s.Expire()
				call := PostIdea("EXP-ACCESS-02")
				mark := s.Mark()
				r := s.Send(call)
				s.ExpectReplayed(s.Since(mark), call, r, old, 201, conformance.ReplayReqs{Refresh: conformance.RC5, Replay: conformance.RC5, Body: conformance.RC5, Caller: conformance.RC5})
				n := ideasTitled(s.Server, titleOf(call))
				s.Check(n == 1, conformance.RC5, "exactly one idea created", "%d ideas with that title", n)
			},
		},
		{
			ID: "EXP-ACCESS-03", Title: "PUT and DELETE meeting expired tokens are replayed and applied once",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC5}, Family: "exp-access",
			Play: playPutDelete,
		},
		{
			ID: "EXP-ACCESS-04", Title: "three sequential GETs after expiry share one refresh",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC2}, Family: "exp-access",
			Play: func(s *conformance.Session) {
				old := loginLabel(s.Since(0))
				s.Expire()
				mark := s.Mark()
				r := s.Send(GetMe())
				fresh := s.ExpectReplayed(s.Since(mark), GetMe(), r, old, 200, conformance.ReplayReqs{Refresh: conformance.RC2, Replay: conformance.RC2, Body: conformance.RC2, Caller: conformance.RC2})
				for i := 2; i <= 3; i++ {
					m := s.Mark()
					r := s.Send(GetMe())
					s.ExpectRefreshes(s.Since(m), 0, conformance.RC2)
					s.ExpectSentOnce(s.Since(m), GetMe(), fresh, conformance.RC2)
					s.ExpectCaller(r, 200, conformance.RC2)
				}
			},
		},
		{
			ID: "EXP-ACCESS-05", Title: "an access token revoked before it expires is refreshed and the GET replayed",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1, conformance.RC4}, Family: "exp-access",
			Play: func(s *conformance.Session) {
				old := loginLabel(s.Since(0))
				s.Server.RevokeAccess(conformance.UserEmail)
				mark := s.Mark()
				r := s.Send(GetMe())
				s.ExpectReplayed(s.Since(mark), GetMe(), r, old, 200, conformance.ReplayReqs{Refresh: conformance.RC1, Replay: conformance.RC4, Body: conformance.RC4, Caller: conformance.RC1})
			},
		},
	}
}

// playPutDelete is EXP-ACCESS-03: an idea created through the server API; expire →
// PUT it; expire → DELETE it; each replayed with the token its refresh minted.
func playPutDelete(s *conformance.Session) {
	idea, err := s.Server.AddIdea(conformance.UserEmail, fakeserver.IdeaInput{Title: "to edit", Summary: "s", Description: "d", Tags: []string{"x"}})
	if err != nil {
		s.HarnessError("creating the idea: %v", err)
	}
	path := fakeserver.PathIdeas + "/" + idea.ID
	old := loginLabel(s.Since(0))

	s.Expire()
	put := cut.Call{Method: "PUT", Path: path, Body: conformance.JSONBody(ideaBody("edited by EXP-ACCESS-03"))}
	mark := s.Mark()
	r := s.Send(put)
	phase := s.Since(mark)
	fresh := s.ExpectReplayed(phase, put, r, old, 200, conformance.ReplayReqs{Refresh: conformance.RC5, Replay: conformance.RC5, Body: conformance.RC5, Caller: conformance.RC5})
	applied := conformance.SendsOf(phase, cut.Call{Method: "PUT", Path: path}).WithStatus(200)
	s.Check(len(applied) == 1, conformance.RC5, "the idea updated exactly once", "%d PUTs applied", len(applied))

	s.Expire()
	del := cut.Call{Method: "DELETE", Path: path}
	mark = s.Mark()
	r = s.Send(del)
	phase = s.Since(mark)
	s.ExpectReplayed(phase, del, r, fresh, 200, conformance.ReplayReqs{Refresh: conformance.RC5, Replay: conformance.RC5, Body: conformance.RC5, Caller: conformance.RC5})
	deleted := conformance.SendsOf(phase, del).WithStatus(200)
	s.Check(len(deleted) == 1, conformance.RC5, "the idea deleted exactly once", "%d DELETEs applied (%s)", len(deleted), conformance.TokenList(conformance.SendsOf(phase, del)))
	for _, i := range s.Server.Ideas() {
		s.Check(i.ID != idea.ID, conformance.RC5, "the idea gone after the DELETE", "it still exists")
	}
}
