package clientundertest_test

import (
	"context"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Reference client: failed refreshes, logout, deadlines", func() {
	var r *rig

	BeforeEach(func(ctx SpecContext) {
		r = newRig(ctx, cut.NewReference())
	}, NodeTimeout(5*time.Second))

	get := func(ctx context.Context) cut.Reply {
		GinkgoHelper()
		reply, err := r.call(ctx, http.MethodGet, pathMe, "")
		Expect(err).NotTo(HaveOccurred())
		return reply
	}

	It("settles every waiter with 401 when the refresh is refused, then ends the session (CONC-06, EXP-REFRESH-01/03/06)", func(ctx SpecContext) {
		r.srv.ExpireRefresh()
		for i, o := range r.parallelGate(ctx, gets(5)) {
			Expect(o.err).NotTo(HaveOccurred())
			Expect(o.reply.Status).To(Equal(http.StatusUnauthorized), "RC7: caller %d", i)
		}
		for range 3 {
			Expect(get(ctx).Status).To(Equal(http.StatusUnauthorized))
		}
		j := r.journal()
		Expect(j.Refreshes()).To(HaveLen(1), "RC6, RC10: no further refresh")
		refusal := j.Refreshes()[0]
		Expect(refusal.Status).To(Equal(http.StatusUnauthorized))
		after := j.ArrivedAfter(refusal)
		Expect(after).To(HaveLen(3), "RC7: no replay after the refusal")
		for _, e := range after {
			Expect(e.AccessToken).To(BeEmpty(), "RC7: nothing re-sent with the dead token")
		}

		// A new login starts a working session again.
		reply, err := r.c.Login(ctx, adaEmail, adaPassword)
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusOK))
		phase := r.journal().LastSeq()
		r.srv.ExpireAccess()
		Expect(get(ctx).Status).To(Equal(http.StatusOK))
		j = r.journal().Since(phase)
		Expect(j.Refreshes()).To(HaveLen(1))
		Expect(j.Refreshes()[0].Status).To(Equal(http.StatusOK))
	}, SpecTimeout(10*time.Second))

	It("keeps the session after a refresh answered 503 (EXP-REFRESH-04)", func(ctx SpecContext) {
		r.srv.ExpireAccess()
		r.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: pathRefresh, Times: 1, Action: fakeserver.ActionStatus, Status: 503})
		Expect(get(ctx).Status).To(Equal(http.StatusServiceUnavailable), "RC11: the caller sees the 503")
		Expect(get(ctx).Status).To(Equal(http.StatusOK))
		j := r.journal()
		Expect(j.Refreshes()).To(HaveLen(2))
		Expect(carrying(j.To(http.MethodGet, pathMe), "A1")).To(HaveLen(1))
	}, SpecTimeout(5*time.Second))

	It("keeps the session after the refresh connection was reset (EXP-REFRESH-05)", func(ctx SpecContext) {
		r.srv.ExpireAccess()
		r.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: pathRefresh, Times: 1, Action: fakeserver.ActionReset})
		Expect(get(ctx).Error).To(HavePrefix("ECONNRESET"))
		Expect(get(ctx).Status).To(Equal(http.StatusOK))
		Expect(r.journal().Refreshes()).To(HaveLen(2))
	}, SpecTimeout(5*time.Second))

	It("does not retry a refresh that keeps failing (EXP-REFRESH-07)", func(ctx SpecContext) {
		r.srv.ExpireAccess()
		r.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: pathRefresh, Action: fakeserver.ActionStatus, Status: 503})
		Expect(get(ctx).Status).To(Equal(http.StatusServiceUnavailable))
		Expect(r.journal().Refreshes()).To(HaveLen(1))
	}, SpecTimeout(5*time.Second))

	It("discards a refresh that lands after logout (SESSION-01)", func(ctx SpecContext) {
		r.srv.ExpireAccess()
		hold := r.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: pathRefresh, Times: 1, Action: fakeserver.ActionHoldResponse})
		late := make(chan cut.Reply, 1)
		go func() {
			defer GinkgoRecover()
			late <- get(ctx)
		}()
		Expect(hold.WaitHeld(ctx, 1)).To(Succeed()) // A1 and R1 are issued, the answer held
		reply, err := r.c.Logout(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusOK))
		hold.Release()
		Eventually(late).WithContext(ctx).Should(Receive(HaveField("Status", http.StatusUnauthorized)), "RC17")
		Expect(get(ctx).Status).To(Equal(http.StatusUnauthorized))

		j := r.journal()
		logout := j.To(http.MethodPost, pathLogout)
		Expect(logout).To(HaveLen(1))
		for _, e := range j.Since(logout[0].Seq - 1) {
			Expect(e.AccessToken).NotTo(BeElementOf("A0", "A1"), "RC13, RC17: entry %d", e.Seq)
		}
	}, SpecTimeout(10*time.Second))

	It("returns ErrTimeout when the caller's deadline ends first, and others still get the refresh", func(ctx SpecContext) {
		r.srv.ExpireAccess()
		hold := r.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: pathRefresh, Action: fakeserver.ActionHoldBefore})
		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_, err := r.call(short, http.MethodGet, pathMe, "")
		Expect(err).To(MatchError(cut.ErrTimeout))
		hold.Release()
		Expect(get(ctx).Status).To(Equal(http.StatusOK))
		Expect(r.journal().Refreshes()).To(HaveLen(1), "the abandoned caller did not cancel the shared refresh")
	}, SpecTimeout(5*time.Second))

	It("aborts the previous scenario's requests on Init", func(ctx SpecContext) {
		hold := r.srv.AddFault(fakeserver.Rule{Method: http.MethodGet, Path: pathMe, Action: fakeserver.ActionHoldBefore})
		aborted := make(chan cut.Reply, 1)
		go func() {
			defer GinkgoRecover()
			aborted <- get(ctx)
		}()
		Expect(hold.WaitHeld(ctx, 1)).To(Succeed())
		Expect(r.c.Init(ctx, cut.Env{BaseURL: r.srv.URL(), Scenario: "next"})).To(Succeed())
		Eventually(aborted).WithTimeout(time.Second).Should(Receive(HaveField("Error", "aborted")))
		hold.Release()
		// The fresh client holds no token.
		Expect(get(ctx).Status).To(Equal(http.StatusUnauthorized))
		Expect(r.journal().To(http.MethodGet, pathMe)[1].AccessToken).To(BeEmpty())
	}, SpecTimeout(5*time.Second))
})
