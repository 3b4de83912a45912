package fakeserver_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Auth endpoints", func() {
	var h *apiHarness
	BeforeEach(func() { h = newAPI(fakeserver.Options{}) })

	Describe("POST /api/auth/register", func() {
		It("answers 201 {accessToken, user} with the refresh cookie", func() {
			r := h.do("POST", "/api/auth/register", jsonBody(map[string]any{"name": "Bo", "email": "bo@x.io", "password": "pw"}))
			Expect(r.Status).To(Equal(201))
			s := sessionOf(r)
			Expect(s.User).To(Equal(fakeserver.User{ID: "u1", Name: "Bo", Email: "bo@x.io"}))
			Expect(h.srv.Label(s.Access)).To(Equal("A0"))
			Expect(h.srv.Label(s.Refresh)).To(Equal("R0"))
			e := h.last()
			Expect([]string{e.IssuedAccess, e.IssuedRefresh}).To(Equal([]string{"A0", "R0"}))
			Expect(h.me(s.Access).Status).To(Equal(200))
		})

		It("sets the cookie HttpOnly, Path=/api/auth, SameSite=Lax, Max-Age = refresh TTL, not Secure over plain HTTP", func() {
			r := h.do("POST", "/api/auth/register", jsonBody(map[string]any{"name": "Bo", "email": "bo@x.io", "password": "pw"}))
			c := r.Cookie()
			Expect(c).NotTo(BeNil())
			Expect(c.HttpOnly).To(BeTrue())
			Expect(c.Path).To(Equal("/api/auth"))
			Expect(c.SameSite).To(Equal(http.SameSiteLaxMode))
			Expect(c.MaxAge).To(Equal(int(fakeserver.DefaultRefreshTTL / time.Second)))
			Expect(c.Secure).To(BeFalse())
		})

		It("answers 409 for a taken email, case-insensitively", func() {
			_, err := h.srv.AddUser("Ada", "Ada@Example.com", "pw")
			Expect(err).NotTo(HaveOccurred())
			expectError(h.do("POST", "/api/auth/register", jsonBody(map[string]any{"name": "A", "email": "ada@EXAMPLE.com", "password": "x"})), 409)
		})

		DescribeTable("answers 400 for bad or missing fields",
			func(body string) { expectError(h.do("POST", "/api/auth/register", []byte(body)), 400) },
			Entry("no body", ""),
			Entry("missing name", `{"email":"a@b","password":"p"}`),
			Entry("missing email", `{"name":"a","password":"p"}`),
			Entry("missing password", `{"name":"a","email":"a@b"}`),
			Entry("empty name", `{"name":"","email":"a@b","password":"p"}`),
			Entry("blank email", `{"name":"a","email":"  ","password":"p"}`),
			Entry("email without @", `{"name":"a","email":"ab","password":"p"}`),
			Entry("number as name", `{"name":1,"email":"a@b","password":"p"}`),
			Entry("null password", `{"name":"a","email":"a@b","password":null}`),
			Entry("array body", `[1,2]`),
			Entry("malformed JSON", `{"name":`),
			Entry("trailing data", `{"name":"a","email":"a@b","password":"p"} {}`),
		)
	})

	Describe("POST /api/auth/login", func() {
		BeforeEach(func() {
			_, err := h.srv.AddUser("Ada", "ada@example.com", "pw-ada")
			Expect(err).NotTo(HaveOccurred())
		})

		It("answers 200 {accessToken, user} + cookie, and each login starts a new family", func() {
			s1 := h.login("ADA@example.com", "pw-ada")
			s2 := h.login("ada@example.com", "pw-ada")
			Expect(s1.User).To(Equal(fakeserver.User{ID: "u1", Name: "Ada", Email: "ada@example.com"}))
			Expect(h.srv.Label(s2.Refresh)).To(Equal("R1"))
			Expect(h.srv.State().Families).To(Equal(2))
			h.do("POST", "/api/auth/logout", nil, cookie(s1.Refresh))
			Expect(h.refresh(s2.Refresh).Status).To(Equal(200), "the other family is untouched")
		})

		It("answers 401 {message} without an invalid_token challenge for wrong credentials", func() {
			for _, body := range []map[string]any{
				{"email": "ada@example.com", "password": "nope"},
				{"email": "who@example.com", "password": "pw-ada"},
			} {
				r := h.do("POST", "/api/auth/login", jsonBody(body))
				expectError(r, 401)
				Expect(r.Header.Get("WWW-Authenticate")).NotTo(ContainSubstring("invalid_token"))
				Expect(r.Cookie()).To(BeNil())
			}
		})

		It("answers 400 for a bad body before judging credentials", func() {
			expectError(h.do("POST", "/api/auth/login", []byte(`{"email":"ada@example.com"}`)), 400)
			expectError(h.do("POST", "/api/auth/login", []byte(`{"email":"ada@example.com","password":5}`)), 400)
			expectError(h.do("POST", "/api/auth/login", []byte(`nope`)), 400)
		})
	})

	Describe("GET /api/auth/me", func() {
		It("answers the user for a valid token", func() {
			s := h.seedUser()
			r := h.me(s.Access)
			Expect(r.Status).To(Equal(200))
			var u fakeserver.User
			r.JSON(&u)
			Expect(u).To(Equal(s.User))
			h.expectAccess("A0", fakeserver.StateValid)
		})

		It("answers 401 with a bare Bearer challenge when no Authorization header is sent", func() {
			h.seedUser()
			r := h.do("GET", "/api/auth/me", nil)
			expectError(r, 401)
			Expect(r.Header.Get("WWW-Authenticate")).To(Equal("Bearer"))
			h.expectAccess("", fakeserver.StateNone)
		})

		It("answers 400 invalid_request for more than one Authorization header", func() {
			s := h.seedUser()
			r := h.do("GET", "/api/auth/me", nil, bearer(s.Access), bearer(s.Access))
			expectError(r, 400)
			Expect(r.Header.Get("WWW-Authenticate")).To(HavePrefix(`Bearer error="invalid_request"`))
			Expect(h.last().AuthorizationHeaders).To(Equal(2))
		})
	})

	Describe("POST /api/auth/refresh", func() {
		It("rotates: new access and refresh tokens, the old refresh token spent", func() {
			s := h.seedUser()
			r := h.refresh(s.Refresh)
			Expect(r.Status).To(Equal(200))
			n := sessionOf(r)
			Expect(n.User).To(Equal(s.User))
			Expect([]string{h.srv.Label(n.Access), h.srv.Label(n.Refresh)}).To(Equal([]string{"A1", "R1"}))
			Expect(r.Cookie().MaxAge).To(Equal(int(fakeserver.DefaultRefreshTTL / time.Second)))
			h.expectRefresh("R0", fakeserver.StateValid)
			e := h.last()
			Expect([]string{e.IssuedAccess, e.IssuedRefresh}).To(Equal([]string{"A1", "R1"}))
		})

		It("ignores any body", func() {
			s := h.seedUser()
			r := h.do("POST", "/api/auth/refresh", []byte(`{not json`), cookie(s.Refresh))
			Expect(r.Status).To(Equal(200))
		})

		It("answers 401 {message} without a challenge for a missing or unknown cookie", func() {
			h.seedUser()
			r := h.do("POST", "/api/auth/refresh", []byte(`{}`))
			expectError(r, 401)
			Expect(r.Header.Get("WWW-Authenticate")).To(BeEmpty())
			h.expectRefresh("", fakeserver.StateNone)
			expectError(h.refresh("garbage"), 401)
			h.expectRefresh("?", fakeserver.StateInvalid)
		})

		It("answers 401 for an access token presented as the refresh cookie", func() {
			s := h.seedUser()
			expectError(h.refresh(s.Access), 401)
			h.expectRefresh("?", fakeserver.StateInvalid)
		})
	})

	Describe("POST /api/auth/logout", func() {
		It("answers 200 {message}, clears the cookie and revokes the family", func() {
			s := h.seedUser()
			r := h.do("POST", "/api/auth/logout", []byte(`{}`), cookie(s.Refresh))
			Expect(r.Status).To(Equal(200))
			Expect(r.Message()).NotTo(BeEmpty())
			c := r.Cookie()
			Expect(c).NotTo(BeNil())
			Expect(c.Value).To(BeEmpty())
			Expect(c.MaxAge).To(BeNumerically("<", 0), "Max-Age=0 parses as MaxAge<0")
			Expect(c.Path).To(Equal("/api/auth"))
			h.expectRefresh("R0", fakeserver.StateValid)
			expectError(h.refresh(s.Refresh), 401)
			h.expectRefresh("R0", fakeserver.StateRevoked)
		})

		It("never fails for a missing or unknown cookie", func() {
			Expect(h.do("POST", "/api/auth/logout", nil).Status).To(Equal(200))
			h.expectRefresh("", fakeserver.StateNone)
			Expect(h.do("POST", "/api/auth/logout", nil, cookie("nope")).Status).To(Equal(200))
			h.expectRefresh("?", fakeserver.StateInvalid)
		})

		It("revokes the family when given a spent token, without calling it reuse", func() {
			s := h.seedUser()
			n := sessionOf(h.refresh(s.Refresh))
			Expect(h.do("POST", "/api/auth/logout", nil, cookie(s.Refresh)).Status).To(Equal(200))
			h.expectRefresh("R0", fakeserver.StateRevoked)
			Expect(h.srv.Journal().Where(func(e fakeserver.Entry) bool { return e.RefreshState == fakeserver.StateReused })).To(BeEmpty())
			expectError(h.refresh(n.Refresh), 401)
			h.expectRefresh("R1", fakeserver.StateRevoked)
		})
	})
})
