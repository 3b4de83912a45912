package fakeserver

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// reply is a response decided but not yet written: handlers return one, so a
// hold-response rule can keep it buffered and the journal is final before a byte
// reaches the client.
type reply struct {
	status int
	header http.Header
	body   []byte

	// stream, when set, makes the reply an event stream instead of a body (events.go).
	stream *streamStart
	// unauthenticated marks a reply that refuses the access token without a 401
	// (GraphQL's UNAUTHENTICATED error), for the journal's authFailure.
	unauthenticated bool
}

// message is every error body: {"message": "..."}.
type message struct {
	Message string `json:"message"`
}

// jsonReply encodes v; the types encoded here cannot fail to marshal.
func jsonReply(status int, v any) reply {
	body, err := json.Marshal(v)
	if err != nil {
		body = []byte(`{"message":"response could not be encoded"}`)
	}
	return jsonBytesReply(status, body)
}

// jsonBytesReply is jsonReply for a body already encoded (it is not copied: the
// caller keeps it unchanged).
func jsonBytesReply(status int, body []byte) reply {
	// Fresh one-element slices each time: a header value slice is never shared
	// between replies, so nothing written to one can show in another.
	h := http.Header{
		"Content-Type":  {"application/json; charset=utf-8"},
		"Cache-Control": {"no-store"},
	}
	return reply{status: status, header: h, body: body}
}

// messageReply is {"message": msg} with that status.
func messageReply(status int, msg string) reply { return jsonReply(status, message{msg}) }

// with sets a header and returns the reply (chaining).
func (rp reply) with(key, value string) reply {
	rp.header.Set(key, value)
	return rp
}

// write copies the reply to w. The header's value slices are handed over, not
// copied: every reply builds its own and is written once (a held response too).
func (rp reply) write(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range rp.header {
		h[k] = vs
	}
	h["Content-Length"] = []string{strconv.Itoa(len(rp.body))}
	w.WriteHeader(rp.status)
	_, _ = w.Write(rp.body) // the client may be gone; nothing to do about it
}

// challenge values of WWW-Authenticate (RFC 6750 §3).
const bareBearer = "Bearer"

func invalidToken(desc string) string {
	return `Bearer error="invalid_token", error_description="` + desc + `"`
}

func invalidRequest(desc string) string {
	return `Bearer error="invalid_request", error_description="` + desc + `"`
}
