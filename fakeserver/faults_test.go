package fakeserver_test

import (
	"context"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// async sends a request in the background; the reply arrives on the channel.
func (h *apiHarness) async(method, path string, body []byte, headers ...string) <-chan apiReply {
	ch := make(chan apiReply, 1)
	go func() {
		defer GinkgoRecover()
		ch <- h.do(method, path, body, headers...)
	}()
	return ch
}

func waitHeld(f *fakeserver.Fault, n int) {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	Expect(f.WaitHeld(ctx, n)).To(Succeed())
}

// faultOf is the fault field of the journal entry with that seq.
func (h *apiHarness) entry(seq int) fakeserver.Entry {
	GinkgoHelper()
	e, ok := h.srv.Journal().Seq(seq)
	Expect(ok).To(BeTrue())
	return e
}

var _ = Describe("Fault rules", func() {
	var (
		h   *apiHarness
		ada apiSession
	)
	BeforeEach(func() {
		h = newAPI(fakeserver.Options{})
		ada = h.seedUser()
	})
	refreshRule := func(a fakeserver.Action) fakeserver.Rule {
		return fakeserver.Rule{Method: "POST", Path: "/api/auth/refresh", Times: 1, Action: a}
	}

	It("still handles a held refresh whose client went away, and marks it clientGone", func() {
		f := h.srv.AddFault(refreshRule(fakeserver.ActionHoldBefore))
		ctx, cancel := context.WithCancel(context.Background())
		req, err := http.NewRequestWithContext(ctx, "POST", h.srv.URL()+"/api/auth/refresh", nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Cookie", "refreshToken="+ada.Refresh)
		gone := make(chan error, 1)
		go func() { _, err := http.DefaultClient.Do(req); gone <- err }()
		waitHeld(f, 1)
		cancel() // the client aborts while the refresh is held
		Eventually(gone).Should(Receive(HaveOccurred()))
		Consistently(func() bool { return h.last().Pending }, "50ms").Should(BeTrue(), "still held")
		f.Release()
		Eventually(func() bool { return h.last().Pending }).Should(BeFalse())
		e := h.last()
		Expect(e.ClientGone).To(BeTrue())
		Expect(e.Status).To(Equal(200))
		Expect(e.IssuedRefresh).To(Equal("R1"), "the family rotated although nobody read the answer")
		Expect(h.refresh(ada.Refresh).Status).To(Equal(401), "so the client, still holding R0, presents a spent token")
		h.expectRefresh("R0", "reused")
	})

	It("holds a refresh unhandled until released, then handles it", func() {
		f := h.srv.AddFault(refreshRule(fakeserver.ActionHoldBefore))
		done := h.async("POST", "/api/auth/refresh", nil, cookie(ada.Refresh))
		waitHeld(f, 1)
		Consistently(done, "50ms").ShouldNot(Receive())
		e := h.last()
		Expect(e.Pending).To(BeTrue())
		Expect([]string{e.RefreshToken, e.RefreshState}).To(Equal([]string{"R0", "valid"}))
		Expect(h.srv.Secrets()).To(HaveLen(2), "nothing issued while held")
		f.Release()
		var r apiReply
		Eventually(done, "5s").Should(Receive(&r))
		Expect(r.Status).To(Equal(200))
		Expect(h.srv.Label(sessionOf(r).Refresh)).To(Equal("R1"))
		e = h.entry(e.Seq)
		Expect([]any{e.Fault, e.Status, e.Pending, e.IssuedRefresh}).To(Equal([]any{"hold", 200, false, "R1"}))
	})

	It("WaitHeld waits for N held requests; a released rule stays open", func() {
		f := h.srv.AddFault(fakeserver.Rule{Method: "GET", Path: "/api/auth/me", Action: fakeserver.ActionHoldBefore})
		var chans []<-chan apiReply
		for i := 0; i < 5; i++ {
			chans = append(chans, h.async("GET", "/api/auth/me", nil, bearer(ada.Access)))
		}
		waitHeld(f, 5)
		Expect([]int{f.Held(), f.Matched()}).To(Equal([]int{5, 5}))
		Expect(h.srv.Journal().Where(func(e fakeserver.Entry) bool { return e.Pending })).To(HaveLen(5))
		f.Release()
		for _, ch := range chans {
			Expect((<-ch).Status).To(Equal(200))
		}
		Expect(h.me(ada.Access).Status).To(Equal(200))
		Expect([]any{h.last().Fault, f.Held(), f.Matched()}).To(Equal([]any{"", 5, 6}))
	})

	It("WaitHeld returns the context's error when fewer are held", func() {
		f := h.srv.AddFault(refreshRule(fakeserver.ActionHoldBefore))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		Expect(f.WaitHeld(ctx, 1)).To(MatchError(context.DeadlineExceeded))
	})

	It("hold-response rotates for real before the response is released", func() {
		f := h.srv.AddFault(refreshRule(fakeserver.ActionHoldResponse))
		done := h.async("POST", "/api/auth/refresh", nil, cookie(ada.Refresh))
		waitHeld(f, 1)
		Expect(h.srv.Secrets()).To(ContainElements("A1", "R1"))
		Expect(h.last().Pending).To(BeTrue())
		Expect(h.do("POST", "/api/auth/logout", nil, cookie(ada.Refresh)).Status).To(Equal(200))
		h.expectRefresh("R0", fakeserver.StateRevoked) // spent by the held refresh
		Consistently(done, "30ms").ShouldNot(Receive())
		f.Release()
		var r apiReply
		Eventually(done, "5s").Should(Receive(&r))
		Expect(h.srv.Label(sessionOf(r).Refresh)).To(Equal("R1"))
		e := h.srv.Journal().Refreshes()[0]
		Expect([]any{e.Fault, e.Status, e.IssuedAccess, e.IssuedRefresh}).To(Equal([]any{"hold", 200, "A1", "R1"}))
		Expect(e.RespondedOffsetMs).To(BeNumerically(">", h.srv.Journal().To("POST", "/api/auth/logout")[0].RealOffsetMs))
	})

	It("releases a held request by itself after the hold bound (real time)", func() {
		h = newAPI(fakeserver.Options{HoldBound: 100 * time.Millisecond})
		a := h.seedUser()
		f := h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Action: fakeserver.ActionHoldBefore})
		start := time.Now()
		Expect(h.me(a.Access).Status).To(Equal(200))
		Expect(time.Since(start)).To(BeNumerically(">=", 100*time.Millisecond))
		Expect([]any{f.Held(), f.Released(), h.last().Fault}).To(Equal([]any{1, false, "hold"}))
	})

	It("holds a rule's requests for its own HoldFor, past Options.HoldBound", func() {
		h = newAPI(fakeserver.Options{HoldBound: 20 * time.Millisecond})
		a := h.seedUser()
		f := h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Action: fakeserver.ActionHoldBefore, HoldFor: 300 * time.Millisecond})
		other := h.srv.AddFault(fakeserver.Rule{Path: "/api/ideas", Action: fakeserver.ActionHoldBefore})
		start := time.Now()
		Expect(h.me(a.Access).Status).To(Equal(200))
		Expect(time.Since(start)).To(BeNumerically(">=", 300*time.Millisecond), "a lower bound: a busy machine only adds")
		Expect([]any{f.Held(), f.Waiting(), f.Released()}).To(Equal([]any{1, 0, false}), "let go by its bound")
		Expect(h.do("GET", "/api/ideas", nil).Status).To(Equal(200), "a rule without HoldFor: the server's bound")
		Expect(other.Held()).To(Equal(1))
	})

	Describe("Waiting and RemoveFault", func() {
		// A long hold bound, so only Release, RemoveFault or Close let a request go.
		BeforeEach(func() {
			h = newAPI(fakeserver.Options{HoldBound: time.Minute})
			ada = h.seedUser()
		})

		It("counts the requests in the hold now: up as they are held, down as they go", func() {
			f := h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Action: fakeserver.ActionHoldResponse})
			first := h.async("GET", "/api/auth/me", nil, bearer(ada.Access))
			second := h.async("GET", "/api/auth/me", nil, bearer(ada.Access))
			waitHeld(f, 2)
			Expect([]int{f.Held(), f.Waiting()}).To(Equal([]int{2, 2}))
			Expect(h.srv.State().Rules[0].Waiting).To(Equal(2))
			f.Release()
			for _, ch := range []<-chan apiReply{first, second} {
				var r apiReply
				Eventually(ch, "5s").Should(Receive(&r))
				Expect(r.Status).To(Equal(200))
			}
			Expect([]int{f.Held(), f.Waiting()}).To(Equal([]int{2, 0}), "Held counts all time, Waiting only now")
		})

		It("counts a request Close abandons out of the hold", func() {
			f := h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Action: fakeserver.ActionHoldBefore})
			done := h.async("GET", "/api/auth/me", nil, bearer(ada.Access))
			waitHeld(f, 1)
			Expect(f.Waiting()).To(Equal(1))
			h.srv.Close() // waits for the handler, which leaves the hold first
			Expect(f.Waiting()).To(BeZero())
			var r apiReply
			Eventually(done, "5s").Should(Receive(&r))
			Expect(r.Err).To(HaveOccurred(), "abandoned: no answer")
		})

		It("RemoveFault removes one rule and lets what it holds go; Fault finds installed rules by id", func() {
			hold := h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Action: fakeserver.ActionHoldBefore})
			keep := h.srv.AddFault(fakeserver.Rule{Path: "/api/ideas", Action: fakeserver.ActionStatus, Status: 503})
			Expect(h.srv.Fault(hold.ID())).To(BeIdenticalTo(hold))
			done := h.async("GET", "/api/auth/me", nil, bearer(ada.Access))
			waitHeld(hold, 1)
			Expect(h.srv.RemoveFault(hold.ID())).To(BeTrue())
			var r apiReply
			Eventually(done, "5s").Should(Receive(&r))
			Expect(r.Status).To(Equal(200))
			Expect(h.srv.RemoveFault(hold.ID())).To(BeFalse(), "already removed")
			Expect(h.srv.RemoveFault(99)).To(BeFalse())
			Expect(h.srv.Fault(hold.ID())).To(BeNil())
			Expect(h.srv.Faults()).To(Equal([]*fakeserver.Fault{keep}))
			Expect(h.me(ada.Access).Status).To(Equal(200))
			Expect(hold.Matched()).To(Equal(1), "matches nothing once removed")
			Expect(h.do("GET", "/api/ideas", nil).Status).To(Equal(503))
		})

		It("ReleaseHolds releases the holding rules only, and says which", func() {
			status := h.srv.AddFault(fakeserver.Rule{Path: "/api/ideas", Action: fakeserver.ActionStatus, Status: 503})
			hold := h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Action: fakeserver.ActionHoldBefore})
			holdResponse := h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/refresh", Action: fakeserver.ActionHoldResponse})
			Expect(h.srv.ReleaseHolds()).To(Equal([]*fakeserver.Fault{hold, holdResponse}))
			Expect([]bool{status.Released(), hold.Released(), holdResponse.Released()}).To(Equal([]bool{false, true, true}))
			Expect(h.me(ada.Access).Status).To(Equal(200))
			Expect(hold.Held()).To(BeZero(), "released before it came")
		})
	})

	Describe("ReleaseAfter", func() {
		// A long hold bound, so only ReleaseAfter (or Release) can let a request go
		// within the specs' timeouts.
		BeforeEach(func() {
			h = newAPI(fakeserver.Options{HoldBound: time.Minute})
			ada = h.seedUser()
		})
		holdRefreshes := func(k int) *fakeserver.Fault {
			return h.srv.AddFault(fakeserver.Rule{Method: "POST", Path: "/api/auth/refresh",
				Action: fakeserver.ActionHoldBefore, ReleaseAfter: k})
		}
		tab := func(i string) string { return fakeserver.InstanceHeader + ": " + i }

		It("holds two tabs' refreshes until both are in, so both present the same token: one rotates, the other is reuse", func() {
			f := holdRefreshes(2)
			first := h.async("POST", "/api/auth/refresh", nil, cookie(ada.Refresh), tab("0"))
			waitHeld(f, 1)
			Consistently(first, "50ms").ShouldNot(Receive(), "one of two: still held")
			Expect([]any{h.last().Pending, h.last().Instance}).To(Equal([]any{true, 0}))
			second := h.async("POST", "/api/auth/refresh", nil, cookie(ada.Refresh), tab("1"))
			var a, b apiReply
			Eventually(first, "5s").Should(Receive(&a))
			Eventually(second, "5s").Should(Receive(&b))
			Expect([]int{a.Status, b.Status}).To(ConsistOf(200, 401))
			Expect([]any{f.Held(), f.Released()}).To(Equal([]any{2, true}))
			var got [][]any
			for _, e := range h.srv.Journal().Refreshes() {
				got = append(got, []any{e.Instance, e.Fault, e.RefreshToken, e.Pending})
			}
			Expect(got).To(Equal([][]any{{0, "hold", "R0", false}, {1, "hold", "R0", false}}))
			var states []string
			for _, e := range h.srv.Journal().Refreshes() {
				states = append(states, e.RefreshState)
			}
			Expect(states).To(ConsistOf(fakeserver.StateValid, fakeserver.StateReused))
			revoked, ok := h.srv.FamilyRevoked("R0")
			Expect([]bool{revoked, ok}).To(Equal([]bool{true, true}), "reuse revoked the family")
			Expect(h.refresh(ada.Refresh).Status).To(Equal(401), "a released rule stays open: not held")
			Expect(f.Held()).To(Equal(2))
		})

		It("keeps fewer than ReleaseAfter held until Release", func() {
			f := holdRefreshes(2)
			done := h.async("POST", "/api/auth/refresh", nil, cookie(ada.Refresh))
			waitHeld(f, 1)
			Consistently(done, "100ms").ShouldNot(Receive())
			Expect([]any{f.Held(), f.Released()}).To(Equal([]any{1, false}))
			f.Release()
			var r apiReply
			Eventually(done, "5s").Should(Receive(&r))
			Expect(r.Status).To(Equal(200))
			Expect(h.last().Fault).To(Equal("hold"))
		})

		It("holds handled responses (hold-response) until both are in, then answers both", func() {
			f := h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Action: fakeserver.ActionHoldResponse, ReleaseAfter: 2})
			first := h.async("GET", "/api/auth/me", nil, bearer(ada.Access))
			waitHeld(f, 1)
			Consistently(first, "50ms").ShouldNot(Receive())
			second := h.async("GET", "/api/auth/me", nil, bearer(ada.Access))
			Expect((<-first).Status).To(Equal(200))
			Expect((<-second).Status).To(Equal(200))
			Expect([]any{f.Held(), f.Released()}).To(Equal([]any{2, true}))
		})

		It("is ignored by AddFault on an action that does not hold", func() {
			f := h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Action: fakeserver.ActionStatus, Status: 503, ReleaseAfter: 1})
			Expect(h.me(ada.Access).Status).To(Equal(503))
			Expect(h.me(ada.Access).Status).To(Equal(503))
			Expect([]any{f.Held(), f.Released()}).To(Equal([]any{0, false}))
		})
	})

	It("resets the connection: nothing handled, nothing written, status 0", func() {
		h.srv.AddFault(refreshRule(fakeserver.ActionReset))
		fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		req, err := http.NewRequest("POST", h.srv.URL()+"/api/auth/refresh", nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Cookie", "refreshToken="+ada.Refresh)
		resp, err := fresh.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		Expect(err).To(HaveOccurred())
		e := h.last()
		Expect([]any{e.Status, e.Fault, e.RefreshToken, e.Pending}).To(Equal([]any{0, "reset", "R0", false}))
		Expect(h.refresh(ada.Refresh).Status).To(Equal(200), "R0 was not spent")
	})

	It("counts matches per rule: skip After, act on the next Times", func() {
		st := h.srv.AddFault(fakeserver.Rule{Method: "GET", Path: "/api/auth/me", After: 1, Times: 2, Action: fakeserver.ActionStatus, Status: 503})
		dl := h.srv.AddFault(fakeserver.Rule{Method: "GET", Path: "/api/auth/me", Times: 1, Action: fakeserver.ActionDelay, Delay: time.Millisecond})
		other := h.srv.AddFault(fakeserver.Rule{Method: "POST", Path: "/api/auth/me", Action: fakeserver.ActionStatus, Status: 500})
		var got []int
		var faults []string
		for i := 0; i < 4; i++ {
			r := h.me(ada.Access)
			got = append(got, r.Status)
			faults = append(faults, h.last().Fault)
		}
		Expect(got).To(Equal([]int{200, 503, 503, 200}))
		Expect(faults).To(Equal([]string{"delay", "status", "status", ""}))
		Expect([]int{st.Matched(), dl.Matched(), other.Matched()}).To(Equal([]int{4, 4, 0}))
		Expect(h.srv.Journal().To("GET", "/api/auth/me").WithStatus(503)).To(HaveLen(2))
	})

	It("a status fault answers without handling: a 503 refresh rotates nothing", func() {
		h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/refresh", Times: 1, Action: fakeserver.ActionStatus, Status: 503})
		r := h.refresh(ada.Refresh)
		expectError(r, 503)
		Expect(r.Cookie()).To(BeNil())
		Expect([]any{h.last().Fault, h.last().RefreshToken, h.last().IssuedAccess}).To(Equal([]any{"status", "R0", ""}))
		Expect(h.refresh(ada.Refresh).Status).To(Equal(200))
	})

	It("a faulted 401 carries the same headers and body as a real one", func() {
		strip := func(r apiReply) []any {
			return []any{r.Status, r.Header.Get("WWW-Authenticate"), r.Header.Get("Content-Type"), string(r.Body)}
		}
		other := h.login("ada@example.com", "pw-ada")
		h.srv.RevokeAccess("")
		real := h.me(ada.Access)
		fresh := sessionOf(h.refresh(other.Refresh))
		h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Action: fakeserver.ActionStatus, Status: 401})
		Expect(strip(h.me(fresh.Access))).To(Equal(strip(real)), "valid token, faulted")
		Expect(strip(h.me(ada.Access))).To(Equal(strip(real)), "revoked token, faulted")
		realNone := h.do("POST", "/api/ideas", ideaBody("x"))
		h.srv.ClearFaults()
		h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Action: fakeserver.ActionStatus, Status: 401})
		Expect(strip(h.do("GET", "/api/auth/me", nil))).To(Equal(strip(realNone)), "no token")
		realRefresh := h.refresh(other.Refresh) // spent: reuse
		h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/refresh", Action: fakeserver.ActionStatus, Status: 401})
		Expect(strip(h.refresh(other.Refresh))).To(Equal(strip(realRefresh)))
		realLogin := h.do("POST", "/api/auth/login", jsonBody(map[string]string{"email": "x@y", "password": "z"}))
		h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/login", Action: fakeserver.ActionStatus, Status: 401})
		Expect(strip(h.do("POST", "/api/auth/login", jsonBody(map[string]string{"email": "ada@example.com", "password": "pw-ada"})))).
			To(Equal(strip(realLogin)))
	})

	It("holds, then answers the rule's status", func() {
		f := h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/refresh", Times: 1, Action: fakeserver.ActionHoldBefore, Status: 503})
		done := h.async("POST", "/api/auth/refresh", nil, cookie(ada.Refresh))
		waitHeld(f, 1)
		f.Release()
		var r apiReply
		Eventually(done, "5s").Should(Receive(&r))
		expectError(r, 503)
		Expect(h.srv.Journal().Refreshes()[0].Fault).To(Equal("hold,status"))
		Expect(h.refresh(ada.Refresh).Status).To(Equal(200), "nothing rotated")
	})

	It("runs every acting rule: a hold rule and a status rule give hold,status", func() {
		hold := h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Times: 1, Action: fakeserver.ActionHoldBefore})
		h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Times: 1, Action: fakeserver.ActionStatus, Status: 500})
		done := h.async("GET", "/api/auth/me", nil, bearer(ada.Access))
		waitHeld(hold, 1)
		hold.Release()
		Expect((<-done).Status).To(Equal(500))
		Expect(h.last().Fault).To(Equal("hold,status"))
	})

	It("delays on real time, and a client that gives up is journalled with status 0", func() {
		h.srv.AddFault(fakeserver.Rule{Path: "/api/auth/me", Times: 1, Action: fakeserver.ActionDelay, Delay: 50 * time.Millisecond})
		start := time.Now()
		Expect(h.me(ada.Access).Status).To(Equal(200))
		Expect(time.Since(start)).To(BeNumerically(">=", 50*time.Millisecond))
		h.srv.AddFault(fakeserver.Rule{Path: "/api/ideas", Times: 1, Action: fakeserver.ActionDelay, Delay: time.Minute})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", h.srv.URL()+"/api/ideas", nil)
		_, err := h.client.Do(req)
		Expect(err).To(HaveOccurred())
		Eventually(func() []any { e := h.last(); return []any{e.Status, e.Fault, e.Pending} }, "5s").
			Should(Equal([]any{0, "delay", false}))
	})

	It("ClearFaults releases held requests, which are then handled", func() {
		f := h.srv.AddFault(refreshRule(fakeserver.ActionHoldBefore))
		done := h.async("POST", "/api/auth/refresh", nil, cookie(ada.Refresh))
		waitHeld(f, 1)
		h.srv.ClearFaults()
		Expect((<-done).Status).To(Equal(200))
		Expect(h.srv.State().Faults).To(BeZero())
	})

	It("Close aborts held requests promptly", func() {
		f := h.srv.AddFault(refreshRule(fakeserver.ActionHoldBefore))
		done := h.async("POST", "/api/auth/refresh", nil, cookie(ada.Refresh))
		waitHeld(f, 1)
		start := time.Now()
		h.srv.Close()
		Expect(time.Since(start)).To(BeNumerically("<", time.Second))
		got := <-done
		Expect(got.Err).To(HaveOccurred(), "%d %s", got.Status, got.Body)
		e := h.last()
		Expect([]any{e.Status, e.Pending, e.IssuedRefresh}).To(Equal([]any{0, false, ""}))
	})
})
