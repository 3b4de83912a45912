package fakeserver

import "net/http"

// ActionStatus answers Status instead of handling the request (nothing handled:
// a refresh answered 503 rotates nothing). A faulted 401 carries the same headers
// and body as a real one.
const ActionStatus Action = "status"

var statusKind = faultKind{
	action:  ActionStatus,
	answers: func(*Fault, *request) answer { return answerStatus },
	control: func(c controlFields, r *Rule) error {
		if c.status == 0 {
			return badControl(`action "status" needs "status", e.g. 503`)
		}
		r.Status = c.status
		return nil
	},
}

// firstAnswering is the first acting rule that answers instead of the handler, and
// how it answers (answerNone when no rule does).
func firstAnswering(acting []*Fault, rq *request) (*Fault, answer) {
	for _, f := range acting {
		if f.kind.answers == nil {
			continue
		}
		if how := f.kind.answers(f, rq); how != answerNone {
			return f, how
		}
	}
	return nil, answerNone
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
// the credentials message, with no challenge; on GraphQL the server's GraphQL auth
// signal (in errors mode, 200 UNAUTHENTICATED).
func (s *Server) faultReply(rq *request, status int) reply {
	if status == http.StatusBadRequest && rq.form != nil { // the token endpoint's 400 is RFC 6749 §5.2's
		return oauthFailed("invalid_request", "the request was refused (fault)")
	}
	if status != http.StatusUnauthorized {
		return messageReply(status, http.StatusText(status))
	}
	switch {
	case rq.form != nil: // the oauth2 token endpoint: a 401 there refuses the client
		return oauthFailed("invalid_client", "unknown client or wrong client secret")
	case rq.call == PathRefresh || rq.call == PathLogout:
		return refreshRejected(rq.refresh.state)
	case rq.call == PathLogin || rq.call == PathRegister:
		return badCredentials()
	}
	j := rq.access
	if j.state == StateValid {
		j.reason = descRevoked
	}
	if rq.r.URL.Path == PathGraphQL && s.opts.GraphQLAuthSignal == GraphQLAuthErrors {
		out := graphqlFailed(j.reason, graphqlUnauthenticated)
		out.unauthenticated = true
		return out
	}
	return unauthorized(j)
}
