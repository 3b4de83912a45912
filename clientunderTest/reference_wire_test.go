package clientundertest_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

// These specs pin what the reference does on the wire, against a hand-written
// httptest server: reply bodies, no hidden retries, no redirects, bad input.
var _ = Describe("Reference client: wire behaviour", func() {
	var (
		c        *cut.Reference
		arrivals atomic.Int32
		handle   http.HandlerFunc
	)

	BeforeEach(func(ctx SpecContext) {
		arrivals.Store(0)
		handle = func(w http.ResponseWriter, _ *http.Request) {}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			arrivals.Add(1)
			handle(w, req)
		}))
		DeferCleanup(srv.Close)
		c = cut.NewReference()
		Expect(c.Init(ctx, cut.Env{BaseURL: srv.URL + "/", Scenario: "wire"})).To(Succeed())
		DeferCleanup(c.Close)
	}, NodeTimeout(5*time.Second))

	send := func(ctx SpecContext, method, path string) cut.Reply {
		GinkgoHelper()
		reply, err := c.Request(ctx, cut.Call{Method: method, Path: path})
		Expect(err).NotTo(HaveOccurred())
		return reply
	}

	DescribeTable("gives the caller the body as a JSON value",
		func(ctx SpecContext, served, want string) {
			handle = func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(served)) }
			reply := send(ctx, http.MethodGet, "/x")
			Expect(reply.Status).To(Equal(http.StatusOK))
			Expect(json.Valid(reply.Body)).To(BeTrue())
			Expect(reply.Body).To(MatchJSON(want))
		},
		Entry("JSON as it came", ` {"a": [1, 2]}`+"\n", `{"a":[1,2]}`),
		Entry("text as a string", "hello <b>", `"hello <b>"`),
		Entry("empty as null", "", `null`),
		Entry("invalid UTF-8 as a string", "\xff", `"\ufffd"`),
	)

	It("never re-sends a GET whose kept-alive connection dies under it", func(ctx SpecContext) {
		Expect(send(ctx, http.MethodGet, "/warm").Status).To(Equal(http.StatusOK)) // a connection to reuse
		handle = func(w http.ResponseWriter, _ *http.Request) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				_ = conn.(*net.TCPConn).SetLinger(0) // RST
				_ = conn.Close()
			}
		}
		reply := send(ctx, http.MethodGet, "/api/auth/me")
		Expect(reply.Error).To(HavePrefix("ECONNRESET"))
		Expect(arrivals.Load()).To(BeEquivalentTo(2), "net/http must not retry on its own")
	}, SpecTimeout(5*time.Second))

	It("shows a redirect to the caller instead of following it", func(ctx SpecContext) {
		handle = func(w http.ResponseWriter, req *http.Request) { http.Redirect(w, req, "/elsewhere", http.StatusFound) }
		Expect(send(ctx, http.MethodGet, "/api/ideas").Status).To(Equal(http.StatusFound))
		Expect(arrivals.Load()).To(BeEquivalentTo(1))
	}, SpecTimeout(5*time.Second))

	It("sends the caller's headers and body bytes unchanged", func(ctx SpecContext) {
		got := make(chan *http.Request, 1)
		handle = func(w http.ResponseWriter, req *http.Request) { got <- req }
		body := json.RawMessage(`{"b": 1,  "a": 2}`)
		_, err := c.Request(ctx, cut.Call{Method: http.MethodPost, Path: "/api/ideas?x=1", Body: body,
			Headers: map[string]string{"X-Trace": "t1"}})
		Expect(err).NotTo(HaveOccurred())
		var req *http.Request
		Eventually(got).Should(Receive(&req))
		Expect(req.Header.Get("X-Trace")).To(Equal("t1"))
		Expect(req.Header.Get("Content-Type")).To(Equal("application/json"))
		Expect(req.URL.RawQuery).To(Equal("x=1"))
		Expect(req.ContentLength).To(BeEquivalentTo(len(body)))
	}, SpecTimeout(5*time.Second))

	It("turns bad input into errors, never a panic", func(ctx SpecContext) {
		Expect(send(ctx, http.MethodGet, "no-slash").Error).To(HavePrefix("EINVAL"))
		Expect(send(ctx, "BAD METHOD", "/x").Error).NotTo(BeEmpty())
		_, err := c.Request(ctx, cut.Call{Method: http.MethodGet, Path: "/x", Headers: map[string]string{"Bad Name": "v"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Init(ctx, cut.Env{BaseURL: "not a url", Scenario: "x"})).To(HaveOccurred())
		Expect(c.Init(ctx, cut.Env{BaseURL: "ftp://127.0.0.1/", Scenario: "x"})).To(HaveOccurred())

		closed := cut.NewReference()
		_, err = closed.Request(ctx, cut.Call{Method: http.MethodGet, Path: "/x"})
		Expect(err).To(MatchError(ContainSubstring("before Init")))
		_, err = closed.Logout(ctx)
		Expect(err).To(HaveOccurred())
	}, SpecTimeout(5*time.Second))

	It("reports a refused connection as an error reply", func(ctx SpecContext) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		addr := l.Addr().String()
		Expect(l.Close()).To(Succeed())
		Expect(c.Init(ctx, cut.Env{BaseURL: "http://" + addr, Scenario: "refused"})).To(Succeed())
		Expect(send(ctx, http.MethodGet, "/x").Error).To(HavePrefix("ECONNREFUSED"))
	}, SpecTimeout(5*time.Second))
})
