package fakeserver_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("API paths, declared once", func() {
	It("keeps the wire paths third-party clients depend on", func() {
		Expect([]string{
			fakeserver.PathAuthPrefix, fakeserver.PathRegister, fakeserver.PathLogin, fakeserver.PathRefresh,
			fakeserver.PathLogout, fakeserver.PathMe, fakeserver.PathIdeas, fakeserver.ControlPrefix,
		}).To(Equal([]string{
			"/api/auth", "/api/auth/register", "/api/auth/login", "/api/auth/refresh",
			"/api/auth/logout", "/api/auth/me", "/api/ideas", "/_tokenclock/",
		}))
	})

	It("serves every endpoint at its constant and scopes the cookie to PathAuthPrefix", func() {
		h := newAPI(fakeserver.Options{ExposeControl: true})
		r := h.do(http.MethodPost, fakeserver.PathRegister, jsonBody(map[string]any{"name": "Bo", "email": "bo@x.io", "password": "pw"}))
		Expect(r.Status).To(Equal(http.StatusCreated), string(r.Body))
		Expect(r.Cookie().Path).To(Equal(fakeserver.PathAuthPrefix))
		s := h.login("bo@x.io", "pw")
		Expect(h.do(http.MethodGet, fakeserver.PathMe, nil, bearer(s.Access)).Status).To(Equal(http.StatusOK))
		Expect(h.do(http.MethodPost, fakeserver.PathIdeas, ideaBody("t"), bearer(s.Access)).Status).To(Equal(http.StatusCreated))
		Expect(h.do(http.MethodGet, fakeserver.PathIdeas+"/i1", nil).Status).To(Equal(http.StatusOK))
		r = h.do(http.MethodPost, fakeserver.PathRefresh, nil, cookie(s.Refresh))
		Expect(r.Status).To(Equal(http.StatusOK), string(r.Body))
		Expect(h.srv.Journal().Refreshes()).To(HaveLen(1), "Journal.Refreshes queries PathRefresh")
		r = h.do(http.MethodPost, fakeserver.PathLogout, nil, cookie(r.Cookie().Value))
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(r.Cookie().Path).To(Equal(fakeserver.PathAuthPrefix), "the clearing cookie has the same Path")
		Expect(h.do(http.MethodGet, fakeserver.ControlPrefix+"state", nil).Status).To(Equal(http.StatusOK))
	})
})
