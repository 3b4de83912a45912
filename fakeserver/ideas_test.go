package fakeserver_test

import (
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Ideas endpoints", func() {
	var (
		h   *apiHarness
		ada apiSession
	)
	BeforeEach(func() {
		h = newAPI(fakeserver.Options{})
		ada = h.seedUser()
	})

	ideasOf := func(r apiReply) []fakeserver.Idea {
		GinkgoHelper()
		Expect(r.Status).To(Equal(200), string(r.Body))
		var ideas []fakeserver.Idea
		r.JSON(&ideas)
		return ideas
	}
	titles := func(ideas []fakeserver.Idea) []string {
		out := []string{}
		for _, i := range ideas {
			out = append(out, i.Title)
		}
		return out
	}

	It("POST creates an idea owned by the caller, createdAt from the server clock, tags default []", func() {
		h.srv.Advance(1500 * time.Millisecond)
		r := h.do("POST", "/api/ideas", []byte(`{"title":"t","summary":"s","description":"d"}`), bearer(ada.Access))
		Expect(r.Status).To(Equal(201))
		Expect(string(r.Body)).To(ContainSubstring(`"tags":[]`))
		var idea fakeserver.Idea
		r.JSON(&idea)
		Expect(idea).To(Equal(fakeserver.Idea{ID: "i1", Title: "t", Summary: "s", Description: "d",
			Tags: []string{}, User: "u1", CreatedAt: "2026-11-26T10:00:01.5Z"}))
		Expect(h.srv.Ideas()).To(Equal([]fakeserver.Idea{idea}))
	})

	It("GET lists newest first by the clock, ties broken by creation order, and honours _limit", func() {
		for _, t := range []string{"a", "b"} {
			_, err := h.srv.AddIdea("ada@example.com", fakeserver.IdeaInput{Title: t, Summary: "s", Description: "d"})
			Expect(err).NotTo(HaveOccurred())
		}
		h.srv.Advance(time.Second)
		Expect(h.do("POST", "/api/ideas", ideaBody("c"), bearer(ada.Access)).Status).To(Equal(201))
		_, err := h.srv.AddIdea("ada@example.com", fakeserver.IdeaInput{Title: "d", Summary: "s", Description: "d"})
		Expect(err).NotTo(HaveOccurred())
		Expect(titles(ideasOf(h.do("GET", "/api/ideas", nil)))).To(Equal([]string{"d", "c", "b", "a"}))
		Expect(titles(ideasOf(h.do("GET", "/api/ideas?_limit=2", nil)))).To(Equal([]string{"d", "c"}))
		Expect(titles(ideasOf(h.do("GET", "/api/ideas?_limit=0", nil)))).To(BeEmpty())
		Expect(titles(ideasOf(h.do("GET", "/api/ideas?_limit=99", nil)))).To(HaveLen(4))
		Expect(h.last().Path).To(Equal("/api/ideas"), "the journal path has no query")
	})

	DescribeTable("GET answers 400 for a bad _limit",
		func(q string) { expectError(h.do("GET", "/api/ideas?"+q, nil), 400) },
		Entry("negative", "_limit=-1"), Entry("word", "_limit=ten"), Entry("empty", "_limit="),
		Entry("plus sign", "_limit=%2B3"), Entry("fraction", "_limit=1.5"),
		Entry("overflow", "_limit=99999999999999999999999"),
	)

	It("GET /api/ideas/{id} answers the idea or 404", func() {
		idea, err := h.srv.AddIdea("ada@example.com", fakeserver.IdeaInput{Title: "x", Summary: "s", Description: "d", Tags: []string{"k"}})
		Expect(err).NotTo(HaveOccurred())
		r := h.do("GET", "/api/ideas/"+idea.ID, nil)
		Expect(r.Status).To(Equal(200))
		var got fakeserver.Idea
		r.JSON(&got)
		Expect(got).To(Equal(idea))
		expectError(h.do("GET", "/api/ideas/i999", nil), 404)
	})

	Describe("PUT and DELETE", func() {
		var mine, bobs fakeserver.Idea
		var bob apiSession
		BeforeEach(func() {
			var err error
			mine, err = h.srv.AddIdea("ada@example.com", fakeserver.IdeaInput{Title: "mine", Summary: "s", Description: "d"})
			Expect(err).NotTo(HaveOccurred())
			_, err = h.srv.AddUser("Bob", "bob@example.com", "pw-bob")
			Expect(err).NotTo(HaveOccurred())
			bobs, err = h.srv.AddIdea("bob@example.com", fakeserver.IdeaInput{Title: "bobs", Summary: "s", Description: "d"})
			Expect(err).NotTo(HaveOccurred())
			bob = h.login("bob@example.com", "pw-bob")
		})

		It("PUT replaces title, summary, description and tags", func() {
			r := h.do("PUT", "/api/ideas/"+mine.ID, jsonBody(map[string]any{"title": "T", "summary": "S", "description": "D", "tags": []string{"x", "y"}}), bearer(ada.Access))
			Expect(r.Status).To(Equal(200))
			var got fakeserver.Idea
			r.JSON(&got)
			Expect(got).To(Equal(fakeserver.Idea{ID: mine.ID, Title: "T", Summary: "S", Description: "D", Tags: []string{"x", "y"}, User: "u1", CreatedAt: mine.CreatedAt}))
			r = h.do("PUT", "/api/ideas/"+mine.ID, ideaBody("again"), bearer(ada.Access))
			Expect(r.Status).To(Equal(200))
		})

		It("follows the precedence 401, 400, 404, 403", func() {
			expectError(h.do("PUT", "/api/ideas/nope", []byte(`{`), bearer("junk")), 401)
			expectError(h.do("PUT", "/api/ideas/nope", []byte(`{`), bearer(bob.Access)), 400)
			expectError(h.do("PUT", "/api/ideas/nope", ideaBody("x"), bearer(bob.Access)), 404)
			expectError(h.do("PUT", "/api/ideas/"+mine.ID, ideaBody("x"), bearer(bob.Access)), 403)
			expectError(h.do("DELETE", "/api/ideas/nope", nil, bearer("junk")), 401)
			expectError(h.do("DELETE", "/api/ideas/nope", nil, bearer(bob.Access)), 404)
			expectError(h.do("DELETE", "/api/ideas/"+mine.ID, nil, bearer(bob.Access)), 403)
			Expect(h.srv.Ideas()).To(HaveLen(2))
		})

		It("DELETE removes the owner's idea once and answers {message}", func() {
			r := h.do("DELETE", "/api/ideas/"+bobs.ID, nil, bearer(bob.Access))
			Expect(r.Status).To(Equal(200))
			Expect(r.Message()).NotTo(BeEmpty())
			expectError(h.do("DELETE", "/api/ideas/"+bobs.ID, nil, bearer(bob.Access)), 404)
			Expect(titles(h.srv.Ideas())).To(Equal([]string{"mine"}))
		})
	})

	DescribeTable("POST answers 400 for a bad idea body",
		func(body string) {
			expectError(h.do("POST", "/api/ideas", []byte(body), bearer(ada.Access)), 400)
			Expect(h.srv.Ideas()).To(BeEmpty())
		},
		Entry("empty", ""), Entry("null", "null"), Entry("array", "[]"),
		Entry("missing title", `{"summary":"s","description":"d"}`),
		Entry("missing summary", `{"title":"t","description":"d"}`),
		Entry("missing description", `{"title":"t","summary":"s"}`),
		Entry("blank title", `{"title":"  ","summary":"s","description":"d"}`),
		Entry("number title", `{"title":1,"summary":"s","description":"d"}`),
		Entry("object summary", `{"title":"t","summary":{},"description":"d"}`),
		Entry("tags a string", `{"title":"t","summary":"s","description":"d","tags":"x"}`),
		Entry("tags of numbers", `{"title":"t","summary":"s","description":"d","tags":[1]}`),
		Entry("malformed", `{"title":"t",`),
	)

	It("POST accepts null tags and ignores unknown fields", func() {
		r := h.do("POST", "/api/ideas", []byte(`{"title":"t","summary":"s","description":"d","tags":null,"extra":1}`), bearer(ada.Access))
		Expect(r.Status).To(Equal(201))
		var raw map[string]json.RawMessage
		r.JSON(&raw)
		Expect(string(raw["tags"])).To(Equal("[]"))
	})

	It("the Go API validates like the HTTP API", func() {
		_, err := h.srv.AddIdea("ada@example.com", fakeserver.IdeaInput{Title: "t"})
		Expect(err).To(MatchError(fakeserver.ErrInvalidInput))
		_, err = h.srv.AddIdea("nobody@example.com", fakeserver.IdeaInput{Title: "t", Summary: "s", Description: "d"})
		Expect(err).To(MatchError(fakeserver.ErrUnknownUser))
		_, err = h.srv.AddUser("Ada", "ADA@example.com", "x")
		Expect(err).To(MatchError(fakeserver.ErrEmailTaken))
		_, err = h.srv.AddUser("", "z@example.com", "x")
		Expect(err).To(MatchError(fakeserver.ErrInvalidInput))
		Expect(h.srv.Users()).To(Equal([]fakeserver.User{ada.User}))
	})
})
