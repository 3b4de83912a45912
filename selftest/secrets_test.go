package selftest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/webconsole"
)

// hostileRun runs the hostile driver with args (exit 1: it never refreshes) and
// returns every secret it saw, one per line of its HOSTILE_SECRETS file, and the texts
// a person or a CI reads: the console and the four reports.
func hostileRun(args ...string) (secrets []string, texts map[string]string) {
	GinkgoHelper()
	secretsFile := filepath.Join(GinkgoT().TempDir(), "secrets")
	driver, err := filepath.Abs("testdata/hostile-driver.mjs")
	Expect(err).NotTo(HaveOccurred())
	GinkgoT().Setenv("HOSTILE_SECRETS", secretsFile)
	r := conformance(append([]string{"--client", "hostile=node " + driver}, args...)...)
	Expect(r.Code).To(Equal(1), r.Output)

	raw, err := os.ReadFile(secretsFile)
	Expect(err).NotTo(HaveOccurred())
	texts = map[string]string{"console": r.Output}
	for _, f := range []string{"results.json", "junit.xml", "report.html", "summary.md"} {
		b, err := os.ReadFile(filepath.Join(r.Reports, f))
		Expect(err).NotTo(HaveOccurred())
		texts[f] = string(b)
	}
	return strings.Fields(string(raw)), texts
}

var _ = Describe("a driver that leaks its tokens", func() {
	It("leaks none into any report or the console: stdout, late stderr and paths are scrubbed", func() {
		// It never refreshes, and breaks the protocol once (LOOP-04).
		secrets, texts := hostileRun("--focus", "^(EXP-ACCESS-01|LOOP-04|LOOP-06|EXP-REFRESH-01|EXP-ACCESS-04)$")
		Expect(len(secrets)).To(BeNumerically(">=", 10), "the driver saw tokens in every scenario")
		Expect(texts["results.json"]).To(ContainSubstring("late debug: access=A0"), "the late stderr line was kept, scrubbed")
		Expect(texts["results.json"]).To(ContainSubstring("/api/ideas/A0"), "the path was kept, scrubbed")
		expectNoSecrets(texts, secrets)
	})

	It("leaks none under the oauth2 profile either: the client secret, the form's tokens and a grant_type holding a token are scrubbed", func() {
		secrets, texts := hostileRun("--profile", "oauth2", "--focus", "^(EXP-ACCESS-01|LOOP-06|OAUTH-01)$")
		Expect(len(secrets)).To(BeNumerically(">=", 9), "the driver saw a client secret and tokens in every scenario")
		Expect(texts["results.json"]).To(ContainSubstring("debug: client_secret=client_secret"), "the stderr line was kept, scrubbed")
		Expect(texts["results.json"]).To(ContainSubstring(`"grantType": "A0"`), "the grant_type was kept, scrubbed")
		expectNoSecrets(texts, secrets)
	})
})

var _ = Describe("a browser adapter that leaks its tokens", func() {
	It("leaks none into any report or the console: console lines, exceptions, paths and replies are scrubbed", func() {
		if os.Getenv("TOKENCLOCK_SKIP_BROWSER") == "1" {
			Skip("TOKENCLOCK_SKIP_BROWSER=1: browser mode not tested")
		}
		var mu sync.Mutex
		var secrets []string
		collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			secrets = append(secrets, strings.TrimSpace(string(b)))
			mu.Unlock()
		}))
		defer collector.Close()
		src, err := os.ReadFile("testdata/hostile-adapter.mjs")
		Expect(err).NotTo(HaveOccurred())
		adapter := filepath.Join(GinkgoT().TempDir(), "hostile-adapter.mjs")
		Expect(os.WriteFile(adapter, []byte(strings.ReplaceAll(string(src), "COLLECTOR", collector.URL)), 0o644)).To(Succeed())

		r := conformance("--client", "hostile=browser:"+adapter, "--focus", "^(EXP-ACCESS-01|EXP-ACCESS-02|EXP-REFRESH-01)$")
		Expect(r.Code).To(Equal(1), r.Output)
		mu.Lock()
		defer mu.Unlock()
		Expect(len(secrets)).To(BeNumerically(">=", 3), "the adapter saw tokens in every scenario")
		texts := map[string]string{"console": r.Output}
		for _, f := range []string{"results.json", "junit.xml", "report.html", "summary.md"} {
			b, err := os.ReadFile(filepath.Join(r.Reports, f))
			Expect(err).NotTo(HaveOccurred())
			texts[f] = string(b)
		}
		Expect(texts["results.json"]).To(ContainSubstring("leak: access=A0"), "the console line was kept, scrubbed")
		Expect(texts["results.json"]).To(ContainSubstring("uncaught: Error: boom with A"), "the exception was kept, scrubbed")
		expectNoSecrets(texts, secrets)
	})
})

