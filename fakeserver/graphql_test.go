package fakeserver_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// gql posts a GraphQL request (variables omitted when nil).
func (h *apiHarness) gql(query string, variables map[string]any, headers ...string) apiReply {
	GinkgoHelper()
	body := map[string]any{"query": query}
	if variables != nil {
		body["variables"] = variables
	}
	return h.do("POST", fakeserver.PathGraphQL, jsonBody(body), headers...)
}

// gqlErrorOf checks a 200 with exactly one GraphQL error and returns its message
// and code, and whether the answer carried "data" (null).
func gqlErrorOf(r apiReply) (message, code string, hasData bool) {
	GinkgoHelper()
	Expect(r.Err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusOK), string(r.Body))
	var body struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
		Data *json.RawMessage
	}
	r.JSON(&body)
	Expect(body.Errors).To(HaveLen(1), string(r.Body))
	var raw map[string]json.RawMessage
	r.JSON(&raw)
	_, hasData = raw["data"]
	if hasData {
		Expect(string(raw["data"])).To(Equal("null"))
	}
	return body.Errors[0].Message, body.Errors[0].Extensions.Code, hasData
}

const (
	meQuery     = `query Me { me { id name email } }`
	createIdeaM = `mutation Create($input: IdeaInput!) { createIdea(input: $input) { id title } }`
)

var ideaVars = map[string]any{"input": map[string]any{"title": "t", "summary": "s", "description": "d", "tags": []string{"a"}}}

