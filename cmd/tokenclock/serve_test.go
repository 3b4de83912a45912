package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// syncBuffer is a bytes.Buffer safe to read while serve writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// running is a `tokenclock serve` started in this process.
type running struct {
	stdout, stderr *syncBuffer
	done           chan struct{} // closed when run returned
	code           int           // run's exit code, once done is closed
	stop           context.CancelFunc
}

// startServe runs serve with args until the spec ends, and waits for its banner.
func startServe(args ...string) *running {
	GinkgoHelper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{}), stop: cancel}
	go func() {
		defer close(r.done)
		r.code = run(ctx, append([]string{"serve"}, args...), r.stdout, r.stderr)
	}()
	DeferCleanup(func() {
		cancel()
		Eventually(r.done).WithTimeout(5 * time.Second).Should(BeClosed())
	})
	Eventually(r.stdout.String).WithTimeout(5*time.Second).Should(ContainSubstring("Ctrl-C stops"),
		"stderr: %s", r.stderr.String())
	return r
}

// banner finds a URL printed after label in the banner.
func (r *running) banner(label string) string {
	GinkgoHelper()
	m := regexp.MustCompile(regexp.QuoteMeta(label) + ` (http://\S+)`).FindStringSubmatch(r.stdout.String())
	Expect(m).To(HaveLen(2), "banner: %s", r.stdout.String())
	return m[1]
}

// httpDo sends a request and answers status and body.
func httpDo(method, url, body string) (int, string) {
	GinkgoHelper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/json")
	res, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	Expect(err).NotTo(HaveOccurred())
	return res.StatusCode, string(b)
}

var _ = Describe("tokenclock serve", func() {
	It("serves the API and the control API on one listener, logs each request, and stops cleanly", func() {
		r := startServe("--addr", "127.0.0.1:0", "--seed-user", "Ada:ada@example.test:correct horse")
		api := r.banner("API on")
		Expect(api).To(MatchRegexp(`^http://127\.0\.0\.1:\d+$`))
		Expect(r.banner("control API:")).To(Equal(api + "/_tokenclock/"))
		Expect(r.stdout.String()).To(ContainSubstring("localhost and 127.0.0.1"))
		Expect(r.stdout.String()).To(ContainSubstring("seeded user: Ada <ada@example.test>"))

		status, body := httpDo(http.MethodPost, api+"/api/auth/login",
			`{"email":"ada@example.test","password":"correct horse"}`)
		Expect(status).To(Equal(http.StatusOK), body)
		Eventually(r.stdout.String).Should(MatchRegexp(
			`(?m)^#1 POST /api/auth/login access=- refresh=- status=200 issued=A0,R0 clock=\S+$`))

		status, body = httpDo(http.MethodPost, api+"/_tokenclock/expire", `{"what":"access"}`)
		Expect(status).To(Equal(http.StatusOK), body)
		Expect(body).To(ContainSubstring(`"now"`))
		status, body = httpDo(http.MethodGet, api+"/_tokenclock/state", "")
		Expect(status).To(Equal(http.StatusOK))
		Expect(body).To(ContainSubstring(`"users":1`))

		r.stop()
		Eventually(r.done).WithTimeout(5 * time.Second).Should(BeClosed())
		Expect(r.code).To(Equal(exitOK))
		Expect(r.stdout.String()).To(HaveSuffix("tokenclock: shutting down\n"))
		_, err := (&http.Client{Timeout: time.Second}).Get(api + "/api/ideas")
		Expect(err).To(HaveOccurred(), "the listener is closed after shutdown")
	})

	It("puts the control API on its own listener with --control-addr", func() {
		r := startServe("--addr", "127.0.0.1:0", "--control-addr", "127.0.0.1:0", "--rotation=false")
		api, control := r.banner("API on"), r.banner("control API:")
		Expect(control).To(MatchRegexp(`^http://127\.0\.0\.1:\d+/_tokenclock/$`))
		Expect(control).NotTo(HavePrefix(api + "/"))

		status, body := httpDo(http.MethodGet, control+"state", "")
		Expect(status).To(Equal(http.StatusOK))
		Expect(body).To(ContainSubstring(`"rotation":false`))
		status, _ = httpDo(http.MethodGet, api+"/_tokenclock/state", "")
		Expect(status).To(Equal(http.StatusNotFound), "not exposed on the API listener")
		status, _ = httpDo(http.MethodGet, strings.TrimSuffix(control, "/_tokenclock/")+"/api/ideas", "")
		Expect(status).To(Equal(http.StatusNotFound), "the control listener serves only the control API")
	})

	It("names the API URL with the app's host name when --cors-origin is given", func() {
		r := startServe("--addr", "127.0.0.1:0", "--cors-origin", "http://localhost:5173")
		port := strings.TrimPrefix(r.banner("API on"), "http://127.0.0.1:")
		Expect(r.banner("call the API as")).To(Equal("http://localhost:" + port))
	})

	It("exits 1 when the address is taken", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		defer ln.Close()
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"serve", "--addr", ln.Addr().String()}, &stdout, &stderr)
		Expect(code).To(Equal(exitError))
		Expect(stderr.String()).To(ContainSubstring("listening on " + ln.Addr().String()))

		code = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--control-addr", ln.Addr().String()}, &stdout, &stderr)
		Expect(code).To(Equal(exitError))
		Expect(stderr.String()).To(ContainSubstring("--control-addr " + ln.Addr().String()))
	})
})
