package clientundertest_test

import (
	"net/http"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Reference client: concurrent 401s", func() {
	var r *rig

	BeforeEach(func(ctx SpecContext) {
		r = newRig(ctx, cut.NewReference())
		r.srv.ExpireAccess()
	}, NodeTimeout(5*time.Second))

	// expectGatePass checks the catalog's parallel-gate pass condition.
	expectGatePass := func(out []outcome, n int) {
		GinkgoHelper()
		for i, o := range out {
			Expect(o.err).NotTo(HaveOccurred(), "caller %d", i)
			Expect(o.reply.Status).To(BeElementOf(http.StatusOK, http.StatusCreated), "caller %d: %s", i, o.reply.Body)
		}
		j := r.journal()
		Expect(j.Refreshes()).To(HaveLen(1), "RC2: one refresh for %d parallel 401s", n)
		Expect(carrying(j.Where(func(e fakeserver.Entry) bool { return e.Path != pathRefresh }), "A1")).
			To(HaveLen(n), "RC4: every 401 replayed once with A1")
	}

	It("shares one refresh among 10 parallel GETs and POSTs (CONC-01, CONC-02)", func(ctx SpecContext) {
		calls := gets(5)
		for i := range 5 {
			calls = append(calls, cut.Call{Method: http.MethodPost, Path: pathIdeas, Body: []byte(ideaBody(i))})
		}
		expectGatePass(r.parallelGate(ctx, calls), 10)
		Expect(r.srv.Ideas()).To(HaveLen(5), "RC5: each write applied once")
	}, SpecTimeout(10*time.Second))

	It("shares one refresh among 200 parallel GETs (CONC-07)", func(ctx SpecContext) {
		expectGatePass(r.parallelGate(ctx, gets(200)), 200)
	}, SpecTimeout(10*time.Second))

	It("presents the rotated cookie on the next refresh after a parallel one (CONC-03)", func(ctx SpecContext) {
		expectGatePass(r.parallelGate(ctx, gets(10)), 10)
		r.srv.ExpireAccess()
		reply, err := r.call(ctx, http.MethodGet, pathMe, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusOK))
		Expect(presented(r.journal())).To(Equal([]string{"R0", "R1"}), "RC8")
	}, SpecTimeout(10*time.Second))

	It("replays a late 401 for an old token with the current one, without refreshing (CONC-04)", func(ctx SpecContext) {
		late := r.srv.AddFault(fakeserver.Rule{Method: http.MethodGet, Path: pathMe, Times: 1, Action: fakeserver.ActionHoldResponse})
		var first outcome
		done := make(chan struct{})
		go func() {
			defer close(done)
			first.reply, first.err = r.call(ctx, http.MethodGet, pathMe, "")
		}()
		Expect(late.WaitHeld(ctx, 1)).To(Succeed()) // its 401 for A0 is written but held

		second, err := r.call(ctx, http.MethodGet, pathMe, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(second.Status).To(Equal(http.StatusOK))
		late.Release()
		Eventually(done).WithContext(ctx).Should(BeClosed())
		Expect(first.err).NotTo(HaveOccurred())
		Expect(first.reply.Status).To(Equal(http.StatusOK))

		j := r.journal()
		Expect(j.Refreshes()).To(HaveLen(1), "RC9: no second refresh")
		Expect(carrying(j.To(http.MethodGet, pathMe), "A1")).To(HaveLen(2))
	}, SpecTimeout(10*time.Second))

	It("sends a request started during a refresh with its result (CONC-05)", func(ctx SpecContext) {
		hold := r.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: pathRefresh, Action: fakeserver.ActionHoldBefore})
		var wg sync.WaitGroup
		out := make([]outcome, 2)
		wg.Go(func() { out[0].reply, out[0].err = r.call(ctx, http.MethodGet, pathMe, "") })
		Expect(hold.WaitHeld(ctx, 1)).To(Succeed())
		wg.Go(func() { out[1].reply, out[1].err = r.call(ctx, http.MethodGet, pathMe, "") })
		// A client that does not wait sends its GET with A0 during this window.
		time.Sleep(100 * time.Millisecond)
		hold.Release()
		wg.Wait()
		for _, o := range out {
			Expect(o.err).NotTo(HaveOccurred())
			Expect(o.reply.Status).To(Equal(http.StatusOK))
		}
		j := r.journal()
		Expect(j.Refreshes()).To(HaveLen(1))
		me := j.To(http.MethodGet, pathMe)
		Expect(me).To(HaveLen(3), "the new GET went out once, with A1")
		Expect(carrying(me, "A1")).To(HaveLen(2))
	}, SpecTimeout(10*time.Second))
})
