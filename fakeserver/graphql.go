package fakeserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
)

// POST PathGraphQL is a GraphQL face on the same users and ideas, so scenarios can
// test clients whose auth failure arrives in a GraphQL answer. It is not a GraphQL
// server: a small parser (graphql_parse.go) recognises exactly two operations, the
// query field me and the mutation createIdea, and refuses anything else.

// GraphQLAuthSignal is how POST PathGraphQL tells a client its access token was
// refused (Options.GraphQLAuthSignal). GraphQL servers do it both ways, and a
// client must recognise the one its server uses.
type GraphQLAuthSignal string

const (
	// GraphQLAuthStatus answers a refused token exactly as REST does: 401 with the
	// RFC 6750 challenge in WWW-Authenticate and {"message"}. The default.
	GraphQLAuthStatus GraphQLAuthSignal = "status"
	// GraphQLAuthErrors answers it HTTP 200 with
	// {"errors":[{"message":…,"extensions":{"code":"UNAUTHENTICATED"}}],"data":null}
	// and no challenge, as Apollo Server and its kin do.
	GraphQLAuthErrors GraphQLAuthSignal = "errors"
)

// Error codes in a GraphQL error's extensions.code: Apollo's names, which GraphQL
// clients commonly switch on.
const (
	graphqlBadUserInput    = "BAD_USER_INPUT"
	graphqlUnauthenticated = "UNAUTHENTICATED"
)

// graphqlError is one entry of a response's errors.
type graphqlError struct {
	Message    string             `json:"message"`
	Extensions graphqlErrorDetail `json:"extensions"`
}

// graphqlErrorDetail is an error's extensions: its code.
type graphqlErrorDetail struct {
	Code string `json:"code"`
}

// graphqlRequestErrors is the answer to a request that was refused before
// execution (an operation this server does not know): errors and no data, as the
// GraphQL spec has it.
type graphqlRequestErrors struct {
	Errors []graphqlError `json:"errors"`
}

// graphqlFieldErrors is the answer to an operation that failed while executing
// (refused token, bad input): errors, and data null.
type graphqlFieldErrors struct {
	Errors []graphqlError `json:"errors"`
	Data   *struct{}      `json:"data"` // always null
}

// graphqlData is a successful answer: {"data": {key: value}}, key the field's
// alias or name.
type graphqlData struct {
	Data map[string]any `json:"data"`
}

// handleGraphQL answers one GraphQL request, in this order: 400 {"message"} for a
// body that is not a GraphQL request (not a JSON object, no query string); 200
// BAD_USER_INPUT for a document that is not one of the two operations; the auth
// failure signal of Options.GraphQLAuthSignal for a refused token (REST's
// precedence: credentials before input); 200 BAD_USER_INPUT for createIdea input
// that POST /api/ideas would refuse; then the data.
func handleGraphQL(s *Server, rq *request) reply {
	call := rq.extra.graphql
	switch {
	case call == nil:
		return messageReply(http.StatusBadRequest, "a JSON object is required")
	case call.bad != "":
		return messageReply(http.StatusBadRequest, call.bad)
	case call.op == nil:
		return jsonReply(http.StatusOK, graphqlRequestErrors{Errors: []graphqlError{graphqlErr(call.err, graphqlBadUserInput)}})
	}
	u, rp := s.authenticate(rq)
	if rp != nil {
		return s.graphqlAuthReply(rq, *rp)
	}
	switch call.op.name {
	case graphqlOpMe:
		return jsonReply(http.StatusOK, graphqlData{Data: map[string]any{call.op.key: u}})
	default: // graphqlOpCreateIdea
		in, msg := call.ideaInput()
		if msg != "" {
			return graphqlFailed(msg, graphqlBadUserInput)
		}
		idea, ok := s.createIdeaFor(u, in)
		if !ok {
			// Forgotten (MaxUsers) since authentication: as if unknown, like REST.
			rq.access = accessJudgement{label: "?", state: StateInvalid, reason: descUnknown}
			return s.graphqlAuthReply(rq, unauthorized(rq.access))
		}
		return jsonReply(http.StatusOK, graphqlData{Data: map[string]any{call.op.key: idea}})
	}
}

// graphqlAuthReply turns authenticate's refusal into this server's GraphQL auth
// signal: in errors mode a 401 becomes 200 UNAUTHENTICATED with the same message;
// anything else (status mode, the 400 for several Authorization headers, which is
// a malformed request rather than a refused token) is answered as REST would.
func (s *Server) graphqlAuthReply(rq *request, rp reply) reply {
	if s.opts.GraphQLAuthSignal != GraphQLAuthErrors || rp.status != http.StatusUnauthorized {
		return rp
	}
	out := graphqlFailed(rq.access.reason, graphqlUnauthenticated)
	out.unauthenticated = true
	return out
}

// graphqlFailed is 200 with one error of that code and data null.
func graphqlFailed(msg, code string) reply {
	return jsonReply(http.StatusOK, graphqlFieldErrors{Errors: []graphqlError{graphqlErr(msg, code)}})
}

func graphqlErr(msg, code string) graphqlError {
	return graphqlError{Message: msg, Extensions: graphqlErrorDetail{Code: code}}
}

// createIdeaFor stores a new idea of u, as POST /api/ideas does once it has
// authenticated u and read its input; false when u was forgotten meanwhile.
func (s *Server) createIdeaFor(u User, in IdeaInput) (Idea, bool) {
	now := s.Now()
	s.dataMu.Lock()
	defer s.dataMu.Unlock()
	owner, ok := s.data.users[u.ID]
	if !ok {
		return Idea{}, false
	}
	return s.data.addIdea(owner, in, now).public(), true
}

// ideaInput resolves createIdea's input argument (a literal, a variable, or a
// literal holding variables) to JSON and reads it exactly as POST /api/ideas reads
// its body; msg says what is wrong, in the same words after "input: ".
func (c *graphqlCall) ideaInput() (IdeaInput, string) {
	v, msg := c.resolve(c.op.input)
	if msg != "" {
		return IdeaInput{}, msg
	}
	b, err := json.Marshal(v)
	if err != nil || !bytes.HasPrefix(b, []byte("{")) {
		// Checked here: REST's words for a body that is no object ("malformed JSON
		// object") would mislead about an argument.
		return IdeaInput{}, "input must be an object: {title, summary, description, tags}"
	}
	in, err := ideaInput(b)
	if err != nil {
		return IdeaInput{}, "input: " + strings.TrimPrefix(err.Error(), errBadBody.Error()+": ")
	}
	return in, ""
}
