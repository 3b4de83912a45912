package fakeserver

import "net/http"

// answers reports whether the rule replaces the handler for this request: a
// status or reset rule, or a hold-before rule with Status set that actually held
// this request ("hold, then answer"; once released, its later matches pass).
func (f *Fault) answers(rq *request) bool {
	switch f.rule.Action {
	case ActionStatus, ActionReset:
		return true
	case ActionHoldBefore:
		return f.rule.Status != 0 && rq.wasHeldBy(f)
	}
	return false
}

// firstAnswering is the first acting rule that answers instead of the handler.
func firstAnswering(acting []*Fault, rq *request) *Fault {
	for _, f := range acting {
		if f.answers(rq) {
			return f
		}
	}
	return nil
}

// status is the code a status rule answers: 503 unless Status is a final status
// net/http can write (200–599).
func (f *Fault) status() int {
	if f.rule.Status < 200 || f.rule.Status > 599 {
		return http.StatusServiceUnavailable
	}
	return f.rule.Status
}

// faultReply answers status without handling (nothing rotates, nothing is
// created). A faulted 401 is what a real 401 on that path looks like: on a
// protected resource the RFC 6750 challenge for the token presented (an unexpired,
// correctly signed token is described as revoked, the only reason a real server
// rejects one); on refresh and logout the refresh message; on login and register
// the credentials message, with no challenge.
func (s *Server) faultReply(rq *request, status int) reply {
	if status != http.StatusUnauthorized {
		return messageReply(status, http.StatusText(status))
	}
	switch rq.r.URL.Path {
	case RefreshPath, logoutPath:
		return refreshRejected(rq.refresh.state)
	case loginPath, registerPath:
		return badCredentials()
	}
	j := rq.access
	if j.state == StateValid {
		j.reason = descRevoked
	}
	return unauthorized(j)
}
