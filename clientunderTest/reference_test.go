package clientundertest_test

import (
	"encoding/json"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Reference client: expiry and rotation", func() {
	var r *rig

	BeforeEach(func(ctx SpecContext) {
		r = newRig(ctx, cut.NewReference())
	}, NodeTimeout(5*time.Second))

	It("announces itself", func() {
		h := r.c.Hello()
		Expect(h.Name).To(Equal("go-reference"))
		Expect(h.Version).NotTo(BeEmpty())
		Expect(h.Features).To(Equal([]string{cut.FeatureCancel, cut.FeatureRestart, cut.FeatureInstances, cut.FeatureClock, cut.FeatureBodies, cut.FeatureSSE}))
	})

	It("sends the access token its login got", func(ctx SpecContext) {
		reply, err := r.call(ctx, http.MethodGet, pathMe, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusOK))
		Expect(string(reply.Body)).To(ContainSubstring(adaEmail))
		j := r.journal()
		Expect(j.To(http.MethodPost, "/api/auth/login")[0].IssuedAccess).To(Equal("A0"))
		Expect(carrying(j.To(http.MethodGet, pathMe), "A0")).To(HaveLen(1))
		Expect(j.Refreshes()).To(BeEmpty())
	}, SpecTimeout(5*time.Second))

	It("refreshes once and replays a GET after expiry (EXP-ACCESS-01)", func(ctx SpecContext) {
		r.srv.ExpireAccess()
		reply, err := r.call(ctx, http.MethodGet, pathMe, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusOK))

		j := r.journal()
		Expect(j.Refreshes()).To(HaveLen(1), "RC2: one refresh")
		Expect(j.Refreshes()[0].Status).To(Equal(http.StatusOK))
		me := j.To(http.MethodGet, pathMe)
		Expect(me).To(HaveLen(2))
		Expect(me[0].AccessToken).To(Equal("A0"))
		Expect(me[0].Status).To(Equal(http.StatusUnauthorized))
		Expect(me[1].AccessToken).To(Equal("A1"), "RC4: the replay carries the new token")
		Expect(me[1].AuthorizationHeaders).To(Equal(1), "RC4: exactly one Authorization header")
		Expect(me[1].Status).To(Equal(http.StatusOK))
	}, SpecTimeout(5*time.Second))

	It("replays a POST with the identical body, applied once (EXP-ACCESS-02)", func(ctx SpecContext) {
		r.srv.ExpireAccess()
		reply, err := r.call(ctx, http.MethodPost, pathIdeas, ideaBody(1))
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusCreated))

		posts := r.journal().To(http.MethodPost, pathIdeas)
		Expect(posts).To(HaveLen(2))
		Expect(posts[0].Status).To(Equal(http.StatusUnauthorized))
		Expect(posts[1].AccessToken).To(Equal("A1"))
		Expect(posts[1].BodySha256).NotTo(BeEmpty())
		Expect(posts[1].BodySha256).To(Equal(posts[0].BodySha256), "RC5: identical body bytes")
		Expect(r.srv.Ideas()).To(HaveLen(1), "RC5: the write is applied once")
	}, SpecTimeout(5*time.Second))

	It("replays PUT and DELETE with their new tokens (EXP-ACCESS-03)", func(ctx SpecContext) {
		created, err := r.call(ctx, http.MethodPost, pathIdeas, ideaBody(1))
		Expect(err).NotTo(HaveOccurred())
		var idea fakeserver.Idea
		Expect(json.Unmarshal(created.Body, &idea)).To(Succeed())
		path := pathIdeas + "/" + idea.ID

		r.srv.ExpireAccess()
		reply, err := r.call(ctx, http.MethodPut, path, ideaBody(2))
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusOK))
		r.srv.ExpireAccess()
		reply, err = r.call(ctx, http.MethodDelete, path, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusOK))

		j := r.journal()
		Expect(carrying(j.To(http.MethodPut, path), "A1")).To(HaveLen(1))
		Expect(carrying(j.To(http.MethodDelete, path), "A2")).To(HaveLen(1))
		Expect(j.Refreshes()).To(HaveLen(2))
		Expect(r.srv.Ideas()).To(BeEmpty())
	}, SpecTimeout(5*time.Second))

	It("keeps using the new token for later calls (EXP-ACCESS-04)", func(ctx SpecContext) {
		r.srv.ExpireAccess()
		for range 3 {
			reply, err := r.call(ctx, http.MethodGet, pathMe, "")
			Expect(err).NotTo(HaveOccurred())
			Expect(reply.Status).To(Equal(http.StatusOK))
		}
		j := r.journal()
		Expect(j.Refreshes()).To(HaveLen(1))
		Expect(carrying(j.To(http.MethodGet, pathMe), "A1")).To(HaveLen(3))
	}, SpecTimeout(5*time.Second))

	It("refreshes after its access token is revoked before expiry (EXP-ACCESS-05)", func(ctx SpecContext) {
		Expect(r.srv.RevokeAccess(adaEmail)).To(Equal(1))
		reply, err := r.call(ctx, http.MethodGet, pathMe, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusOK))
		Expect(r.journal().Refreshes()).To(HaveLen(1))
	}, SpecTimeout(5*time.Second))

	It("presents every rotated refresh cookie in turn (ROT-01)", func(ctx SpecContext) {
		for range 3 {
			r.srv.ExpireAccess()
			reply, err := r.call(ctx, http.MethodGet, pathMe, "")
			Expect(err).NotTo(HaveOccurred())
			Expect(reply.Status).To(Equal(http.StatusOK))
		}
		j := r.journal()
		Expect(presented(j)).To(Equal([]string{"R0", "R1", "R2"}), "RC8")
		for _, e := range j.Refreshes() {
			Expect(e.RefreshState).To(Equal(fakeserver.StateValid))
		}
	}, SpecTimeout(5*time.Second))

	It("answers with the status, not a refresh, for 403, 404, 500 and a reset (LOOP-04, -06, -07)", func(ctx SpecContext) {
		_, err := r.srv.AddUser("Bob", "bob@example.test", "pw")
		Expect(err).NotTo(HaveOccurred())
		bobs, err := r.srv.AddIdea("bob@example.test", fakeserver.IdeaInput{Title: "t", Summary: "s", Description: "d"})
		Expect(err).NotTo(HaveOccurred())

		reply, err := r.call(ctx, http.MethodPut, pathIdeas+"/"+bobs.ID, ideaBody(1))
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusForbidden))
		reply, err = r.call(ctx, http.MethodGet, pathIdeas+"/missing", "")
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusNotFound))
		r.srv.AddFault(fakeserver.Rule{Method: http.MethodGet, Path: pathMe, Times: 1, Action: fakeserver.ActionStatus, Status: 500})
		reply, err = r.call(ctx, http.MethodGet, pathMe, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusInternalServerError))
		r.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: pathIdeas, Times: 1, Action: fakeserver.ActionReset})
		reply, err = r.call(ctx, http.MethodPost, pathIdeas, ideaBody(2))
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Error).To(HavePrefix("ECONNRESET"))

		j := r.journal()
		Expect(j.Refreshes()).To(BeEmpty(), "RC1")
		Expect(j.To(http.MethodPost, pathIdeas)).To(HaveLen(1), "no client-side retry of the reset POST")
	}, SpecTimeout(5*time.Second))

	It("hands a 401 on the replay to the caller (LOOP-02, LOOP-03)", func(ctx SpecContext) {
		r.srv.AddFault(fakeserver.Rule{Method: http.MethodGet, Path: pathMe, Action: fakeserver.ActionStatus, Status: 401})
		for range 3 {
			reply, err := r.call(ctx, http.MethodGet, pathMe, "")
			Expect(err).NotTo(HaveOccurred())
			Expect(reply.Status).To(Equal(http.StatusUnauthorized))
		}
		j := r.journal()
		Expect(j.To(http.MethodGet, pathMe)).To(HaveLen(6), "RC3: one replay per call")
		Expect(j.Refreshes()).To(HaveLen(3))
	}, SpecTimeout(5*time.Second))

	It("starts no refresh for a failed login (LOOP-05)", func(ctx SpecContext) {
		_, err := r.c.Logout(ctx)
		Expect(err).NotTo(HaveOccurred())
		reply, err := r.c.Login(ctx, adaEmail, "wrong")
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusUnauthorized))
		reply, err = r.call(ctx, http.MethodPost, "/api/auth/login", `{"email":"ada@example.test","password":"wrong"}`)
		Expect(err).NotTo(HaveOccurred())
		Expect(reply.Status).To(Equal(http.StatusUnauthorized))
		Expect(r.journal().Refreshes()).To(BeEmpty(), "RC14")
	}, SpecTimeout(5*time.Second))
})
