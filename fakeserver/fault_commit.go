package fakeserver

import "net/http"

// ActionCommitThen401 lets the request be handled — the idea is created, the
// upload taken, a refresh rotates — and then answers 401 instead of the handled
// response: the write committed, and the client was told it did not, as when a
// gateway's token check fails after the backend acted, or a response is lost and
// replaced by an error. A client that simply retries creates twice (unless it
// sends an Idempotency-Key); one that refreshes keeps its old refresh cookie, as
// the rotated one never reached it. The 401 is the one a status rule answers (a
// faulted 401 looks like a real one on that path): on a protected endpoint
// WWW-Authenticate: Bearer error="invalid_token" with a JSON message. It acts only
// on a request that was handled: a status or reset rule that answers first leaves
// nothing committed, and it then does nothing. Journalled "commit-401"; the entry
// keeps what the handler did (issuedAccess, issuedRefresh, the states it judged).
const ActionCommitThen401 Action = "commit-401"

var commit401Kind = faultKind{
	action:  ActionCommitThen401,
	journal: string(ActionCommitThen401),
	replaces: func(s *Server, rq *request) reply {
		return s.faultReply(rq, http.StatusUnauthorized)
	},
	control: func(controlFields, *Rule) error { return nil },
}

// replaceHandled gives the first acting rule that replaces handled replies its
// say, after the handler ran; the handled reply is dropped (its cookie too).
func (s *Server) replaceHandled(acting []*Fault, rq *request, handled reply) reply {
	for _, f := range acting {
		if f.kind.replaces != nil {
			rq.acted(f.kind.journal)
			return f.kind.replaces(s, rq)
		}
	}
	return handled
}
