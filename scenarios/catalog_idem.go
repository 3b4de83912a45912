package scenarios

import (
	"fmt"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// idempotency is the IDEM family: a write the server applied and *then* answered 401
// (a token revoked mid-request, a gateway that checks auth after the backend ran).
// The symptom: the replay after the refresh creates the order, the comment, the
// payment a second time. An Idempotency-Key lets the server answer the replay with
// the first result instead.
func idempotency() []conformance.Scenario {
	return []conformance.Scenario{
		{
			ID: "IDEM-01", Title: "a POST applied and then answered 401 is not applied twice by its replay",
			Level: conformance.Should, Requirements: []conformance.RequirementID{conformance.RC20, conformance.RC15}, Family: "idem",
			Play: func(s *conformance.Session) {
				call := PostIdea("committed once")
				phase := committedThen401(s, call, conformance.RC20)
				sends := conformance.SendsOf(phase, call)
				// A key of the client's own that the replay changes or drops breaks the
				// MUST (RC15), not just the SHOULD.
				if len(sends) == 2 && sends[0].IdempotencyKey != "" && sends[1].IdempotencyKey != sends[0].IdempotencyKey {
					s.Findf(conformance.RC15, "the replay carries the Idempotency-Key its first send carried", "sends' keys: %s", keyLabels(sends))
				}
				n := ideasTitled(s.Server, titleOf(call))
				s.Check(n == 1, conformance.RC20, "one idea: the replay carries an Idempotency-Key and the server answers it with the first result",
					"%s, keys %s", conformance.Plural(n, "idea"), keyLabels(sends))
			},
		},
		{
			ID: "IDEM-02", Title: "the replay of a POST keeps its Idempotency-Key: one idea",
			Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC15}, Family: "idem",
			Play: func(s *conformance.Session) {
				call := PostIdea("keyed once")
				call.Headers = map[string]string{"Idempotency-Key": "tokenclock-idem-02"}
				phase := committedThen401(s, call, conformance.RC15)
				sends := conformance.SendsOf(phase, call)
				sameKey := len(sends) == 2 && sends[0].IdempotencyKey != "" && sends[1].IdempotencyKey == sends[0].IdempotencyKey
				s.Check(sameKey, conformance.RC15, "the replay carries the first send's Idempotency-Key",
					"sends' keys: %s", keyLabels(sends))
				n := ideasTitled(s.Server, titleOf(call))
				s.Check(n == 1, conformance.RC15, "exactly one idea", "%s", conformance.Plural(n, "idea"))
			},
		},
	}
}

// committedThen401 sends call with a fault that lets the server create the idea and
// then answers 401 invalid_token; it checks (as req: the row's own requirement) the
// client replayed once after one refresh and its caller got the idea, and returns
// the phase.
func committedThen401(s *conformance.Session, call cut.Call, req conformance.RequirementID) fakeserver.Journal {
	s.Server.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathIdeas, Times: 1, Action: fakeserver.ActionCommitThen401})
	mark := s.Mark()
	r := s.Send(call)
	s.NothingAfter(req)
	phase := s.Since(mark)
	sends := conformance.SendsOf(phase, call)
	s.Check(len(sends) == 2, req, "the POST answered 401 is replayed once after one refresh",
		"%s", conformance.TokenList(sends))
	s.ExpectCaller(r, 201, req)
	return phase
}

// keyLabels lists the Idempotency-Key labels of the sends ("none" for a send
// without one).
func keyLabels(sends fakeserver.Journal) string {
	out := ""
	for i, e := range sends {
		k := e.IdempotencyKey
		if k == "" {
			k = "none"
		}
		if i > 0 {
			out += ", "
		}
		out += k
	}
	return fmt.Sprintf("[%s]", out)
}
