package fakeserver_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzGraphQL: any query and variables posted to /graphql are answered 200 with
// {"data"} or {"errors"}, or 400 {message} (never a panic or 5xx), and the journal
// names at most one of the two operations.
func FuzzGraphQL(f *testing.F) {
	srv, access, _ := fuzzServer(f)
	for _, seed := range []string{
		`{ me { id } }`, `query Me { me { id name email } }`, `{ who: me { id } }`,
		`mutation($input: IdeaInput!) { createIdea(input: $input) { id } }`,
		`mutation { createIdea(input: {title: "t", summary: "s", description: "d", tags: ["a", $t]}) { id } }`,
		`mutation($i: X = {title: "t"}) { createIdea(input: $i) { id } }`,
		``, `{`, `}`, `{{`, `"`, `"\u00`, `"""`, `...`, `..`, `-`, `01`, `1e`, `1.`, `$`, `#`, "\xff", "\ufeff",
		`fragment F on U { id }`, `subscription { me }`, `{ me(a: [[[[[[`, strings.Repeat("{a", 100),
		`query($a: [[Int!]!]! = [[1]]) @d(x: {y: ENUM}) { me @skip(if: false) { id } }`,
	} {
		f.Add(seed, `{"input":{"title":"t","summary":"s","description":"d"},"t":"x"}`)
		f.Add(seed, `null`)
		f.Add(seed, `{"i":[1,{"a":null}]}`)
	}
	f.Fuzz(func(t *testing.T, query, variables string) {
		body, err := json.Marshal(map[string]any{"query": query, "variables": json.RawMessage(variables)})
		if err != nil { // variables not JSON: send it as the whole body instead
			body = []byte(variables)
		}
		rec := serve(srv, "POST", "/graphql", string(body), http.Header{"Authorization": {"Bearer " + access}})
		checkReply(t, rec)
		switch rec.Code {
		case 200:
			var out map[string]json.RawMessage
			if json.Unmarshal(rec.Body.Bytes(), &out) != nil || (out["data"] == nil && out["errors"] == nil) {
				t.Fatalf("200 without data or errors: %q", rec.Body)
			}
		case 400:
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		j := srv.Journal()
		if op := j[len(j)-1].GraphQLOp; op != "" && op != "me" && op != "createIdea" {
			t.Fatalf("graphqlOp %q", op)
		}
	})
}
