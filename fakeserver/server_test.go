package fakeserver_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Server lifecycle and options", func() {
	It("listens on loopback; URL has no trailing slash; a second Start fails; Close is idempotent", func() {
		srv := fakeserver.New(fakeserver.Options{Clock: clockwork.NewFakeClockAt(apiStart)})
		Expect(srv.URL()).To(BeEmpty())
		Expect(srv.Start()).To(Succeed())
		Expect(srv.URL()).To(HavePrefix("http://127.0.0.1:"))
		Expect(srv.URL()).NotTo(HaveSuffix("/"))
		Expect(srv.Start()).To(HaveOccurred())
		srv.Close()
		srv.Close()
		_, err := http.Get(srv.URL() + "/api/ideas")
		Expect(err).To(HaveOccurred())
	})

	It("StartAt reports a listen error", func() {
		srv := fakeserver.New(fakeserver.Options{})
		defer srv.Close()
		Expect(srv.StartAt("256.0.0.1:0")).To(HaveOccurred())
	})

	It("Handler serves the API without a listener, journalled", func() {
		srv := fakeserver.New(fakeserver.Options{Clock: clockwork.NewFakeClockAt(apiStart)})
		defer srv.Close()
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/api/ideas", nil))
		Expect(rec.Code).To(Equal(200))
		Expect(strings.TrimSpace(rec.Body.String())).To(Equal("[]"))
		Expect(srv.Journal()).To(HaveLen(1))
	})

	It("marks the refresh cookie Secure when served over TLS", func() {
		srv := fakeserver.New(fakeserver.Options{Clock: clockwork.NewFakeClockAt(apiStart)})
		defer srv.Close()
		_, err := srv.AddUser("Ada", "ada@example.com", "pw")
		Expect(err).NotTo(HaveOccurred())
		ts := httptest.NewTLSServer(srv.Handler())
		defer ts.Close()
		resp, err := ts.Client().Post(ts.URL+"/api/auth/login", "application/json",
			strings.NewReader(`{"email":"ada@example.com","password":"pw"}`))
		Expect(err).NotTo(HaveOccurred())
		defer resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(200))
		Expect(resp.Cookies()).To(HaveLen(1))
		Expect(resp.Cookies()[0].Secure).To(BeTrue())
	})

	It("fills defaults and reports them in State", func() {
		srv := fakeserver.New(fakeserver.Options{Clock: clockwork.NewFakeClockAt(apiStart), ReuseGrace: 2 * time.Second})
		defer srv.Close()
		st := srv.State()
		Expect([]any{st.Now, st.AccessTTL, st.RefreshTTL, st.Rotation, st.ReuseGrace}).
			To(Equal([]any{"2026-11-26T10:00:00Z", "1m0s", "168h0m0s", true, "2s"}))
		Expect(srv.Advance(61 * time.Second)).To(Equal(apiStart.Add(61 * time.Second)))
		Expect(srv.Clock().Now()).To(Equal(apiStart.Add(61*time.Second)), "one clock: Advance moved the injected fake clock")
	})

	Describe("CORS", func() {
		It("is off without CORSOrigin", func() {
			h := newAPI(fakeserver.Options{})
			r := h.do("GET", "/api/ideas", nil, "Origin: http://localhost:5173")
			Expect(r.Header.Get("Access-Control-Allow-Origin")).To(BeEmpty())
		})

		It("allows exactly the configured origin with credentials, and answers preflights 204", func() {
			h := newAPI(fakeserver.Options{CORSOrigin: "http://localhost:5173"})
			r := h.do("GET", "/api/ideas", nil, "Origin: http://localhost:5173")
			Expect(r.Header.Get("Access-Control-Allow-Origin")).To(Equal("http://localhost:5173"))
			Expect(r.Header.Get("Access-Control-Allow-Credentials")).To(Equal("true"))
			r = h.do("GET", "/api/ideas", nil, "Origin: http://evil.example")
			Expect(r.Header.Get("Access-Control-Allow-Origin")).To(BeEmpty())
			r = h.do("OPTIONS", "/api/auth/refresh", nil, "Origin: http://localhost:5173", "Access-Control-Request-Method: POST")
			Expect(r.Status).To(Equal(204))
			Expect(r.Header.Get("Access-Control-Allow-Methods")).To(Equal("POST"))
			Expect(r.Header.Get("Access-Control-Allow-Headers")).To(Equal("Authorization, Content-Type, X-Tokenclock-Instance"))
			Expect(r.Header.Get("Access-Control-Allow-Origin")).To(Equal("http://localhost:5173"))
			expectError(h.do("OPTIONS", "/nope", nil, "Origin: http://localhost:5173"), 404)
			r = h.do("GET", "/api/auth/me", nil, "Origin: http://localhost:5173")
			Expect(r.Status).To(Equal(401))
			Expect(r.Header.Get("Access-Control-Expose-Headers")).To(ContainSubstring("WWW-Authenticate"))
		})
	})
})
