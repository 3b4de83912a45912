package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"

	"github.com/tokenclock/tokenclock/internal/syncbuf"
)

// running is a `tokenclock serve` started in this process.
type running struct {
	stdout, stderr *syncbuf.Buffer
	done           chan struct{} // closed when run returned
	code           int           // run's exit code, once done is closed
	stop           context.CancelFunc
}

// startServe runs serve with args until the spec ends, and waits for its banner.
func startServe(args ...string) *running {
	GinkgoHelper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stdout: &syncbuf.Buffer{}, stderr: &syncbuf.Buffer{}, done: make(chan struct{}), stop: cancel}
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

// freeAddr is a loopback address with a port free a moment ago.
func freeAddr() string {
	GinkgoHelper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	Expect(err).NotTo(HaveOccurred())
	addr := ln.Addr().String()
	Expect(ln.Close()).To(Succeed())
	return addr
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
		Expect(r.banner("web console:")).To(Equal(api + "/_tokenclock/ui/"))
		status, page := httpDo(http.MethodGet, api+"/_tokenclock/ui/", "")
		Expect(status).To(Equal(http.StatusOK))
		Expect(page).To(ContainSubstring("<title>tokenclock console</title>"))
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
		Expect(r.banner("web console:")).To(Equal(control + "ui/"))
		status, _ = httpDo(http.MethodGet, control+"ui/", "")
		Expect(status).To(Equal(http.StatusOK), "the console lives with the control API")
		status, _ = httpDo(http.MethodGet, api+"/_tokenclock/state", "")
		Expect(status).To(Equal(http.StatusNotFound), "not exposed on the API listener")
		status, _ = httpDo(http.MethodGet, api+"/_tokenclock/ui/", "")
		Expect(status).To(Equal(http.StatusNotFound), "nor is the console")
		status, _ = httpDo(http.MethodGet, strings.TrimSuffix(control, "/_tokenclock/")+"/api/ideas", "")
		Expect(status).To(Equal(http.StatusNotFound), "the control listener serves only the control API")
	})

	It("names the API URL with the app's host name when --cors-origin is given", func() {
		r := startServe("--addr", "127.0.0.1:0", "--cors-origin", "http://localhost:5173")
		port := strings.TrimPrefix(r.banner("API on"), "http://127.0.0.1:")
		Expect(r.banner("call the API as")).To(Equal("http://localhost:" + port))
	})

	It("stops on SIGINT/SIGTERM (ctx cancelled) even while its stdout is blocked for good", func() {
		addr := freeAddr()
		out := &gatedWriter{gate: make(chan struct{})} // a full pipe nobody reads
		DeferCleanup(func() { close(out.gate) })
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stderr syncbuf.Buffer
		done := make(chan int, 1)
		go func() { done <- run(ctx, []string{"serve", "--addr", addr}, out, &stderr) }()
		api := "http://" + addr
		Eventually(func() (int, error) {
			res, err := http.Get(api + "/_tokenclock/state")
			if err != nil {
				return 0, err
			}
			res.Body.Close()
			return res.StatusCode, nil
		}).WithTimeout(5 * time.Second).Should(Equal(http.StatusOK))
		for range 1500 { // more lines than the log queues
			status, _ := httpDo(http.MethodGet, api+"/api/ideas", "")
			Expect(status).To(Equal(http.StatusOK), "the server answers while its log is stuck")
		}
		cancel()
		var code int
		Eventually(done).WithTimeout(5*time.Second).Should(Receive(&code), "stderr: %s", stderr.String())
		Expect(code).To(Equal(exitOK))
	})

	It("escapes control characters a flag or a client put in the banner and the request lines", func() {
		r := startServe("--addr", "127.0.0.1:0", "--seed-user", "\x1b]0;pwned\x07\x1b[2J:evil@example.test:pw")
		api := r.banner("API on")
		req, err := http.NewRequest(http.MethodGet, api+"/x%1b%5D8%3B%3Bjavascript:alert(1)%1b%5C%07", nil)
		Expect(err).NotTo(HaveOccurred())
		res, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		res.Body.Close()
		Eventually(r.stdout.String).Should(ContainSubstring("#1 GET"))
		out := r.stdout.String()
		safeForTerminal(out)
		Expect(out).To(ContainSubstring(`seeded user: \x1b]0;pwned\a\x1b[2J <evil@example.test>`))
		Expect(out).To(ContainSubstring(`#1 GET "/x\x1b]8;;javascript:alert(1)\x1b\\\a"`))
	})

	It("refuses cross-origin control requests and foreign Hosts (403), and still serves curl", func() {
		r := startServe("--addr", "127.0.0.1:0", "--allow-origin", "http://localhost:5173", "--allow-host", "tokenclock.internal")
		api := r.banner("API on")
		send := func(host string, headers ...string) (int, string) {
			GinkgoHelper()
			req, err := http.NewRequest(http.MethodPost, api+"/_tokenclock/faults",
				strings.NewReader(`{"path":"/api/ideas","action":"status","status":503}`))
			Expect(err).NotTo(HaveOccurred())
			if host != "" {
				req.Host = host
			}
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			res, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
			Expect(err).NotTo(HaveOccurred())
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		status, body := send("", "Origin", "http://evil.example", "Content-Type", "text/plain")
		Expect(status).To(Equal(http.StatusForbidden), body)
		Expect(body).To(ContainSubstring(`"message"`))
		status, body = send("rebind.attacker.example:8088")
		Expect(status).To(Equal(http.StatusForbidden), body)
		status, body = send("", "Content-Type", "text/plain") // curl -d without -H
		Expect(status).To(Equal(http.StatusOK), body)
		status, body = send("", "Origin", "http://localhost:5173", "Sec-Fetch-Site", "cross-site")
		Expect(status).To(Equal(http.StatusOK), body)
		status, body = send("tokenclock.internal:8088")
		Expect(status).To(Equal(http.StatusOK), body)
	})

	It("keeps no request bodies, and takes the bounds and timeouts from its flags", func() {
		c, err := parseServeFlags(nil, io.Discard)
		Expect(err).NotTo(HaveOccurred())
		o := c.options(nil)
		Expect(o.JournalBodyBytes).To(Equal(fakeserver.JournalNoBodies))
		Expect(o.ControlAllowHosts).To(Equal([]string{"127.0.0.1"}))

		c, err = parseServeFlags([]string{
			"--addr", "0.0.0.0:8088", "--control-addr", "tokenclock.internal:9",
			"--journal-limit", "7", "--journal-max-bytes", "1000000", "--max-users", "11", "--max-user-bytes", "12",
			"--max-families", "13", "--max-tokens", "14", "--max-ideas", "15", "--max-ideas-per-user", "16",
			"--max-idea-bytes", "17", "--page-size", "18", "--read-timeout", "19s", "--idle-timeout", "20s",
			"--allow-origin", "http://localhost:5173", "--allow-origin", "https://console.example",
			"--allow-host", "a.example", "--allow-host", "b.example",
		}, io.Discard)
		Expect(err).NotTo(HaveOccurred())
		o = c.options(nil)
		Expect([]int{o.JournalLimit, o.JournalMaxBytes, o.MaxUsers, o.MaxUserBytes, o.MaxFamilies, o.MaxTokens,
			o.MaxIdeas, o.MaxIdeasPerUser, o.MaxIdeaBytes, o.PageSize}).
			To(Equal([]int{7, 1000000, 11, 12, 13, 14, 15, 16, 17, 18}))
		Expect([]time.Duration{o.ReadTimeout, o.IdleTimeout}).To(Equal([]time.Duration{19 * time.Second, 20 * time.Second}))
		Expect(o.ControlAllowOrigins).To(Equal([]string{"http://localhost:5173", "https://console.example"}))
		Expect(o.ControlAllowHosts).To(Equal([]string{"a.example", "b.example", "0.0.0.0", "tokenclock.internal"}))

		for _, bad := range [][]string{
			{"--max-users", "-1"}, {"--read-timeout", "-1s"}, {"--allow-origin", "localhost:5173"},
			{"--allow-origin", "http://localhost:5173/"}, {"--allow-host", "http://x"}, {"--allow-host", ""},
		} {
			var stderr bytes.Buffer
			_, err := parseServeFlags(bad, &stderr)
			Expect(err).To(HaveOccurred(), "%v", bad)
		}
	})

	It("answers GET /api/ideas one page of at most --page-size ideas", func() {
		r := startServe("--addr", "127.0.0.1:0", "--page-size", "2", "--seed-user", "Ada:ada@example.test:pw")
		api := r.banner("API on")
		status, body := httpDo(http.MethodPost, api+"/api/auth/login", `{"email":"ada@example.test","password":"pw"}`)
		Expect(status).To(Equal(http.StatusOK), body)
		var login struct{ AccessToken string }
		Expect(json.Unmarshal([]byte(body), &login)).To(Succeed())
		for range 3 {
			req, _ := http.NewRequest(http.MethodPost, api+"/api/ideas", strings.NewReader(`{"title":"t","summary":"s","description":"d"}`))
			req.Header.Set("Authorization", "Bearer "+login.AccessToken)
			res, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			res.Body.Close()
			Expect(res.StatusCode).To(Equal(http.StatusCreated))
		}
		_, body = httpDo(http.MethodGet, api+"/api/ideas?_limit=50", "")
		var ideas []map[string]any
		Expect(json.Unmarshal([]byte(body), &ideas)).To(Succeed())
		Expect(ideas).To(HaveLen(2))
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
