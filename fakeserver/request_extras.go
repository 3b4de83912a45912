package fakeserver

import (
	"net/http"
	"strings"
)

// requestExtras is what event streams and GraphQL add to a request on its way
// through the pipeline, kept apart from the core request so those endpoints live
// in their own files; copyInto carries it into the journal entry with the rest.
type requestExtras struct {
	lastEventID  string       // PathEvents: the Last-Event-ID header as received (clipped)
	stream       bool         // the answer is an open or ended event stream
	streamEvents int          // events written on it so far
	graphql      *graphqlCall // PathGraphQL: the body read as a GraphQL request
	authFailure  bool         // answered with the endpoint's auth-failure signal
}

// readExtras reads what the journal records on arrival for these endpoints: the
// Last-Event-ID of a stream request and the operation of a GraphQL one (before any
// fault acts, so a faulted mutation still counts as sent). It runs once the body
// has been read, and only on their paths, whatever the method: a 405 still shows
// what was asked.
func (s *Server) readExtras(rq *request) {
	switch rq.r.URL.Path {
	case PathEvents:
		if v := rq.r.Header.Values("Last-Event-ID"); len(v) > 0 {
			rq.extra.lastEventID = clipString(v[0], JournalPathBytes)
		}
	case PathGraphQL:
		if rq.r.Method == http.MethodPost && !rq.tooLarge && !rq.readErr {
			rq.extra.graphql = readGraphQL(rq.body)
		}
	}
}

// copyInto fills the entry's fields for these endpoints (the caller holds the
// journal lock).
func (x *requestExtras) copyInto(e *Entry) {
	e.LastEventID = x.lastEventID
	e.Stream, e.StreamEvents = x.stream, x.streamEvents
	e.GraphQLOp = x.graphql.opName()
	e.AuthFailure = x.authFailure
}

// signalsAuthFailure reports whether the reply tells the client its access token
// was refused: a 401 carrying a Bearer challenge (RFC 6750 §3: login's and
// refresh's 401s carry none, and the token endpoint's invalid_client a Basic one:
// credential answers), or a reply marked
// unauthenticated (GraphQL's errors mode). Judged on the reply as written, so a
// faulted 401 on a protected path counts like a real one.
func (rp reply) signalsAuthFailure() bool {
	return rp.unauthenticated || rp.status == http.StatusUnauthorized && strings.HasPrefix(rp.header.Get("WWW-Authenticate"), bareBearer)
}