// expectNoSecrets checks that no text holds a secret, raw, base64 or URL-encoded, or
// any 16-character part of one (a cut line or stderr tail leaves parts).
func expectNoSecrets(texts map[string]string, secrets []string) {
	GinkgoHelper()
	leakPattern := regexp.MustCompile(`eyJ|refreshToken=[^R]`)
	for name, text := range texts {
		Expect(leakPattern.FindString(text)).To(BeEmpty(), name)
		for _, s := range secrets {
			for _, form := range []string{s, base64.StdEncoding.EncodeToString([]byte(s)),
				base64.RawURLEncoding.EncodeToString([]byte(s)), url.QueryEscape(s)} {
				for i := 0; i+16 <= len(form); i += 4 {
					Expect(text).NotTo(ContainSubstring(form[i:i+16]), "%s holds part of a secret the client was issued", name)
				}
			}
		}
	}
}

var _ = Describe("tokenclock serve's journal stream and web console", func() {
	It("leak no secret: stream data, state, diagram rows and the saved report carry labels only", func() {
		srv := fakeserver.New(fakeserver.Options{ExposeControl: true, Clock: clockwork.NewRealClock()})
		srv.MountControl(webconsole.Name, webconsole.Handler(srv, "test"))
		Expect(srv.Start()).To(Succeed())
		defer srv.Close()
		_, err := srv.AddUser("Ann", "ann@example.com", "secret123")
		Expect(err).NotTo(HaveOccurred())
		c := &http.Client{Timeout: 10 * time.Second}
		defer c.CloseIdleConnections()
		send := func(method, path, body string, header ...string) *http.Response {
			req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Content-Type", "application/json")
			for i := 0; i+1 < len(header); i += 2 {
				req.Header.Set(header[i], header[i+1])
			}
			res, err := c.Do(req)
			Expect(err).NotTo(HaveOccurred())
			return res
		}
		read := func(res *http.Response) string {
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			Expect(err).NotTo(HaveOccurred())
			return string(b)
		}

		// Login, use the token, refresh, then present the spent refresh token again.
		var secrets []string
		login := send(http.MethodPost, fakeserver.PathLogin, `{"email":"ann@example.com","password":"secret123"}`)
		var body struct {
			AccessToken string `json:"accessToken"`
		}
		Expect(json.Unmarshal([]byte(read(login)), &body)).To(Succeed())
		secrets = append(secrets, body.AccessToken)
		for _, ck := range login.Cookies() {
			secrets = append(secrets, ck.Value)
		}
		read(send(http.MethodGet, fakeserver.PathMe, "", "Authorization", "Bearer "+body.AccessToken))
		refreshed := send(http.MethodPost, fakeserver.PathRefresh, "", "Cookie", "refreshToken="+secrets[1])
		Expect(json.Unmarshal([]byte(read(refreshed)), &body)).To(Succeed())
		secrets = append(secrets, body.AccessToken)
		for _, ck := range refreshed.Cookies() {
			secrets = append(secrets, ck.Value)
		}
		read(send(http.MethodPost, fakeserver.PathRefresh, "", "Cookie", "refreshToken="+secrets[1]))
		Expect(secrets).To(HaveLen(4))

		// The stream from its start, read until its fourth and last entry (login, me, refresh, the reuse).
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+fakeserver.ControlPrefix+"journal/stream", nil)
		res, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		var stream strings.Builder
		buf := make([]byte, 4096)
		for !strings.Contains(stream.String(), "id: 4\n") {
			n, err := res.Body.Read(buf)
			stream.Write(buf[:n])
			Expect(err).NotTo(HaveOccurred(), "the stream so far: %s", stream.String())
		}
		cancel()
		res.Body.Close()

		texts := map[string]string{
			"journal stream": stream.String(),
			"state":          read(send(http.MethodGet, fakeserver.ControlPrefix+"state", "")),
			"diagram rows":   read(send(http.MethodGet, webconsole.Path+"rows?from=1&to=4", "")),
			"saved report":   read(send(http.MethodGet, webconsole.Path+"report.html", "")),
		}
		Expect(texts["saved report"]).To(ContainSubstring("R0 reused"))
		Expect(texts["diagram rows"]).To(ContainSubstring("reuse"))
		expectNoSecrets(texts, secrets)
	})
})
