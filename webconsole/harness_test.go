package webconsole_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/clientunderTest/browser"
	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/webconsole"
)

// consoleServer is a fake server set up as tokenclock serve sets it up: a real
// clock, the control API on the listener, the console mounted.
type consoleServer struct {
	srv  *fakeserver.Server
	base string
	http *http.Client
}

func newConsoleServer(opts fakeserver.Options) *consoleServer {
	GinkgoHelper()
	opts.Clock = clockwork.NewRealClock()
	opts.ExposeControl = true
	opts.JournalBodyBytes = fakeserver.JournalNoBodies
	srv := fakeserver.New(opts)
	srv.MountControl(webconsole.Name, webconsole.Handler(srv, "test"))
	Expect(srv.Start()).To(Succeed())
	DeferCleanup(srv.Close)
	_, err := srv.AddUser("Ann", "ann@example.com", "secret123")
	Expect(err).NotTo(HaveOccurred())
	c := &consoleServer{srv: srv, base: srv.URL(), http: &http.Client{Timeout: 10 * time.Second}}
	DeferCleanup(c.http.CloseIdleConnections)
	return c
}

// call sends one API request the way an app would and returns its status.
func (c *consoleServer) call(method, path, body string, headers ...string) int {
	GinkgoHelper()
	status, _ := c.fetch(method, path, body, headers...)
	return status
}

// fetch sends one request and returns its status and body.
func (c *consoleServer) fetch(method, path, body string, headers ...string) (int, string) {
	GinkgoHelper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.http.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	Expect(err).NotTo(HaveOccurred())
	return res.StatusCode, string(b)
}

// refreshCookie is the name of the refresh token's cookie (fake-server-api.md).
const refreshCookie = "refreshToken"

// session is a logged-in user's two secrets.
type session struct{ access, refresh string }

func (c *consoleServer) login() session {
	GinkgoHelper()
	req, _ := http.NewRequest(http.MethodPost, c.base+fakeserver.PathLogin, strings.NewReader(`{"email":"ann@example.com","password":"secret123"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := c.http.Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer res.Body.Close()
	Expect(res.StatusCode).To(Equal(http.StatusOK))
	var body struct {
		AccessToken string `json:"accessToken"`
	}
	Expect(json.NewDecoder(res.Body).Decode(&body)).To(Succeed())
	s := session{access: body.AccessToken}
	for _, ck := range res.Cookies() {
		if ck.Name == refreshCookie {
			s.refresh = ck.Value
		}
	}
	Expect(s.refresh).NotTo(BeEmpty())
	return s
}

// page is the console open in a tab of its own Chromium.
type page struct {
	ctx context.Context
}

// openConsole opens the console at a window size and waits until its journal
// stream is live.
func openConsole(c *consoleServer, width, height int64) *page {
	GinkgoHelper()
	needBrowser()
	exe, err := browser.FindChromium("")
	Expect(err).NotTo(HaveOccurred())
	chrome, err := browser.NewChromium(exe)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(chrome.Close)
	tab, closeTab := chromedp.NewContext(chrome.Ctx)
	DeferCleanup(closeTab)
	// The first run starts the browser and the tab, and must not carry a timeout:
	// its end would stop them (chromedp.Run).
	Expect(chromedp.Do(tab)).To(Succeed())
	p := &page{ctx: tab}
	p.do(chromedp.EmulateViewport(width, height), chromedp.Navigate(c.base+webconsole.Path))
	p.waitFor(`document.querySelector("#conn.live") !== null`)
	return p
}

// do runs browser actions, bounded so a stuck page fails the spec instead of
// hanging it.
func (p *page) do(actions ...chromedp.Action[chromedp.Void]) {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	Expect(chromedp.Do(ctx, actions...)).To(Succeed())
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](p *page, js string) T {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	Expect(err).NotTo(HaveOccurred(), "evaluating %s", js)
	return v
}

// waitFor waits until the expression is true in the page (at most 10 s).
func (p *page) waitFor(js string) {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(10*time.Second)))
	Expect(err).NotTo(HaveOccurred(), "waiting for %s; the page shows: %s", js, p.shows())
}

// shows is what a reader of a failure needs from the page: the connection badge,
// the alert, the last action and the rows drawn.
func (p *page) shows() string {
	ctx, cancel := context.WithTimeout(p.ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		conn: document.getElementById("conn").textContent,
		alert: document.getElementById("alert").hidden ? "" : document.getElementById("alert").textContent,
		lastAction: document.getElementById("last-action").textContent,
		rows: [...document.querySelectorAll("#rows g.arrow")].map(g => g.dataset.seq + " " + g.getAttribute("class")),
	})`))
	if err != nil {
		return "(the page cannot be read: " + err.Error() + ")"
	}
	return v
}

// arrows is each drawn row's seq → classes.
func (p *page) arrows() map[int]string {
	GinkgoHelper()
	return eval[map[int]string](p, `Object.fromEntries([...document.querySelectorAll("#rows g.arrow")].map(g => [g.dataset.seq, g.getAttribute("class")]))`)
}

// screenshot writes the page to docs/img/name when -update-screenshots is given.
func (p *page) screenshot(name string) {
	GinkgoHelper()
	if !*updateScreenshots {
		return
	}
	eval[bool](p, `(document.getAnimations().forEach(a => a.finish()), true)`) // the page at rest
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(filepath.Join("..", "docs", "img", name), png, 0o644)).To(Succeed())
}

// fillJournal sends n requests through the server's handler in process (no
// sockets: 100 000 of them take seconds, not minutes), each a GET the API answers
// 401, with every 50th a refresh, so the journal has both lanes.
func fillJournal(c *consoleServer, n int) {
	GinkgoHelper()
	h := c.srv.Handler()
	for i := range n {
		path := fakeserver.PathMe
		method := http.MethodGet
		if i%50 == 49 {
			method, path = http.MethodPost, fakeserver.PathRefresh
		}
		req := httptest.NewRequest(method, path, nil)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	Expect(c.srv.State().Requests).To(Equal(n))
}

// fillMore is fillJournal past the journal's limit: the oldest entries drop.
func fillMore(c *consoleServer, n int) {
	GinkgoHelper()
	h := c.srv.Handler()
	for range n {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, fakeserver.PathMe, nil))
	}
}
