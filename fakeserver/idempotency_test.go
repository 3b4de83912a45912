package fakeserver_test

import (
	"net/http"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

func idemKey(k string) string { return fakeserver.IdempotencyKeyHeader + ": " + k }

var _ = Describe("Idempotency-Key on POST /api/ideas", func() {
	var (
		h   *apiHarness
		ada apiSession
	)
	BeforeEach(func() {
		h = newAPI(fakeserver.Options{})
		ada = h.seedUser()
	})
	create := func(s apiSession, body []byte, headers ...string) apiReply {
		return h.do("POST", "/api/ideas", body, append([]string{bearer(s.Access)}, headers...)...)
	}

	It("answers the first 2xx again for the same key and a JSON-equal body, creating nothing", func() {
		first := create(ada, []byte(`{"title":"t","summary":"s","description":"d"}`), idemKey("8e03978e-40d5"))
		Expect(first.Status).To(Equal(http.StatusCreated))
		Expect(h.last().IdempotencyKey).To(Equal("K1"))
		Expect(h.last().IdempotentReplay).To(BeFalse())

		again := create(ada, []byte(" {\"description\":\"d\", \"summary\":\"s\",\n\"title\":\"t\"} "), idemKey("8e03978e-40d5"))
		Expect(again.Status).To(Equal(http.StatusCreated))
		Expect(again.Body).To(Equal(first.Body))
		Expect(again.Header.Get("Content-Type")).To(Equal("application/json; charset=utf-8"))
		Expect(h.srv.Ideas()).To(HaveLen(1))
		e := h.last()
		Expect([]any{e.IdempotencyKey, e.IdempotentReplay, e.Status}).To(Equal([]any{"K1", true, http.StatusCreated}))
		Expect(string(jsonBody(e))).To(ContainSubstring(`"idempotencyKey":"K1","idempotentReplay":true`))
	})

	It("answers 422 for the same key with a different body, and creates nothing", func() {
		Expect(create(ada, ideaBody("one"), idemKey("k")).Status).To(Equal(http.StatusCreated))
		for _, body := range [][]byte{ideaBody("two"), []byte(`not json`), []byte(`{"title":"one"}`)} {
			r := create(ada, body, idemKey("k"))
			expectError(r, http.StatusUnprocessableEntity)
			Expect(r.Message()).To(Equal("this Idempotency-Key was already used with a different request body"))
			Expect([]any{h.last().IdempotencyKey, h.last().IdempotentReplay}).To(Equal([]any{"K1", false}))
		}
		Expect(h.srv.Ideas()).To(HaveLen(1))
	})

	It("labels distinct key values K1, K2, … and keeps keys per user", func() {
		Expect(create(ada, ideaBody("a"), idemKey("x")).Status).To(Equal(http.StatusCreated))
		Expect(create(ada, ideaBody("a"), idemKey("y")).Status).To(Equal(http.StatusCreated))
		Expect(h.last().IdempotencyKey).To(Equal("K2"))
		bob := h.register("bob")
		r := create(bob, ideaBody("a"), idemKey("x"))
		Expect(r.Status).To(Equal(http.StatusCreated))
		Expect([]any{h.last().IdempotencyKey, h.last().IdempotentReplay}).To(Equal([]any{"K1", false}),
			"one value, one label; but Bob's key is his own")
		Expect(h.srv.Ideas()).To(HaveLen(3))
		create(ada, ideaBody("a"))
		Expect(h.last().IdempotencyKey).To(BeEmpty())
	})

	It("keeps only a 2xx: a key whose first use failed still creates", func() {
		expectError(create(ada, []byte(`{"title":"t"}`), idemKey("k")), http.StatusBadRequest)
		Expect(h.last().IdempotencyKey).To(Equal("K1"))
		Expect(create(ada, ideaBody("t"), idemKey("k")).Status).To(Equal(http.StatusCreated))
		Expect(h.last().IdempotentReplay).To(BeFalse())
		Expect(create(ada, ideaBody("t"), idemKey("k")).Status).To(Equal(http.StatusCreated))
		Expect(h.last().IdempotentReplay).To(BeTrue())
		Expect(h.srv.Ideas()).To(HaveLen(1))
	})

	DescribeTable("a header the server refuses is 400, journalled ?",
		func(headers []string, message string) {
			r := create(ada, ideaBody("t"), headers...)
			expectError(r, http.StatusBadRequest)
			Expect(r.Message()).To(Equal(message))
			Expect(h.last().IdempotencyKey).To(Equal("?"))
			Expect(h.srv.Ideas()).To(BeEmpty())
		},
		Entry("huge", []string{idemKey(strings.Repeat("k", 64<<10))}, "the Idempotency-Key header is longer than 255 bytes"),
		Entry("one byte too long", []string{idemKey(strings.Repeat("k", 256))}, "the Idempotency-Key header is longer than 255 bytes"),
		Entry("sent twice", []string{idemKey("a"), idemKey("b")}, "more than one Idempotency-Key header"),
		Entry("empty", []string{idemKey("")}, "the Idempotency-Key header is empty"),
		Entry("a control character", []string{idemKey("a\tb")}, "the Idempotency-Key header must be printable ASCII"),
		Entry("not ASCII", []string{idemKey("clé")}, "the Idempotency-Key header must be printable ASCII"),
	)

	It("takes a key of exactly 255 bytes, and judges credentials before the key", func() {
		Expect(create(ada, ideaBody("t"), idemKey(strings.Repeat("k", 255))).Status).To(Equal(http.StatusCreated))
		r := h.do("POST", "/api/ideas", ideaBody("t"), idemKey(strings.Repeat("k", 300)))
		expectError(r, http.StatusUnauthorized)
		Expect(h.last().IdempotencyKey).To(Equal("?"))
	})

	It("is ignored elsewhere", func() {
		Expect(create(ada, ideaBody("t")).Status).To(Equal(http.StatusCreated))
		r := h.do("PUT", "/api/ideas/i1", ideaBody("u"), bearer(ada.Access), idemKey(strings.Repeat("k", 1000)))
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(h.last().IdempotencyKey).To(BeEmpty())
	})

	It("creates one idea for parallel requests with one key, and answers them all alike", func() {
		f := h.srv.AddFault(fakeserver.Rule{Method: "POST", Path: "/api/ideas", Action: fakeserver.ActionHoldBefore, ReleaseAfter: 8})
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			replies []apiReply
		)
		for range 8 {
			wg.Add(1)
			go func() {
				defer GinkgoRecover()
				defer wg.Done()
				r := create(ada, ideaBody("once"), idemKey("parallel"))
				mu.Lock()
				replies = append(replies, r)
				mu.Unlock()
			}()
		}
		wg.Wait()
		Expect(f.Held()).To(Equal(8), "all eight were let go together")
		Expect(h.srv.Ideas()).To(HaveLen(1))
		for _, r := range replies {
			Expect(r.Status).To(Equal(http.StatusCreated))
			Expect(r.Body).To(Equal(replies[0].Body))
		}
		replays := 0
		for _, e := range h.srv.Journal() {
			if e.IdempotentReplay {
				replays++
			}
		}
		Expect(replays).To(Equal(7))
	})

	It("is bounded: a forgotten key is new again, and gets a new label", func() {
		h = newAPI(fakeserver.Options{MaxIdempotencyKeys: 2})
		ada = h.seedUser()
		for _, k := range []string{"a", "b", "c"} {
			Expect(create(ada, ideaBody(k), idemKey(k)).Status).To(Equal(http.StatusCreated))
		}
		Expect(create(ada, ideaBody("c"), idemKey("c")).Status).To(Equal(http.StatusCreated))
		Expect([]any{h.last().IdempotencyKey, h.last().IdempotentReplay}).To(Equal([]any{"K3", true}))
		Expect(create(ada, ideaBody("a"), idemKey("a")).Status).To(Equal(http.StatusCreated))
		Expect([]any{h.last().IdempotencyKey, h.last().IdempotentReplay}).To(Equal([]any{"K4", false}))
		Expect(h.srv.Ideas()).To(HaveLen(4))
	})

	It("bounds the kept answers' bytes too, always keeping the newest", func() {
		h = newAPI(fakeserver.Options{MaxIdempotencyBytes: 1})
		ada = h.seedUser()
		Expect(create(ada, ideaBody("a"), idemKey("a")).Status).To(Equal(http.StatusCreated))
		Expect(create(ada, ideaBody("a"), idemKey("a")).Status).To(Equal(http.StatusCreated))
		Expect(h.last().IdempotentReplay).To(BeTrue())
		Expect(create(ada, ideaBody("b"), idemKey("b")).Status).To(Equal(http.StatusCreated))
		Expect(create(ada, ideaBody("a"), idemKey("a")).Status).To(Equal(http.StatusCreated))
		Expect(h.last().IdempotentReplay).To(BeFalse())
	})

	It("starts labels again at K1 after a reset", func() {
		Expect(create(ada, ideaBody("a"), idemKey("x")).Status).To(Equal(http.StatusCreated))
		Expect(create(ada, ideaBody("a"), idemKey("y")).Status).To(Equal(http.StatusCreated))
		h.srv.Reset()
		ada = h.seedUser()
		Expect(create(ada, ideaBody("a"), idemKey("y")).Status).To(Equal(http.StatusCreated))
		Expect([]any{h.last().IdempotencyKey, h.last().IdempotentReplay}).To(Equal([]any{"K1", false}))
	})

	It("journals the key of a create a fault answered instead", func() {
		h.srv.AddFault(fakeserver.Rule{Method: "POST", Path: "/api/ideas", Times: 1, Action: fakeserver.ActionStatus, Status: 503})
		expectError(create(ada, ideaBody("a"), idemKey("x")), http.StatusServiceUnavailable)
		Expect(h.last().IdempotencyKey).To(Equal("K1"))
		Expect(create(ada, ideaBody("a"), idemKey("x")).Status).To(Equal(http.StatusCreated))
		Expect([]any{h.last().IdempotencyKey, h.last().IdempotentReplay}).To(Equal([]any{"K1", false}))
	})

	It("is allowed by a CORS preflight of /api/ideas", func() {
		h = newAPI(fakeserver.Options{CORSOrigin: "http://localhost:5173"})
		r := h.do("OPTIONS", "/api/ideas", nil, "Origin: http://localhost:5173")
		Expect(r.Status).To(Equal(http.StatusNoContent))
		Expect(r.Header.Get("Access-Control-Allow-Headers")).To(ContainSubstring("Idempotency-Key"))
	})
})

