package fakeserver_test

import (
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

// controlStart is where control specs start the fake clock: a whole second, as JWT
// times are whole seconds.
var controlStart = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// controlReply is one HTTP answer, read whole.
type controlReply struct {
	Status int
	Header http.Header
	Body   []byte
}

// decodeReply decodes the body into a fresh T, failing the spec when it is not JSON.
func decodeReply[T any](r controlReply) T {
	GinkgoHelper()
	var v T
	Expect(json.Unmarshal(r.Body, &v)).To(Succeed(), "body: %s", r.Body)
	return v
}

// Message is the {"message"} of an error body.
func (r controlReply) Message() string {
	GinkgoHelper()
	return decodeReply[struct {
		Message string `json:"message"`
	}](r).Message
}

// controlHarness is a started server with the control API on its listener.
type controlHarness struct {
	srv    *fakeserver.Server
	clock  *clockwork.FakeClock
	client *http.Client
}

// newControlHarness starts a server with ExposeControl and closes it after the spec.
func newControlHarness() *controlHarness {
	GinkgoHelper()
	return newControlHarnessWith(fakeserver.Options{})
}

// newControlHarnessWith is newControlHarness with opts (its Clock and ExposeControl
// are set here).
func newControlHarnessWith(opts fakeserver.Options) *controlHarness {
	GinkgoHelper()
	h := &controlHarness{clock: clockwork.NewFakeClockAt(controlStart)}
	opts.Clock, opts.ExposeControl = h.clock, true
	h.srv = fakeserver.New(opts)
	Expect(h.srv.Start()).To(Succeed())
	DeferCleanup(h.srv.Close)
	h.client = &http.Client{Timeout: 10 * time.Second}
	DeferCleanup(h.client.CloseIdleConnections)
	return h
}

// newControlHarnessWithUsers is newControlHarness with two users: Ada
// (ada@example.test, "correct horse") and Bob (bob@example.test, "battery staple").
func newControlHarnessWithUsers() *controlHarness {
	GinkgoHelper()
	h := newControlHarness()
	_, err := h.srv.AddUser("Ada", "ada@example.test", "correct horse")
	Expect(err).NotTo(HaveOccurred())
	_, err = h.srv.AddUser("Bob", "bob@example.test", "battery staple")
	Expect(err).NotTo(HaveOccurred())
	return h
}

// do sends body (none when "") with extra headers as name, value pairs.
func (h *controlHarness) do(method, path, body string, headers ...string) controlReply {
	GinkgoHelper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL()+path, rd)
	Expect(err).NotTo(HaveOccurred())
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := h.client.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	Expect(err).NotTo(HaveOccurred())
	return controlReply{Status: res.StatusCode, Header: res.Header, Body: b}
}

// session is what a login hands a client: the access token and the refresh cookie.
type session struct {
	Access  string
	Refresh string
}

// login logs in through the API and returns the tokens.
func (h *controlHarness) login(email, password string) session {
	GinkgoHelper()
	r := h.do(http.MethodPost, "/api/auth/login",
		`{"email":"`+email+`","password":"`+password+`"}`, "Content-Type", "application/json")
	Expect(r.Status).To(Equal(http.StatusOK), "login: %s", r.Body)
	s := session{Access: decodeReply[struct {
		AccessToken string `json:"accessToken"`
	}](r).AccessToken}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "refreshToken" {
			s.Refresh = c.Value
		}
	}
	Expect(s.Access).NotTo(BeEmpty())
	Expect(s.Refresh).NotTo(BeEmpty())
	return s
}

// async sends do's request in the background; the answer arrives on the channel.
func (h *controlHarness) async(method, path, body string, headers ...string) <-chan controlReply {
	ch := make(chan controlReply, 1)
	go func() {
		defer GinkgoRecover()
		ch <- h.do(method, path, body, headers...)
	}()
	return ch
}

// me calls GET /api/auth/me with the session's access token.
func (h *controlHarness) me(s session) controlReply {
	GinkgoHelper()
	return h.do(http.MethodGet, "/api/auth/me", "", "Authorization", "Bearer "+s.Access)
}

// refresh calls POST /api/auth/refresh with the session's refresh cookie.
func (h *controlHarness) refresh(s session) controlReply {
	GinkgoHelper()
	return h.do(http.MethodPost, "/api/auth/refresh", "", "Cookie", "refreshToken="+s.Refresh)
}

// controlNowOf decodes a {"now"} answer.
func controlNowOf(r controlReply) time.Time {
	GinkgoHelper()
	Expect(r.Status).To(Equal(http.StatusOK), "body: %s", r.Body)
	now, err := time.Parse(time.RFC3339Nano, decodeReply[struct {
		Now string `json:"now"`
	}](r).Now)
	Expect(err).NotTo(HaveOccurred())
	return now
}

// expectControlError checks an error answer: status, JSON {message} containing text.
func expectControlError(r controlReply, status int, text string) {
	GinkgoHelper()
	Expect(r.Status).To(Equal(status), "body: %s", r.Body)
	Expect(r.Header.Get("Content-Type")).To(HavePrefix("application/json"))
	Expect(r.Message()).To(ContainSubstring(text))
}