var _ = Describe("GraphQL", func() {
	var (
		h   *apiHarness
		ada apiSession
	)
	BeforeEach(func() {
		h = newAPI(fakeserver.Options{})
		ada = h.seedUser()
	})

	It("answers the query me with the user, and journals graphqlOp", func() {
		for _, q := range []string{
			meQuery, `{ me { id } }`, "# a comment\nquery {\n  me { id, name, email }\n}", "\ufeff{me{id}}",
			`query Me($unused: [Int!]! = [3, -4.5e1]) @live { me @include(if: true) { id name(format: {a: [null, true, ONE]}) } }`,
		} {
			r := h.gql(q, nil, bearer(ada.Access))
			Expect(r.Status).To(Equal(http.StatusOK), q)
			Expect(string(r.Body)).To(Equal(`{"data":{"me":{"id":"u1","name":"Ada","email":"ada@example.com"}}}`), q)
			e := h.last()
			Expect([]any{e.Method, e.Path, e.GraphQLOp, e.Status, e.AuthFailure, e.AccessToken}).
				To(Equal([]any{"POST", "/graphql", "me", 200, false, "A0"}), q)
		}
		r := h.gql(`{ who: me { id } }`, nil, bearer(ada.Access))
		Expect(string(r.Body)).To(HavePrefix(`{"data":{"who":{"id":"u1"`), "an alias names the answer's key")
		Expect(r.Header.Get("Content-Type")).To(Equal("application/json; charset=utf-8"))
	})

	It("creates an idea exactly once per mutation, from a variable or a literal", func() {
		r := h.gql(createIdeaM, ideaVars, bearer(ada.Access))
		Expect(r.Status).To(Equal(http.StatusOK), string(r.Body))
		var body struct {
			Data struct{ CreateIdea fakeserver.Idea }
		}
		r.JSON(&body)
		Expect(body.Data.CreateIdea).To(And(HaveField("ID", "i1"), HaveField("Title", "t"), HaveField("User", "u1"),
			HaveField("Tags", []string{"a"})))
		Expect(h.last().GraphQLOp).To(Equal("createIdea"))
		Expect(h.srv.Ideas()).To(HaveLen(1))

		r = h.gql(`mutation { createIdea(input: {title: "t2", summary: "s", description: "d\u00e9 \"q\"", tags: ["x", $tag]}) { id } }`,
			map[string]any{"tag": "y"}, bearer(ada.Access))
		r.JSON(&body)
		Expect(body.Data.CreateIdea).To(And(HaveField("ID", "i2"), HaveField("Description", `dé "q"`), HaveField("Tags", []string{"x", "y"})))

		r = h.gql(`mutation($input: IdeaInput = {title: "t3", summary: "s", description: "d"}) { createIdea(input: $input) { id } }`,
			nil, bearer(ada.Access))
		r.JSON(&body)
		Expect(body.Data.CreateIdea.ID).To(Equal("i3"), "a variable's default")

		Expect(h.srv.Ideas()).To(HaveLen(3))
		Expect(h.srv.Journal().Where(func(e fakeserver.Entry) bool { return e.GraphQLOp == "createIdea" })).To(HaveLen(3))
	})

	It("validates createIdea's input as POST /api/ideas does, creating nothing", func() {
		for input, want := range map[string]string{
			`{summary: "s", description: "d"}`:                        "input: title is required",
			`{title: 1, summary: "s", description: "d"}`:              "input: title must be a string",
			`{title: " ", summary: "s", description: "d"}`:            "input: title must not be empty",
			`{title: "t", summary: "s", description: "d", tags: "a"}`: "input: tags must be an array of strings",
			`"just a string"`: "input must be an object: {title, summary, description, tags}",
			`null`:            "input must be an object: {title, summary, description, tags}",
			`$missing`:        "variable $missing is not provided",
		} {
			r := h.gql(`mutation { createIdea(input: `+input+`) { id } }`, nil, bearer(ada.Access))
			msg, code, hasData := gqlErrorOf(r)
			Expect([]any{msg, code, hasData}).To(Equal([]any{want, "BAD_USER_INPUT", true}), input)
			Expect(h.last().GraphQLOp).To(Equal("createIdea"))
		}
		Expect(h.srv.Ideas()).To(BeEmpty())
	})

	Describe("auth failure, GraphQLAuthSignal status (the default)", func() {
		It("is REST's 401 with its challenge, journalled authFailure", func() {
			h.srv.ExpireAccess()
			r := h.gql(meQuery, nil, bearer(ada.Access))
			expectError(r, http.StatusUnauthorized)
			Expect(r.Message()).To(Equal("the access token expired"))
			Expect(r.Header.Get("WWW-Authenticate")).To(Equal(`Bearer error="invalid_token", error_description="the access token expired"`))
			Expect([]any{h.last().Status, h.last().AuthFailure, h.last().GraphQLOp, h.last().AccessState}).
				To(Equal([]any{401, true, "me", fakeserver.StateExpired}))

			r = h.gql(createIdeaM, ideaVars)
			expectError(r, http.StatusUnauthorized)
			Expect(r.Header.Get("WWW-Authenticate")).To(Equal("Bearer"))
			Expect(h.srv.Ideas()).To(BeEmpty())
		})
	})

	Describe("auth failure, GraphQLAuthSignal errors", func() {
		BeforeEach(func() {
			h = newAPI(fakeserver.Options{GraphQLAuthSignal: fakeserver.GraphQLAuthErrors})
			ada = h.seedUser()
		})

		It("is 200 with UNAUTHENTICATED and data null, no challenge, journalled authFailure", func() {
			h.srv.ExpireAccess()
			r := h.gql(meQuery, nil, bearer(ada.Access))
			Expect(string(r.Body)).To(Equal(`{"errors":[{"message":"the access token expired","extensions":{"code":"UNAUTHENTICATED"}}],"data":null}`))
			Expect(r.Header.Get("WWW-Authenticate")).To(BeEmpty())
			Expect([]any{h.last().Status, h.last().AuthFailure, h.last().GraphQLOp}).To(Equal([]any{200, true, "me"}))

			msg, code, _ := gqlErrorOf(h.gql(createIdeaM, ideaVars))
			Expect([]string{msg, code}).To(Equal([]string{"no access token", "UNAUTHENTICATED"}))
			Expect(h.srv.Ideas()).To(BeEmpty())

			fresh := h.login("ada@example.com", "pw-ada")
			Expect(h.gql(meQuery, nil, bearer(fresh.Access)).Status).To(Equal(http.StatusOK))
			Expect(h.last().AuthFailure).To(BeFalse())
		})

		It("leaves REST as it is, and answers several Authorization headers 400", func() {
			h.srv.ExpireAccess()
			expectError(h.me(ada.Access), http.StatusUnauthorized)
			Expect(h.last().AuthFailure).To(BeTrue())
			expectError(h.gql(meQuery, nil, bearer(ada.Access), bearer(ada.Access)), http.StatusBadRequest)
			Expect(h.last().AuthFailure).To(BeFalse())
		})
	})

	It("marks authFailure only on the access token's refusal, real or faulted", func() {
		expectError(h.do("POST", "/api/auth/login", jsonBody(map[string]any{"email": "ada@example.com", "password": "no"})), 401)
		Expect(h.last().AuthFailure).To(BeFalse(), "a credential error")
		expectError(h.refresh("garbage"), 401)
		Expect(h.last().AuthFailure).To(BeFalse(), "the session is over; no challenge")
		Expect(h.me(ada.Access).Status).To(Equal(200))
		Expect(h.last().AuthFailure).To(BeFalse())
		expectError(h.me("garbage"), 401)
		Expect(h.last().AuthFailure).To(BeTrue())

		h.srv.AddFault(fakeserver.Rule{Path: fakeserver.PathGraphQL, Times: 1, Action: fakeserver.ActionStatus, Status: 401})
		expectError(h.gql(createIdeaM, ideaVars, bearer(ada.Access)), 401)
		Expect([]any{h.last().AuthFailure, h.last().Fault, h.last().GraphQLOp}).To(Equal([]any{true, "status", "createIdea"}),
			"a faulted mutation still counts as sent")
		Expect(h.srv.Ideas()).To(BeEmpty())
	})

	Describe("hostile input", func() {
		DescribeTable("a body that is not a GraphQL request is 400 {message}",
			func(body, want string) {
				r := h.do("POST", fakeserver.PathGraphQL, []byte(body), bearer(ada.Access))
				expectError(r, http.StatusBadRequest)
				Expect(r.Message()).To(Equal(want))
				Expect(h.last().GraphQLOp).To(BeEmpty())
			},
			Entry("empty", "", "a JSON object is required"),
			Entry("not JSON", "query { me { id } }", "malformed JSON object"),
			Entry("an array", `[{"query":"{me{id}}"}]`, "malformed JSON object"),
			Entry("trailing data", `{"query":"{me{id}}"} {}`, "trailing data after the JSON object"),
			Entry("no query", `{"variables":{}}`, `"query" is required: a string holding the GraphQL document`),
			Entry("query not a string", `{"query":{"me":true}}`, `"query" is required: a string holding the GraphQL document`),
			Entry("variables not an object", `{"query":"{me{id}}","variables":[1]}`, `"variables" must be a JSON object`),
			Entry("operationName not a string", `{"query":"{me{id}}","operationName":7}`, `"operationName" must be a string`),
		)

		DescribeTable("a document that is not one of the two operations is 200 BAD_USER_INPUT without data",
			func(query, want string) {
				msg, code, hasData := gqlErrorOf(h.gql(query, nil, bearer(ada.Access)))
				Expect(code).To(Equal("BAD_USER_INPUT"))
				Expect(hasData).To(BeFalse())
				Expect(msg).To(ContainSubstring(want))
				Expect(h.last().GraphQLOp).To(BeEmpty())
				Expect(h.last().AuthFailure).To(BeFalse())
			},
			Entry("another field", `{ ideas { id } }`, "this server answers only"),
			Entry("two root fields", `{ me { id } __typename }`, "this server answers only"),
			Entry("createIdea as a query", `{ createIdea(input: {}) { id } }`, "this server answers only"),
			Entry("me as a mutation", `mutation { me { id } }`, "this server answers only"),
			Entry("a subscription", `subscription { me { id } }`, "subscriptions are not supported"),
			Entry("me with arguments", `{ me(id: 1) { id } }`, "me takes no arguments"),
			Entry("createIdea without input", `mutation { createIdea(data: {}) { id } }`, "createIdea takes one argument, input"),
			Entry("empty", ``, "the query is empty"),
			Entry("only a comment", "# nothing", "the query is empty"),
			Entry("two operations", `{ me { id } } { me { id } }`, "several operations"),
			Entry("a fragment", `fragment F on User { id }`, "fragments are not supported"),
			Entry("a spread", `{ me { ...F } }`, "fragments are not supported"),
			Entry("unbalanced", `{ me { id }`, `syntax error: expected a name, found the end of the document`),
			Entry("an empty selection", `{ }`, `syntax error: expected a name, found "}"`),
			Entry("an unterminated string", `mutation { createIdea(input: {title: "t) { id } }`, "syntax error: unterminated string"),
			Entry("a block string", `mutation { createIdea(input: {title: """t"""}) { id } }`, "block strings are not supported"),
			Entry("a bad escape", `mutation { createIdea(input: {title: "\q"}) { id } }`, "syntax error: invalid string"),
			Entry("a bad number", `mutation { createIdea(input: {n: 01}) { id } }`, `syntax error: invalid number "01"`),
			Entry("a stray character", `{ me { id; } }`, `syntax error: unexpected character ';'`),
			Entry("a variable in a default", `query($a: Int = $b) { me { id } }`, "cannot use a variable"),
			Entry("deep nesting", "{me"+strings.Repeat("{a", 200)+strings.Repeat("}", 201), "nests more than 32 levels"),
			Entry("deep values", `mutation { createIdea(input: `+strings.Repeat("[", 100)+`) { id } }`, "nests more than 32 levels"),
		)

		It("refuses a huge document without trouble, and a body over 1 MiB with 413", func() {
			huge := strings.Repeat("{a", (fakeserver.MaxBodyBytes-100)/2)
			msg, code, _ := gqlErrorOf(h.gql(huge, nil, bearer(ada.Access)))
			Expect([]string{code, msg}).To(Equal([]string{"BAD_USER_INPUT", "syntax error: the document nests more than 32 levels deep"}))

			wide := `{ me { ` + strings.Repeat("id ", (fakeserver.MaxBodyBytes-100)/3) + `} }`
			Expect(h.gql(wide, nil, bearer(ada.Access)).Status).To(Equal(http.StatusOK))

			long := `mutation { createIdea(input: {title: "` + strings.Repeat("x", fakeserver.MaxBodyBytes-200) + `", summary: "s", description: "d"}) { id } }`
			Expect(h.gql(long, nil, bearer(ada.Access)).Status).To(Equal(http.StatusOK))
			Expect(h.srv.Ideas()).To(HaveLen(1))

			r := h.do("POST", fakeserver.PathGraphQL, bytes.Repeat([]byte(" "), fakeserver.MaxBodyBytes+1), bearer(ada.Access))
			expectError(r, http.StatusRequestEntityTooLarge)
			for _, e := range h.srv.Journal() {
				Expect(e.Status).To(BeNumerically("<", 500))
			}
		})

		It("answers only POST", func() {
			r := h.do("GET", fakeserver.PathGraphQL+"?query={me{id}}", nil, bearer(ada.Access))
			expectError(r, http.StatusMethodNotAllowed)
			Expect(r.Header.Get("Allow")).To(Equal("POST"))
		})
	})
})

var _ = Describe("a status-401 fault on POST /graphql", func() {
	It("answers the server's GraphQL auth signal: 200 UNAUTHENTICATED in errors mode", func() {
		h := newAPI(fakeserver.Options{GraphQLAuthSignal: fakeserver.GraphQLAuthErrors})
		ada := h.seedUser()
		h.srv.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathGraphQL, Action: fakeserver.ActionStatus, Status: 401})
		_, code, _ := gqlErrorOf(h.gql("{ me { id } }", nil, bearer(ada.Access)))
		Expect(code).To(Equal("UNAUTHENTICATED"))
		e := h.srv.Journal()[len(h.srv.Journal())-1]
		Expect(e.AuthFailure).To(BeTrue())
		Expect(e.Fault).To(Equal("status"))
	})
})
