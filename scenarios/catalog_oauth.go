package scenarios

import (
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// oauthOnly is why the OAUTH rows skip under the cookie profile.
const oauthOnly = "it judges what a client does with an OAuth 2 token endpoint's answer"

// oauthRows are the rows only the oauth2 profile has: what a client does with the
// token endpoint's own answers (RFC 6749 §5.2 errors, §6 refresh answers).
func oauthRows() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "OAUTH-01", Title: "a refresh refused with 400 invalid_grant ends the session: the caller gets its 401, and no later call refreshes",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC23}, Family: "oauth",
			Profile: fakeserver.ProfileOAuth2, ProfileReason: oauthOnly,
			Play: func(s *conformance.Session) {
				// A logout elsewhere revoked the family: the refresh_token grant is
				// answered 400 invalid_grant, a status no cookie refresh ever answers.
				s.Expire()
				s.Server.RevokeRefresh(conformance.UserEmail)
				terminalRefresh(s, conformance.RC23)
			},
		},
		{
			ID: "OAUTH-02", Title: "a 401 invalid_client from the token endpoint is no expired access token: one refresh, the caller's 401, no loop",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC6, conformance.RC23}, Family: "oauth",
			Profile: fakeserver.ProfileOAuth2, ProfileReason: oauthOnly,
			Play: func(s *conformance.Session) {
				// The token endpoint refuses the client itself (a rotated client secret):
				// 401 with a Basic challenge, which says nothing about the access token.
				s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Action: fakeserver.ActionStatus, Status: 401})
				s.Expire()
				terminalRefresh(s, conformance.RC6)
			},
		},
		{
			ID: "OAUTH-03", Title: "a refresh answer without refresh_token keeps the old one: the next refresh presents it",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC24}, Family: "oauth",
			Profile: fakeserver.ProfileOAuth2, ProfileReason: oauthOnly,
			Server: func(o *fakeserver.Options) { o.NoRotation, o.OAuthNoRefreshInAnswer = true, true },
			Play: func(s *conformance.Session) {
				for round := 1; round <= 2; round++ {
					s.Expire()
					mark := s.Mark()
					r := s.Send(GetMe())
					phase := s.Since(mark)
					if !s.ExpectRefreshes(phase, 1, conformance.RC24) {
						return
					}
					rf := phase.Refreshes()[0]
					s.Check(rf.RefreshToken == "R0" && rf.RefreshState == fakeserver.StateValid, conformance.RC24,
						"every refresh presents R0, the login's refresh token (no answer carried another)",
						"refresh %d presented %q (%s)", round, rf.RefreshToken, rf.RefreshState)
					s.ExpectCaller(r, 200, conformance.RC24)
				}
			},
		},
	}
}

// terminalRefresh is OAUTH-01/02 after setup: the GET's 401 starts one refresh, which
// is refused; the caller sees 401 promptly, and two later calls see 401 without a
// refresh of their own. onRefreshes is the requirement a second refresh breaks.
func terminalRefresh(s *conformance.Session, onRefreshes conformance.RequirementID) {
	mark := s.Mark()
	p := s.Go(GetMe())
	s.AwaitFailedRefresh(mark, []*conformance.Pending{p}, conformance.RC23)
	s.ExpectCaller(p.Wait(), 401, conformance.RC23)
	s.ExpectRefreshes(s.Since(mark), 1, onRefreshes)
	later := s.Mark()
	for range 2 {
		s.ExpectCaller(s.Send(GetMe()), 401, conformance.RC23)
	}
	s.NothingAfter(conformance.RC23)
	s.ExpectRefreshes(s.Since(later), 0, conformance.RC23)
}
