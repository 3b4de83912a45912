package clientundertest_test

import (
	"context"
	"encoding/json"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("the Node drivers on GraphQL and Idempotency-Key", Label("node"), func() {
	for _, d := range nodeDrivers {
		Describe(d.name, Ordered, ContinueOnFailure, func() {
			var proc *cut.Process
			startForContainer(&proc, d.name, d.dir)
			AfterEach(func() {
				if proc != nil && CurrentSpecReport().Failed() {
					AddReportEntry("driver stderr", proc.TakeStderr())
				}
			})

			// start inits the driver against a fresh server with these options, logged in.
			start := func(ctx context.Context, set func(*fakeserver.Options)) *fakeserver.Server {
				GinkgoHelper()
				srv := newNodeTestServerWith(set)
				Expect(proc.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "NODE-GQL-IDEM"})).To(Succeed())
				Expect(proc.Login(ctx, nodeUser, nodePassword)).To(HaveField("Status", 200))
				return srv
			}
			errorsMode := func(o *fakeserver.Options) { o.GraphQLAuthSignal = fakeserver.GraphQLAuthErrors }
			me := cut.Call{Method: "POST", Path: fakeserver.PathGraphQL, Body: json.RawMessage(`{"query":"{ me { id email } }"}`)}

			It("GraphQL answering an expired token with 200 UNAUTHENTICATED", func(ctx SpecContext) {
				srv := start(ctx, errorsMode)
				srv.ExpireAccess()
				r, err := proc.Request(ctx, me)
				Expect(err).NotTo(HaveOccurred())
				Expect(r.Status).To(Equal(200))
				sends := srv.Journal().To("POST", fakeserver.PathGraphQL)
				if d.dir == "axios-singleflight" {
					// Handled exactly like a 401: one refresh, one replay, the data.
					Expect(string(r.Body)).To(ContainSubstring(`"email":"` + nodeUser + `"`))
					Expect(srv.Journal().Refreshes()).To(HaveLen(1))
					Expect(sends).To(HaveExactElements(
						SatisfyAll(HaveField("AccessToken", "A0"), HaveField("AuthFailure", true), HaveField("Status", 200)),
						SatisfyAll(HaveField("AccessToken", "A1"), HaveField("AuthFailure", false), HaveField("Status", 200)),
					))
				} else {
					// The tutorial knows only 401: the errors go to the caller, nothing is refreshed.
					Expect(string(r.Body)).To(ContainSubstring(`"code":"UNAUTHENTICATED"`))
					Expect(srv.Journal().Refreshes()).To(BeEmpty())
					Expect(sends).To(ConsistOf(HaveField("AuthFailure", true)))
				}
			}, SpecTimeout(30*time.Second))

			if d.dir == "axios-singleflight" {
				It("GraphQL: a replay answered UNAUTHENTICATED again goes back to the caller as it is, after one refresh", func(ctx SpecContext) {
					srv := start(ctx, errorsMode)
					srv.ExpireAccess()
					// Hold the replay, and let the refreshed token expire meanwhile.
					hold := srv.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathGraphQL, After: 1, Times: 1, Action: fakeserver.ActionHoldBefore})
					DeferCleanup(hold.Release)
					done := requestAsync(ctx, proc, me)
					Expect(hold.WaitHeld(ctx, 1)).To(Succeed())
					srv.ExpireAccess()
					hold.Release()
					var r cut.Reply
					Eventually(done, 10*time.Second).Should(Receive(&r))
					Expect(r.Status).To(Equal(200))
					Expect(string(r.Body)).To(ContainSubstring(`"code":"UNAUTHENTICATED"`))
					Expect(srv.Journal().Refreshes()).To(HaveLen(1), "one refresh, no second one for the replay")
					Expect(srv.Journal().To("POST", fakeserver.PathGraphQL)).To(HaveExactElements(
						SatisfyAll(HaveField("AccessToken", "A0"), HaveField("AuthFailure", true)),
						SatisfyAll(HaveField("AccessToken", "A1"), HaveField("AuthFailure", true)),
					))
				}, SpecTimeout(30*time.Second))

				It("GraphQL answering with 401 (the default signal) is refreshed and replayed too", func(ctx SpecContext) {
					srv := start(ctx, func(*fakeserver.Options) {})
					srv.ExpireAccess()
					r, err := proc.Request(ctx, me)
					Expect(err).NotTo(HaveOccurred())
					Expect(r.Status).To(Equal(200))
					Expect(string(r.Body)).To(ContainSubstring(`"email":"` + nodeUser + `"`))
					Expect(srv.Journal().Refreshes()).To(HaveLen(1))
				}, SpecTimeout(30*time.Second))

				It("sends an Idempotency-Key of its own on every POST, once per call: the replay of a committed write is answered with the first result", func(ctx SpecContext) {
					srv := start(ctx, func(*fakeserver.Options) {})
					srv.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathIdeas, Times: 1, Action: fakeserver.ActionCommitThen401})
					idea := json.RawMessage(`{"title":"once","summary":"s","description":"d"}`)
					r, err := proc.Request(ctx, cut.Call{Method: "POST", Path: fakeserver.PathIdeas, Body: idea})
					Expect(err).NotTo(HaveOccurred())
					Expect(r.Status).To(Equal(201), "reply %s", r.Body)
					sends := srv.Journal().To("POST", fakeserver.PathIdeas)
					Expect(sends).To(HaveLen(2))
					Expect(sends[0].IdempotencyKey).To(Equal("K1"))
					Expect(sends[1]).To(SatisfyAll(HaveField("IdempotencyKey", "K1"), HaveField("IdempotentReplay", true)))
					Expect(srv.Ideas()).To(HaveLen(1), "the write is applied once")

					// The next call is another write: another key. Uploads and GraphQL POSTs
					// get one too; GETs and the auth calls do not.
					Expect(proc.Request(ctx, cut.Call{Method: "POST", Path: fakeserver.PathIdeas, Body: idea})).To(HaveField("Status", 201))
					Expect(srv.Journal().To("POST", fakeserver.PathIdeas)[2].IdempotencyKey).To(Equal("K2"))
					Expect(srv.Ideas()).To(HaveLen(2))
				}, SpecTimeout(30*time.Second))
			}

			It("keeps a caller's Idempotency-Key on the replay", func(ctx SpecContext) {
				srv := start(ctx, func(*fakeserver.Options) {})
				srv.ExpireAccess()
				idea := json.RawMessage(`{"title":"keyed","summary":"s","description":"d"}`)
				r, err := proc.Request(ctx, cut.Call{Method: "POST", Path: fakeserver.PathIdeas, Body: idea,
					Headers: map[string]string{"Idempotency-Key": "caller-key-1"}})
				Expect(err).NotTo(HaveOccurred())
				Expect(r.Status).To(Equal(201))
				Expect(srv.Journal().To("POST", fakeserver.PathIdeas)).To(HaveExactElements(
					SatisfyAll(HaveField("IdempotencyKey", "K1"), HaveField("Status", 401)),
					SatisfyAll(HaveField("IdempotencyKey", "K1"), HaveField("Status", 201)),
				))
				if d.dir == "axios-seed" {
					// The tutorial sends no key of its own.
					Expect(proc.Request(ctx, cut.Call{Method: "POST", Path: fakeserver.PathIdeas, Body: idea})).To(HaveField("Status", 201))
					Expect(srv.Journal().To("POST", fakeserver.PathIdeas)[2].IdempotencyKey).To(BeEmpty())
				}
			}, SpecTimeout(30*time.Second))
		})
	}
})
