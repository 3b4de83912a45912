package fakeserver_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// expectAuthBody checks a register, login or refresh body: exactly {accessToken,
// expiresIn, user}, expiresIn the whole seconds from now until the token's exp claim.
func expectAuthBody(r apiReply, now time.Time, expiresIn int) {
	GinkgoHelper()
	var body map[string]json.RawMessage
	r.JSON(&body)
	Expect(body).To(HaveLen(3), string(r.Body))
	Expect(body).To(HaveKey("accessToken"))
	Expect(body).To(HaveKey("user"))
	Expect(string(body["expiresIn"])).To(Equal(jsonNumber(expiresIn)), "expiresIn")
	var token string
	Expect(json.Unmarshal(body["accessToken"], &token)).To(Succeed())
	exp := time.Unix(accessClaims(token).Exp, 0)
	Expect(int(exp.Sub(now)/time.Second)).To(Equal(expiresIn), "seconds until exp, rounded down")
}

func jsonNumber(n int) string {
	b, err := json.Marshal(n)
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

// accessClaims reads a JWT's payload without verifying it (the test trusts its server).
func accessClaims(token string) struct{ Exp, Iat int64 } {
	GinkgoHelper()
	parts := strings.Split(token, ".")
	Expect(parts).To(HaveLen(3))
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	Expect(err).NotTo(HaveOccurred())
	var c struct{ Exp, Iat int64 }
	Expect(json.Unmarshal(raw, &c)).To(Succeed())
	return c
}

var _ = Describe("Auth endpoints", func() {
	var h *apiHarness
	BeforeEach(func() { h = newAPI(fakeserver.Options{}) })

	Describe("POST /api/auth/register", func() {
		It("answers 201 {accessToken, expiresIn, user} with the refresh cookie", func() {
			r := h.do("POST", "/api/auth/register", jsonBody(map[string]any{"name": "Bo", "email": "bo@x.io", "password": "pw"}))
			Expect(r.Status).To(Equal(201))
			expectAuthBody(r, apiStart, 60)
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

		It("answers 200 {accessToken, expiresIn, user} with expiresIn the access TTL in seconds", func() {
			r := h.do("POST", "/api/auth/login", jsonBody(map[string]any{"email": "ada@example.com", "password": "pw-ada"}))
			Expect(r.Status).To(Equal(200))
			expectAuthBody(r, apiStart, 60)
			h2 := newAPI(fakeserver.Options{AccessTTL: 90 * time.Minute})
			_, err := h2.srv.AddUser("Ada", "ada@example.com", "pw-ada")
			Expect(err).NotTo(HaveOccurred())
			r = h2.do("POST", "/api/auth/login", jsonBody(map[string]any{"email": "ada@example.com", "password": "pw-ada"}))
			expectAuthBody(r, apiStart, 5400)
		})

		It("rounds expiresIn down when the clock is not on a whole second (exp is whole seconds)", func() {
			start := apiStart.Add(700 * time.Millisecond)
			srv := fakeserver.New(fakeserver.Options{Clock: clockwork.NewFakeClockAt(start)})
			defer srv.Close()
			_, err := srv.AddUser("Ada", "ada@example.com", "pw")
			Expect(err).NotTo(HaveOccurred())
			Expect(srv.Start()).To(Succeed())
			h2 := &apiHarness{srv: srv, client: h.client}
			r := h2.do("POST", "/api/auth/login", jsonBody(map[string]any{"email": "ada@example.com", "password": "pw"}))
			Expect(r.Status).To(Equal(200))
			expectAuthBody(r, start, 59)
			Expect(accessClaims(sessionOf(r).Access).Exp).To(Equal(apiStart.Add(time.Minute).Unix()))
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
			expectAuthBody(r, apiStart, 60)
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

		It("answers expiresIn for the new access token, counted from the refresh", func() {
			s := h.seedUser()
			h.srv.Advance(45 * time.Second)
			r := h.refresh(s.Refresh)
			Expect(r.Status).To(Equal(200))
			expectAuthBody(r, apiStart.Add(45*time.Second), 60)
			h2 := newAPI(fakeserver.Options{NoRotation: true, AccessTTL: 5 * time.Second})
			s = h2.seedUser()
			h2.srv.ExpireAccess()
			r = h2.refresh(s.Refresh)
			Expect(r.Status).To(Equal(200))
			expectAuthBody(r, apiStart.Add(6*time.Second), 5)
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
