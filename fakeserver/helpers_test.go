package fakeserver_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// apiStart is where server specs start the fake clock: a whole second, as JWT
// times are whole seconds.
var apiStart = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// apiHarness is a started server on a fake clock, closed after the spec.
type apiHarness struct {
	srv    *fakeserver.Server
	clock  *clockwork.FakeClock
	client *http.Client
}

func newAPI(opts fakeserver.Options) *apiHarness {
	clock := clockwork.NewFakeClockAt(apiStart)
	opts.Clock = clock
	srv := fakeserver.New(opts)
	Expect(srv.Start()).To(Succeed())
	tr := &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 0}
	DeferCleanup(func() {
		srv.Close()
		tr.CloseIdleConnections()
	})
	return &apiHarness{srv: srv, clock: clock, client: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

// apiReply is a response read in full.
type apiReply struct {
	Status int
	Header http.Header
	Body   []byte
	Err    error
}

// Message is the {"message"} of an error body ("" when absent).
func (r apiReply) Message() string {
	var m struct{ Message *string }
	if json.Unmarshal(r.Body, &m) != nil || m.Message == nil {
		return ""
	}
	return *m.Message
}

// Cookie returns the Set-Cookie for the refresh token, nil when none.
func (r apiReply) Cookie() *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "refreshToken" {
			return c
		}
	}
	return nil
}

// JSON decodes the body into v and fails the spec if it cannot.
func (r apiReply) JSON(v any) {
	GinkgoHelper()
	Expect(json.Unmarshal(r.Body, v)).To(Succeed(), string(r.Body))
}

// do sends one request; headers come as "Name: value" strings, repeatable.
func (h *apiHarness) do(method, path string, body []byte, headers ...string) apiReply {
	GinkgoHelper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL()+path, rd)
	Expect(err).NotTo(HaveOccurred())
	for _, hv := range headers {
		k, v, _ := strings.Cut(hv, ":")
		req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return apiReply{Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return apiReply{Status: resp.StatusCode, Header: resp.Header, Body: b, Err: err}
}

func bearer(token string) string   { return "Authorization: Bearer " + token }
func cookie(refresh string) string { return "Cookie: refreshToken=" + refresh }

// apiSession is the tokens a login, register or refresh handed out.
type apiSession struct {
	Access, Refresh string
	User            fakeserver.User
}

func sessionOf(r apiReply) apiSession {
	GinkgoHelper()
	var body struct {
		AccessToken string          `json:"accessToken"`
		User        fakeserver.User `json:"user"`
	}
	r.JSON(&body)
	c := r.Cookie()
	Expect(c).NotTo(BeNil(), "no refresh cookie")
	return apiSession{Access: body.AccessToken, Refresh: c.Value, User: body.User}
}

// seedUser adds ada through the Go API (no tokens) and logs her in.
func (h *apiHarness) seedUser() apiSession {
	GinkgoHelper()
	_, err := h.srv.AddUser("Ada", "ada@example.com", "pw-ada")
	Expect(err).NotTo(HaveOccurred())
	return h.login("ada@example.com", "pw-ada")
}

func (h *apiHarness) login(email, password string) apiSession {
	GinkgoHelper()
	r := h.do("POST", "/api/auth/login", jsonBody(map[string]any{"email": email, "password": password}))
	Expect(r.Status).To(Equal(200), string(r.Body))
	return sessionOf(r)
}

func (h *apiHarness) refresh(token string) apiReply {
	return h.do("POST", "/api/auth/refresh", nil, cookie(token))
}

func (h *apiHarness) me(token string) apiReply {
	return h.do("GET", "/api/auth/me", nil, bearer(token))
}

func (h *apiHarness) last() fakeserver.Entry {
	GinkgoHelper()
	j := h.srv.Journal()
	Expect(j).NotTo(BeEmpty())
	return j[len(j)-1]
}

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return b
}

func ideaBody(title string) []byte {
	return jsonBody(map[string]any{"title": title, "summary": "s", "description": "d", "tags": []string{"t"}})
}

// expectError checks an error reply: status and a non-empty {message}.
func expectError(r apiReply, status int) {
	GinkgoHelper()
	Expect(r.Err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(status), string(r.Body))
	Expect(r.Message()).NotTo(BeEmpty(), string(r.Body))
}

// expectTokenState checks the last journal entry's access label and state.
func (h *apiHarness) expectAccess(label, state string) {
	GinkgoHelper()
	e := h.last()
	Expect([]string{e.AccessToken, e.AccessState}).To(Equal([]string{label, state}))
}

func (h *apiHarness) expectRefresh(label, state string) {
	GinkgoHelper()
	e := h.last()
	Expect([]string{e.RefreshToken, e.RefreshState}).To(Equal([]string{label, state}))
}
