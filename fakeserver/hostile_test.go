package fakeserver_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// hostileKey is the test server's signing key, so specs can forge tokens that are
// correctly signed but were never issued.
var hostileKey = []byte("0123456789abcdef0123456789abcdef")

func signed(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	GinkgoHelper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	Expect(err).NotTo(HaveOccurred())
	return s
}

func claimsAt(now time.Time, jti string) jwt.MapClaims {
	return jwt.MapClaims{"sub": "u1", "jti": jti, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
}

// tamper swaps the token's payload for one with sub u2, keeping the signature.
func tamper(token string) string {
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	Expect(err).NotTo(HaveOccurred())
	payload = bytes.Replace(payload, []byte(`"u1"`), []byte(`"u2"`), 1)
	parts[1] = base64.RawURLEncoding.EncodeToString(payload)
	return strings.Join(parts, ".")
}

var _ = Describe("Hostile input", func() {
	var (
		h   *apiHarness
		ada apiSession
	)
	BeforeEach(func() {
		h = newAPI(fakeserver.Options{SigningKey: hostileKey})
		ada = h.seedUser()
	})

	DescribeTable("a bad Authorization header on a protected resource is 401 invalid_token, journalled ? invalid",
		func(header func() string, desc string) {
			for _, req := range []struct{ method, path string }{
				{"GET", "/api/auth/me"}, {"POST", "/api/ideas"}, {"PUT", "/api/ideas/i1"}, {"DELETE", "/api/ideas/i1"},
			} {
				r := h.do(req.method, req.path, ideaBody("x"), "Authorization: "+header())
				expectError(r, 401)
				Expect(r.Header.Get("WWW-Authenticate")).To(Equal(`Bearer error="invalid_token", error_description="` + desc + `"`))
				h.expectAccess("?", fakeserver.StateInvalid)
			}
			Expect(h.srv.Ideas()).To(BeEmpty())
		},
		Entry("not Bearer", func() string { return "Basic YWRhOnB3" }, "the Authorization header is not a Bearer token"),
		Entry("Bearer without a token", func() string { return "Bearer" }, "the Authorization header is not a Bearer token"),
		Entry("garbage", func() string { return "Bearer garbage" }, "the access token is malformed"),
		Entry("four segments", func() string { return "Bearer a.b.c.d" }, "the access token is malformed"),
		Entry("alg none", func() string {
			return "Bearer " + signed(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claimsAt(apiStart, "x"))
		}, "the access token algorithm is not accepted"),
		Entry("HS512 with our key", func() string {
			return "Bearer " + signed(jwt.SigningMethodHS512, hostileKey, claimsAt(apiStart, "x"))
		}, "the access token algorithm is not accepted"),
		Entry("signed with another key", func() string {
			return "Bearer " + signed(jwt.SigningMethodHS256, []byte("another key, another server....."), claimsAt(apiStart, "x"))
		}, "the access token signature is invalid"),
		Entry("tampered payload", func() string { return "Bearer " + tamper(ada.Access) }, "the access token signature is invalid"),
		Entry("signed by us, never issued", func() string {
			return "Bearer " + signed(jwt.SigningMethodHS256, hostileKey, claimsAt(apiStart, "forged"))
		}, "the access token was not issued by this server"),
		Entry("signed by us, no exp", func() string {
			return "Bearer " + signed(jwt.SigningMethodHS256, hostileKey, jwt.MapClaims{"sub": "u1", "jti": "x"})
		}, "the access token is malformed"),
		Entry("signed by us, exp a string", func() string {
			return "Bearer " + signed(jwt.SigningMethodHS256, hostileKey, jwt.MapClaims{"sub": "u1", "jti": "x", "exp": "soon"})
		}, "the access token is malformed"),
		Entry("a refresh token", func() string { return "Bearer " + ada.Refresh }, "the access token is malformed"),
	)

	It("journals an issued token whose signature was altered as ? invalid", func() {
		last := ada.Access[len(ada.Access)-1]
		alt := "A"
		if last == 'A' {
			alt = "B"
		}
		expectError(h.me(ada.Access[:len(ada.Access)-1]+alt), 401)
		h.expectAccess("?", fakeserver.StateInvalid)
	})

	It("answers 413 for a body over 1 MiB before judging auth, and 1 MiB exactly is read", func() {
		big := bytes.Repeat([]byte("x"), fakeserver.MaxBodyBytes+1)
		for _, path := range []string{"/api/ideas", "/api/auth/refresh", "/api/auth/logout", "/api/auth/login"} {
			expectError(h.do("POST", path, big), 413)
		}
		Expect(h.last().BodySha256).NotTo(BeEmpty())
		Expect(h.last().Body).To(BeNil())
		exact := bytes.Repeat([]byte(" "), fakeserver.MaxBodyBytes)
		expectError(h.do("POST", "/api/ideas", exact, bearer(ada.Access)), 400)
	})

	It("answers 404 for unknown paths and 405 with Allow for wrong methods, both as JSON", func() {
		for _, p := range []string{"/", "/api", "/api/ideas/", "/api/ideas/i1/x", "/api/auth", "/api/auth/me/", "/API/ideas", "/_tokenclock/state"} {
			r := h.do("GET", p, nil)
			expectError(r, 404)
			Expect(r.Header.Get("Content-Type")).To(HavePrefix("application/json"))
		}
		for _, c := range []struct{ method, path, allow string }{
			{"GET", "/api/auth/login", "POST"},
			{"PATCH", "/api/ideas", "GET, POST"},
			{"POST", "/api/ideas/i1", "GET, PUT, DELETE"},
			{"DELETE", "/api/auth/me", "GET"},
			{"OPTIONS", "/api/auth/refresh", "POST"},
		} {
			r := h.do(c.method, c.path, bytes.Repeat([]byte("x"), fakeserver.MaxBodyBytes+1))
			expectError(r, 405)
			Expect(r.Header.Get("Allow")).To(Equal(c.allow))
		}
		expectError(h.do("GET", "/nope", bytes.Repeat([]byte("x"), fakeserver.MaxBodyBytes+1)), 404)
	})

	It("journals every hostile request, and never answers 5xx", func() {
		h.do("GET", "/api/auth/me", nil, "Authorization: Bearer \x7f")
		h.do("POST", "/api/ideas", []byte("\xff\xfe"), bearer(ada.Access))
		h.do("POST", "/api/auth/register", []byte(`{"name":"\ud800","email":"a@b","password":"p"}`))
		for _, e := range h.srv.Journal() {
			Expect(e.Status).To(BeNumerically("<", 500), "%+v", e)
			Expect(e.Pending).To(BeFalse())
		}
	})
})
