package fakeserver_test

import (
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// oauthForm is a form body plus its content-type header.
func oauthForm(kv ...string) ([]byte, string) {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return []byte(v.Encode()), "Content-Type: application/x-www-form-urlencoded"
}

// tokenAnswer is the token endpoint's JSON, success or error.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

var _ = Describe("The oauth2 profile", func() {
	var (
		h              *apiHarness
		clientID, pass string
	)
	token := func(headers []string, kv ...string) (apiReply, tokenAnswer) {
		GinkgoHelper()
		body, ct := oauthForm(kv...)
		r := h.do("POST", fakeserver.PathToken, body, append(headers, ct)...)
		var a tokenAnswer
		r.JSON(&a)
		return r, a
	}
	withClient := func(kv ...string) []string {
		return append([]string{"client_id", clientID, "client_secret", pass}, kv...)
	}
	login := func() tokenAnswer {
		GinkgoHelper()
		r, a := token(nil, withClient("grant_type", "password", "username", "ada@example.com", "password", "pw-ada")...)
		Expect(r.Status).To(Equal(200), string(r.Body))
		return a
	}
	refresh := func(rt string) (apiReply, tokenAnswer) {
		return token(nil, withClient("grant_type", "refresh_token", "refresh_token", rt)...)
	}
	start := func(o fakeserver.Options) {
		o.Profile = fakeserver.ProfileOAuth2
		h = newAPI(o)
		clientID, pass = h.srv.OAuthClient()
		_, err := h.srv.AddUser("Ada", "ada@example.com", "pw-ada")
		Expect(err).NotTo(HaveOccurred())
	}
	BeforeEach(func() { start(fakeserver.Options{}) })

	It("logs in with the password grant: a Bearer access token for the API, its lifetime, a refresh token; journalled as the login call, body not kept", func() {
		r, a := token(nil, withClient("grant_type", "password", "username", "ada@example.com", "password", "pw-ada")...)
		Expect(r.Status).To(Equal(200))
		Expect(r.Header.Get("Cache-Control")).To(Equal("no-store"))
		Expect(r.Header.Get("Pragma")).To(Equal("no-cache"))
		Expect(a.TokenType).To(Equal("Bearer"))
		Expect(a.ExpiresIn).To(Equal(60))
		Expect(a.RefreshToken).NotTo(BeEmpty())
		Expect(h.me(a.AccessToken).Status).To(Equal(200))
		e := h.srv.Journal()[0]
		Expect(e.GrantType).To(Equal("password"))
		Expect(e.Call()).To(Equal(fakeserver.PathLogin))
		Expect(e.IssuedAccess).To(Equal("A0"))
		Expect(e.IssuedRefresh).To(Equal("R0"))
		Expect(e.Body).To(BeNil(), "the form holds the password and the client secret")
		Expect(e.BodySha256).NotTo(BeEmpty())
		Expect(h.srv.Journal().To("POST", fakeserver.PathLogin)).To(HaveLen(1))
	})

	It("authenticates the client by HTTP Basic or by the body, never both; a wrong secret is invalid_client with a Basic challenge, which is not an access-token failure", func() {
		basic := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(clientID+":"+pass))
		r, _ := token([]string{basic}, "grant_type", "password", "username", "ada@example.com", "password", "pw-ada")
		Expect(r.Status).To(Equal(200))

		r, a := token([]string{basic}, withClient("grant_type", "password", "username", "ada@example.com", "password", "pw-ada")...)
		Expect(r.Status).To(Equal(400))
		Expect(a.Error).To(Equal("invalid_request"))

		r, a = token(nil, "grant_type", "password", "username", "ada@example.com", "password", "pw-ada",
			"client_id", clientID, "client_secret", "wrong")
		Expect(r.Status).To(Equal(401))
		Expect(a.Error).To(Equal("invalid_client"))
		Expect(r.Header.Get("WWW-Authenticate")).To(HavePrefix("Basic "))
		Expect(h.last().AuthFailure).To(BeFalse())
	})

	It("form-decodes HTTP Basic credentials (RFC 6749 §2.3.1), and takes an empty parameter for an absent one", func() {
		start(fakeserver.Options{OAuthClientSecret: "s3cr+t!/x"})
		basic := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID)+":"+url.QueryEscape(pass)))
		r, _ := token([]string{basic}, "grant_type", "password", "username", "ada@example.com", "password", "pw-ada", "client_secret", "")
		Expect(r.Status).To(Equal(200), string(r.Body))
		Expect(h.last().AccessToken).To(BeEmpty(), "Basic credentials are no access token")
	})

	It("refuses a parameter given twice, a body that is no form, and a revocation without a token, as invalid_request", func() {
		login()
		r, a := token(nil, withClient("grant_type", "password", "grant_type", "refresh_token")...)
		Expect(r.Status).To(Equal(400))
		Expect(a.Error).To(Equal("invalid_request"))
		Expect(a.Description).To(ContainSubstring("grant_type is given more than once"))

		r = h.do("POST", fakeserver.PathToken, []byte(strings.Repeat("x", 20<<10)))
		Expect(r.Status).To(Equal(400))
		Expect(string(r.Body)).To(ContainSubstring("invalid_request"))

		body, ct := oauthForm(withClient()...)
		r = h.do("POST", fakeserver.PathRevoke, body, ct)
		Expect(r.Status).To(Equal(400))
		Expect(string(r.Body)).To(ContainSubstring("token is missing"))
	})

	It("names the re-sent refresh token of a grace reuse even when it leaves an unchanged one out", func() {
		start(fakeserver.Options{ReuseGrace: time.Minute, OAuthNoRefreshInAnswer: true})
		a := login()
		_, next := refresh(a.RefreshToken)
		Expect(next.RefreshToken).NotTo(BeEmpty(), "rotated: named")
		r, again := refresh(a.RefreshToken) // inside the grace window
		Expect(r.Status).To(Equal(200))
		Expect(h.last().GraceReuse).To(BeTrue())
		Expect(again.RefreshToken).To(Equal(next.RefreshToken), "the family's current token, which the client must take")
	})

	It("answers invalid_grant for a wrong password, invalid_request without grant_type, unsupported_grant_type for another", func() {
		_, a := token(nil, withClient("grant_type", "password", "username", "ada@example.com", "password", "nope")...)
		Expect(a.Error).To(Equal("invalid_grant"))
		_, a = token(nil, withClient()...)
		Expect(a.Error).To(Equal("invalid_request"))
		r, a := token(nil, withClient("grant_type", "client_credentials")...)
		Expect(r.Status).To(Equal(400))
		Expect(a.Error).To(Equal("unsupported_grant_type"))
		Expect(h.last().GrantType).To(Equal("client_credentials"))
	})

	It("rotates on the refresh_token grant and treats a spent token as reuse: invalid_grant, and the family is revoked", func() {
		first := login()
		r, next := refresh(first.RefreshToken)
		Expect(r.Status).To(Equal(200))
		Expect(next.RefreshToken).NotTo(Equal(first.RefreshToken))
		e := h.last()
		Expect(e.IsRefresh()).To(BeTrue())
		Expect([]string{e.RefreshToken, e.RefreshState, e.IssuedRefresh}).To(Equal([]string{"R0", "valid", "R1"}))
		Expect(h.srv.Journal().Refreshes()).To(HaveLen(1))

		r, a := refresh(first.RefreshToken)
		Expect(r.Status).To(Equal(400))
		Expect(a.Error).To(Equal("invalid_grant"))
		Expect(h.last().RefreshState).To(Equal("reused"))
		_, a = refresh(next.RefreshToken)
		Expect(a.Error).To(Equal("invalid_grant"), "the reuse revoked the family")
		Expect(h.last().RefreshState).To(Equal("revoked"))
	})

	It("answers invalid_grant for an expired refresh token, and refuses an expired access token with the RFC 6750 challenge", func() {
		a := login()
		h.clock.Advance(8 * 24 * time.Hour)
		r, ans := refresh(a.RefreshToken)
		Expect(r.Status).To(Equal(400))
		Expect(ans.Error).To(Equal("invalid_grant"))
		Expect(h.last().RefreshState).To(Equal("expired"))
		me := h.me(a.AccessToken)
		Expect(me.Status).To(Equal(401))
		Expect(me.Header.Get("WWW-Authenticate")).To(ContainSubstring(`error="invalid_token"`))
	})

	It("without rotation, with OAuthNoRefreshInAnswer, answers no refresh_token and the old one stays valid (RFC 6749 §6)", func() {
		start(fakeserver.Options{NoRotation: true, OAuthNoRefreshInAnswer: true})
		a := login()
		r, next := refresh(a.RefreshToken)
		Expect(r.Status).To(Equal(200))
		Expect(string(r.Body)).NotTo(ContainSubstring("refresh_token"))
		Expect(next.AccessToken).NotTo(BeEmpty())
		r, _ = refresh(a.RefreshToken)
		Expect(r.Status).To(Equal(200))
	})

	It("revokes a refresh token's family at the revocation endpoint, journalled as the logout call", func() {
		a := login()
		body, ct := oauthForm(withClient("token", a.RefreshToken, "token_type_hint", "refresh_token")...)
		r := h.do("POST", fakeserver.PathRevoke, body, ct)
		Expect(r.Status).To(Equal(200))
		Expect(h.last().Call()).To(Equal(fakeserver.PathLogout))
		Expect(h.last().RefreshToken).To(Equal("R0"))
		_, ans := refresh(a.RefreshToken)
		Expect(ans.Error).To(Equal("invalid_grant"))
	})

	It("applies a fault rule on PathRefresh to the refresh_token grant, not to the password grant nor to the cookie path itself", func() {
		h.srv.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Action: fakeserver.ActionStatus, Status: 503})
		a := login()
		r, _ := token(nil, withClient("grant_type", "refresh_token", "refresh_token", a.RefreshToken)...)
		Expect(r.Status).To(Equal(503))
		Expect(h.last().Fault).To(Equal("status"))
		Expect(h.do("POST", fakeserver.PathRefresh, nil).Status).To(Equal(404))
		Expect(h.last().Fault).To(BeEmpty())
		h.srv.ClearFaults()
		h.srv.AddFault(fakeserver.Rule{Method: "POST", Path: fakeserver.PathRefresh, Action: fakeserver.ActionStatus, Status: 401})
		r, ans := refresh(a.RefreshToken)
		Expect(r.Status).To(Equal(401))
		Expect(ans.Error).To(Equal("invalid_client"), "a 401 at the token endpoint refuses the client")
	})

	It("serves the RFC 8414 metadata, and 404s the cookie profile's auth endpoints (and the cookie profile 404s these)", func() {
		r := h.do("GET", fakeserver.PathOAuthMetadata, nil)
		Expect(r.Status).To(Equal(200))
		var m map[string]any
		r.JSON(&m)
		Expect(m["token_endpoint"]).To(Equal(h.srv.URL() + fakeserver.PathToken))
		Expect(m["grant_types_supported"]).To(ConsistOf("password", "refresh_token"))

		r = h.do("POST", fakeserver.PathRefresh, nil)
		Expect(r.Status).To(Equal(404))
		Expect(r.Message()).To(ContainSubstring("cookie profile"))
		Expect(h.last().AuthCall).To(Equal(fakeserver.NoCall))
		Expect(h.last().IsRefresh()).To(BeFalse(), "a request to the other profile's refresh makes no refresh call")

		c := newAPI(fakeserver.Options{})
		r = c.do("POST", fakeserver.PathToken, []byte("grant_type=password"))
		Expect(r.Status).To(Equal(404))
		Expect(r.Message()).To(ContainSubstring("oauth2 profile"))
		Expect(c.last().GrantType).To(BeEmpty(), "the cookie profile reads no form")
		c.srv.AddFault(fakeserver.Rule{Path: fakeserver.PathLogout, Action: fakeserver.ActionStatus, Status: 503})
		Expect(c.do("POST", fakeserver.PathRevoke, []byte("token=x")).Status).To(Equal(404), "no logout call under cookie")
		Expect(c.last().Call()).To(Equal(fakeserver.NoCall))
		Expect(c.srv.Journal().To("POST", fakeserver.PathLogout)).To(BeEmpty())
		Expect(c.srv.State().Profile).To(Equal("cookie"))
		Expect(h.srv.State().Profile).To(Equal("oauth2"))
		Expect(h.srv.State().OAuthClientID).To(Equal(fakeserver.DefaultOAuthClientID))
	})

	It("lists the client secret among the secrets to scrub, and never shows it in the state", func() {
		Expect(h.srv.Secrets()).To(HaveKeyWithValue(pass, "client_secret"))
		Expect(strings.Contains(string(jsonBody(h.srv.State())), pass)).To(BeFalse())
	})

	It("parses profile names", func() {
		for _, name := range []string{"", "cookie", "oauth2"} {
			_, err := fakeserver.ParseProfile(name)
			Expect(err).NotTo(HaveOccurred())
		}
		_, err := fakeserver.ParseProfile("saml")
		Expect(err).To(MatchError(ContainSubstring(`unknown profile "saml" (known: cookie, oauth2)`)))
	})
})
