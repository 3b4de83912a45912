package fakeserver_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Journal", func() {
	It("records arrival order, server time, method, path without query, body hash and status", func() {
		h := newAPI(fakeserver.Options{})
		ada := h.seedUser()
		h.srv.Advance(1500 * time.Millisecond)
		body := ideaBody("x")
		h.do("POST", "/api/ideas?draft=1", body, bearer(ada.Access))
		h.do("GET", "/api/ideas", nil)
		j := h.srv.Journal()
		Expect(j).To(HaveLen(3))
		sum := sha256.Sum256(body)
		e := j[1]
		Expect(e.Seq).To(Equal(2))
		Expect(e.VirtualTime).To(Equal("2026-11-26T10:00:01.5Z"))
		Expect([]any{e.Method, e.Path, e.Status, e.BodySha256, string(e.Body)}).
			To(Equal([]any{"POST", "/api/ideas", 201, hex.EncodeToString(sum[:]), string(body)}))
		Expect([]any{e.AccessToken, e.AccessState, e.RefreshToken, e.RefreshState, e.AuthorizationHeaders, e.Fault}).
			To(Equal([]any{"A0", "valid", "", "none", 1, ""}))
		Expect(j[2].BodySha256).To(BeEmpty())
		Expect(j[2].AccessState).To(Equal("none"))
		Expect(j[0].RealOffsetMs).To(BeNumerically("<=", j[0].RespondedOffsetMs))
		Expect(j[0].RespondedOffsetMs).To(BeNumerically("<", j[1].RealOffsetMs))
		Expect(j.LastSeq()).To(Equal(3))
		Expect(fakeserver.Journal{}.LastSeq()).To(BeZero())
	})

	It("serialises with the shared schema's field names and keeps Body out", func() {
		h := newAPI(fakeserver.Options{})
		h.do("POST", "/api/auth/login", []byte(`{"email":"a@b","password":"p"}`))
		b, err := json.Marshal(h.srv.Journal()[0])
		Expect(err).NotTo(HaveOccurred())
		var m map[string]any
		Expect(json.Unmarshal(b, &m)).To(Succeed())
		Expect(m).To(HaveKey("seq"))
		for _, k := range []string{"virtualTime", "realOffsetMs", "method", "path", "accessToken", "accessState",
			"refreshToken", "refreshState", "status", "bodySha256", "fault", "instance"} {
			Expect(m).To(HaveKey(k))
		}
		Expect(m).NotTo(HaveKey("Body"))
		Expect(m).NotTo(HaveKey("body"))
	})

	Describe("instance, from the X-Tokenclock-Instance header", func() {
		var (
			h   *apiHarness
			ada apiSession
		)
		BeforeEach(func() {
			h = newAPI(fakeserver.Options{})
			ada = h.seedUser()
		})

		// meAs calls GET /api/auth/me with extra "X-Tokenclock-Instance: v" lines and
		// answers the journalled instance, after checking the request was not failed.
		meAs := func(values ...string) int {
			GinkgoHelper()
			headers := []string{bearer(ada.Access)}
			for _, v := range values {
				headers = append(headers, fakeserver.InstanceHeader+": "+v)
			}
			Expect(h.do("GET", "/api/auth/me", nil, headers...).Status).To(Equal(200), "the header never fails a request")
			return h.last().Instance
		}

		DescribeTable("records one decimal integer in 0..1023, and 0 for anything else",
			func(want int, values ...string) {
				Expect(meAs(values...)).To(Equal(want))
				b, err := json.Marshal(h.last())
				Expect(err).NotTo(HaveOccurred())
				Expect(string(b)).To(ContainSubstring(`"instance":%d`, want), "always present, 0 included")
			},
			Entry("absent", 0),
			Entry("0", 0, "0"),
			Entry("3", 3, "3"),
			Entry("the largest, 1023", 1023, "1023"),
			Entry("a leading zero", 7, "07"),
			Entry("1024, past the largest", 0, "1024"),
			Entry("five digits", 0, "00001"),
			Entry("beyond any int", 0, "99999999999999999999999"),
			Entry("negative", 0, "-1"),
			Entry("a plus sign", 0, "+1"),
			Entry("empty", 0, ""),
			Entry("a word", 0, "tab"),
			Entry("hexadecimal", 0, "0x1"),
			Entry("a list in one line", 0, "1, 2"),
			Entry("a fraction", 0, "1.0"),
			Entry("non-ASCII digits", 0, "١"),
			Entry("two header lines", 0, "1", "2"),
			Entry("two equal header lines", 0, "1", "1"),
		)

		It("is recorded at arrival: a held request shows it while pending", func() {
			f := h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Times: 1, Action: fakeserver.ActionHoldBefore})
			done := make(chan int, 1)
			go func() {
				defer GinkgoRecover()
				done <- h.do("GET", "/api/auth/me", nil, bearer(ada.Access), fakeserver.InstanceHeader+": 2").Status
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			Expect(f.WaitHeld(ctx, 1)).To(Succeed())
			Expect([]any{h.last().Pending, h.last().Instance}).To(Equal([]any{true, 2}))
			f.Release()
			Expect(<-done).To(Equal(200))
			Expect([]any{h.last().Pending, h.last().Instance}).To(Equal([]any{false, 2}))
		})
	})

	It("labels tokens stably across requests and states", func() {
		h := newAPI(fakeserver.Options{})
		ada := h.seedUser()
		h.me(ada.Access)
		n := sessionOf(h.refresh(ada.Refresh))
		h.me(n.Access)
		h.srv.ExpireAccess()
		h.me(ada.Access)
		h.refresh(ada.Refresh)
		var got [][]string
		for _, e := range h.srv.Journal()[1:] {
			got = append(got, []string{e.AccessToken, e.AccessState, e.RefreshToken, e.RefreshState})
		}
		Expect(got).To(Equal([][]string{
			{"A0", "valid", "", "none"},
			{"", "none", "R0", "valid"},
			{"A1", "valid", "", "none"},
			{"A0", "expired", "", "none"},
			{"", "none", "R0", "reused"},
		}))
		secrets := h.srv.Secrets()
		Expect(secrets[ada.Access]).To(Equal("A0"))
		Expect(secrets[n.Refresh]).To(Equal("R1"))
		Expect(h.srv.Label("unknown")).To(BeEmpty())
	})

	It("query helpers select by path, seq, arrival after a response, and predicate", func() {
		h := newAPI(fakeserver.Options{})
		ada := h.seedUser()
		h.refresh(ada.Refresh)
		h.me(ada.Access)
		h.refresh(ada.Refresh)
		j := h.srv.Journal()
		Expect(j.Refreshes()).To(HaveLen(2))
		Expect(j.To("", "/api/auth/me")).To(HaveLen(1))
		Expect(j.To("POST", "/api/auth/me")).To(BeEmpty())
		Expect(j.Since(2)).To(HaveLen(2))
		after := j.ArrivedAfter(j.Refreshes()[0])
		Expect(after).To(HaveLen(2))
		Expect(after[0].Path).To(Equal("/api/auth/me"))
		Expect(j.Where(func(e fakeserver.Entry) bool { return e.Status == 401 })).To(HaveLen(1))
		Expect(j.WithAccess("A0")).To(HaveLen(1))
		Expect(j.WithRefresh("R0")).To(HaveLen(2))
		Expect(j.Finished()).To(HaveLen(4))
		_, ok := j.Seq(99)
		Expect(ok).To(BeFalse())
	})

	It("Since takes the tail of a journal in seq order, filters any other, and an append to its result leaves the journal alone", func() {
		j := fakeserver.Journal{{Seq: 1}, {Seq: 2}, {Seq: 3}, {Seq: 4}}
		seqs := func(j fakeserver.Journal) []int {
			out := []int{}
			for _, e := range j {
				out = append(out, e.Seq)
			}
			return out
		}
		Expect(seqs(j.Since(2))).To(Equal([]int{3, 4}))
		Expect(seqs(j.Since(0))).To(Equal([]int{1, 2, 3, 4}))
		Expect(j.Since(4)).To(BeEmpty())
		head := j[:2:4] // room to grow into j's entries
		_ = append(head.Since(1), fakeserver.Entry{Seq: 99})
		Expect(seqs(j)).To(Equal([]int{1, 2, 3, 4}))
		shuffled := fakeserver.Journal{{Seq: 3}, {Seq: 1}, {Seq: 4}, {Seq: 2}}
		Expect(seqs(shuffled.Since(2))).To(Equal([]int{3, 4}))
	})

	It("is bounded: drops the oldest entries and counts them", func() {
		h := newAPI(fakeserver.Options{JournalLimit: 3})
		for i := 0; i < 5; i++ {
			h.do("GET", "/api/ideas", nil)
		}
		j := h.srv.Journal()
		Expect([]int{j[0].Seq, j[1].Seq, j[2].Seq}).To(Equal([]int{3, 4, 5}))
		Expect(h.srv.State().JournalDropped).To(Equal(2))
		Expect(h.srv.State().Requests).To(Equal(5))
	})

	It("calls OnRequest once per finished request and does not journal control requests", func() {
		var mu sync.Mutex
		var seen []fakeserver.Entry
		h := newAPI(fakeserver.Options{ExposeControl: true, OnRequest: func(e fakeserver.Entry) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, e)
		}})
		h.do("GET", "/api/ideas", nil)
		h.do("GET", "/nope", nil)
		Expect(h.do("GET", "/_tokenclock/state", nil).Status).To(Equal(200))
		mu.Lock()
		defer mu.Unlock()
		Expect(seen).To(HaveLen(2))
		Expect([]int{seen[0].Status, seen[1].Status}).To(Equal([]int{200, 404}))
		Expect(seen[0].Pending).To(BeFalse())
		Expect(h.srv.Journal()).To(HaveLen(2))
	})

	It("without ExposeControl, control paths are ordinary unknown paths", func() {
		h := newAPI(fakeserver.Options{})
		expectError(h.do("GET", "/_tokenclock/state", nil), 404)
		Expect(h.srv.Journal()).To(HaveLen(1))
	})
})