var _ = Describe("The commit-401 fault", func() {
	var (
		h   *apiHarness
		ada apiSession
	)
	BeforeEach(func() {
		h = newAPI(fakeserver.Options{})
		ada = h.seedUser()
	})
	commit := func(method, path string) *fakeserver.Fault {
		return h.srv.AddFault(fakeserver.Rule{Method: method, Path: path, Times: 1, Action: fakeserver.ActionCommitThen401})
	}

	It("creates the idea, then answers 401 invalid_token instead of the 201", func() {
		commit("POST", "/api/ideas")
		r := h.createIdea(ada, "committed")
		expectError(r, http.StatusUnauthorized)
		Expect(r.Header.Get("WWW-Authenticate")).To(Equal(`Bearer error="invalid_token", error_description="the access token was revoked"`))
		Expect(r.Message()).To(Equal("the access token was revoked"))
		Expect(h.srv.Ideas()).To(HaveLen(1))
		e := h.last()
		Expect([]any{e.Status, e.Fault, e.AccessState}).To(Equal([]any{http.StatusUnauthorized, "commit-401", fakeserver.StateValid}))
		Expect(h.createIdea(ada, "next").Status).To(Equal(http.StatusCreated), "times 1")
	})

	It("with an Idempotency-Key, lets the retry get the committed answer: one idea", func() {
		commit("POST", "/api/ideas")
		expectError(h.createIdea(ada, "once"), http.StatusUnauthorized) // no key: a plain retry would create again
		Expect(h.srv.Ideas()).To(HaveLen(1))

		commit("POST", "/api/ideas")
		expectError(h.do("POST", "/api/ideas", ideaBody("keyed"), bearer(ada.Access), idemKey("k")), http.StatusUnauthorized)
		fresh := sessionOf(h.refresh(ada.Refresh))
		r := h.do("POST", "/api/ideas", ideaBody("keyed"), bearer(fresh.Access), idemKey("k"))
		Expect(r.Status).To(Equal(http.StatusCreated))
		var idea fakeserver.Idea
		r.JSON(&idea)
		Expect(idea.Title).To(Equal("keyed"))
		Expect(h.last().IdempotentReplay).To(BeTrue())
		Expect(h.srv.Ideas()).To(HaveLen(2))
	})

	It("really rotates a refresh; the client keeps a spent token, and presenting it is reuse", func() {
		commit("POST", "/api/auth/refresh")
		r := h.refresh(ada.Refresh)
		expectError(r, http.StatusUnauthorized)
		Expect(r.Cookie()).To(BeNil(), "the rotated cookie never reached the client")
		e := h.last()
		Expect([]any{e.Fault, e.IssuedRefresh, e.RefreshState}).To(Equal([]any{"commit-401", "R1", fakeserver.StateValid}))
		expectError(h.refresh(ada.Refresh), http.StatusUnauthorized)
		h.expectRefresh("R0", fakeserver.StateReused)
	})

	It("takes an upload, which keeps its attachment id", func() {
		Expect(h.createIdea(ada, "i").Status).To(Equal(http.StatusCreated))
		commit("POST", fakeserver.AttachmentsPath("i1"))
		expectError(h.upload("i1", strings.NewReader("x"), "", bearer(ada.Access)), http.StatusUnauthorized)
		Expect(attachmentOf(h.upload("i1", strings.NewReader("x"), "", bearer(ada.Access))).ID).To(Equal("a2"))
	})

	It("does nothing when a status rule answered first: nothing was handled", func() {
		h.srv.AddFault(fakeserver.Rule{Method: "POST", Path: "/api/ideas", Times: 1, Action: fakeserver.ActionStatus, Status: 503})
		commit("POST", "/api/ideas")
		expectError(h.createIdea(ada, "x"), http.StatusServiceUnavailable)
		Expect(h.last().Fault).To(Equal("status"))
		Expect(h.srv.Ideas()).To(BeEmpty())
	})

	It("is offered by the control API", func() {
		h = newAPI(fakeserver.Options{ExposeControl: true})
		ada = h.seedUser()
		r := h.do("POST", fakeserver.ControlPrefix+"faults", []byte(`{"method":"POST","path":"/api/ideas","times":1,"action":"commit-401"}`))
		Expect(r.Status).To(Equal(http.StatusOK), string(r.Body))
		Expect(h.srv.Faults()[0].Rule()).To(Equal(fakeserver.Rule{Method: "POST", Path: "/api/ideas", Times: 1, Action: fakeserver.ActionCommitThen401}))
		expectError(h.createIdea(ada, "x"), http.StatusUnauthorized)
		Expect(h.srv.Ideas()).To(HaveLen(1))
		r = h.do("POST", fakeserver.ControlPrefix+"faults", []byte(`{"action":"commit-401","releaseAfter":1}`))
		Expect(r.Status).To(Equal(http.StatusBadRequest))
	})
})
