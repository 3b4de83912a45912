package scenarios

import (
	"encoding/json"
	"fmt"
	"strings"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// graphQL is the GQL family: the first-wave shapes against POST /graphql, once with
// expiry signalled as HTTP 401 and once as HTTP 200 with an UNAUTHENTICATED error
// (Apollo Server's default, and most GraphQL gateways'). The symptom: an
// interceptor that only looks at the status never refreshes, and every screen shows
// "not authenticated" until the user reloads.
func graphQL() []conformance.Scenario {
	var rows []conformance.Scenario
	for i, mode := range []struct {
		signal fakeserver.GraphQLAuthSignal
		what   string
	}{
		{fakeserver.GraphQLAuthStatus, "signalled as 401"},
		{fakeserver.GraphQLAuthErrors, "signalled as 200 UNAUTHENTICATED"},
	} {
		server := func(o *fakeserver.Options) { o.GraphQLAuthSignal = mode.signal }
		id := func(n int) string { return fmt.Sprintf("GQL-%02d", 2*n+i+1) }
		rows = append(rows,
			conformance.Scenario{
				ID: id(0), Title: "a GraphQL query meeting an expired token (" + mode.what + ") is refreshed once and replayed",
				Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1, conformance.RC4}, Family: "gql",
				Server: server,
				Play: func(s *conformance.Session) {
					old := loginLabel(s.Server.Journal())
					s.Expire()
					mark := s.Mark()
					r := s.Send(gqlMe())
					s.ExpectReplayed(s.Since(mark), gqlMe(), r, old, 200, conformance.ReplayReqs{
						Refresh: conformance.RC1, Replay: conformance.RC4, Body: conformance.RC4, Caller: conformance.RC1})
					expectData(s, r, "me", conformance.RC1)
				},
			},
			conformance.Scenario{
				ID: id(1), Title: "a GraphQL mutation meeting an expired token (" + mode.what + ") is applied exactly once",
				Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC5}, Family: "gql",
				Server: server,
				Play: func(s *conformance.Session) {
					old := loginLabel(s.Server.Journal())
					call := gqlCreate("gql once " + mode.what)
					s.Expire()
					mark := s.Mark()
					r := s.Send(call)
					s.ExpectReplayed(s.Since(mark), call, r, old, 200, conformance.ReplayReqs{
						Refresh: conformance.RC5, Replay: conformance.RC5, Body: conformance.RC5, Caller: conformance.RC5})
					expectData(s, r, "createIdea", conformance.RC5)
					n := ideasTitled(s.Server, "gql once "+mode.what)
					s.Check(n == 1, conformance.RC5, "the mutation applied exactly once", "%s", conformance.Plural(n, "idea"))
				},
			},
			conformance.Scenario{
				ID: id(2), Title: "10 parallel GraphQL queries meeting an expired token (" + mode.what + ") share one refresh",
				Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC2}, Family: "gql",
				Server: server,
				Play: func(s *conformance.Session) {
					old := loginLabel(s.Server.Journal())
					calls := make([]cut.Call, 10)
					for i := range calls {
						calls[i] = gqlMe()
					}
					s.Expire()
					mark := s.Mark()
					replies := conformance.WaitAll(s.Gate(calls))
					if s.ExpectGatePass(s.Since(mark), calls, replies, old, conformance.RC2, conformance.RC2, conformance.RC2) != "" {
						for _, r := range replies {
							expectData(s, r, "me", conformance.RC2)
						}
					}
				},
			},
			conformance.Scenario{
				ID: id(3), Title: "a GraphQL replay answered with the auth failure (" + mode.what + ") goes back to the caller",
				Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC3}, Family: "gql",
				Server: server,
				Play: func(s *conformance.Session) {
					replayFailureGoesBack(s, gqlMe(), "the caller gets the replay's auth failure ("+mode.what+")",
						func(r cut.Reply) bool { return cut.IsAuthFailure(fakeserver.PathGraphQL, r) })
				},
			})
	}
	return append(sortByID(rows), conformance.Scenario{
		ID: "GQL-09", Title: "a GraphQL error that is not UNAUTHENTICATED goes to the caller without a refresh",
		Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1}, Family: "gql",
		Server: func(o *fakeserver.Options) { o.GraphQLAuthSignal = fakeserver.GraphQLAuthErrors },
		Play: func(s *conformance.Session) {
			call := cut.Call{Method: "POST", Path: fakeserver.PathGraphQL, Body: conformance.JSONBody(map[string]any{
				"query":     "mutation Create($input: IdeaInput!) { createIdea(input: $input) { id } }",
				"variables": map[string]any{"input": map[string]any{"title": ""}},
			})}
			mark := s.Mark()
			r := s.Send(call)
			s.NothingAfter(conformance.RC1)
			phase := s.Since(mark)
			s.ExpectRefreshes(phase, 0, conformance.RC1)
			sends := conformance.SendsOf(phase, call)
			s.Check(len(sends) == 1, conformance.RC1, "one send: a BAD_USER_INPUT answer is final", "%s", conformance.TokenList(sends))
			s.Check(r.Error == "" && r.Status == 200 && strings.Contains(string(r.Body), "BAD_USER_INPUT"), conformance.RC1,
				"the caller gets the BAD_USER_INPUT error", "%s", conformance.ReplyText(r))
		},
	})
}

// gqlMe is the catalog's GraphQL query.
func gqlMe() cut.Call {
	return cut.Call{Method: "POST", Path: fakeserver.PathGraphQL,
		Body: conformance.JSONBody(map[string]any{"query": "query Me { me { id name email } }"})}
}

// gqlCreate is the catalog's GraphQL mutation, creating an idea titled title.
func gqlCreate(title string) cut.Call {
	return cut.Call{Method: "POST", Path: fakeserver.PathGraphQL, Body: conformance.JSONBody(map[string]any{
		"query":     "mutation Create($input: IdeaInput!) { createIdea(input: $input) { id title } }",
		"variables": map[string]any{"input": ideaBody(title)},
	})}
}

// expectData checks the caller got GraphQL data for field, not errors.
func expectData(s *conformance.Session, r cut.Reply, field string, req conformance.RequirementID) {
	var doc struct {
		Data   map[string]json.RawMessage `json:"data"`
		Errors []json.RawMessage          `json:"errors"`
	}
	ok := r.Error == "" && r.Status == 200 && json.Unmarshal(r.Body, &doc) == nil && len(doc.Errors) == 0 &&
		len(doc.Data[field]) > 0 && string(doc.Data[field]) != "null"
	s.Check(ok, req, "the caller gets data."+field+", no errors", "%s", conformance.ReplyText(r))
}

// sortByID orders rows by ID (the two modes are built side by side).
func sortByID(rows []conformance.Scenario) []conformance.Scenario {
	out := make([]conformance.Scenario, len(rows))
	for _, r := range rows {
		var n int
		_, _ = fmt.Sscanf(r.ID, "GQL-%d", &n)
		out[n-1] = r
	}
	return out
}
