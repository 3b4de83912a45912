package webconsole_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/clientunderTest/browser"
	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/internal/syncbuf"
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

var _ = Describe("the web console", func() {
	It("draws requests live, highlights the refresh and the reuse, and drives the control API", func() {
		c := newConsoleServer(fakeserver.Options{})
		p := openConsole(c, 1500, 900)
		// Each row's first appearance, by the page's clock, to measure the delay from
		// a request's answer to its row (reported, not asserted).
		eval[bool](p, `(window.__seen = {}, new MutationObserver(() => {
			for (const g of document.querySelectorAll("#rows g.arrow")) window.__seen[g.dataset.seq] ??= Date.now();
		}).observe(document.getElementById("rows"), {childList: true, subtree: true}), true)`)

		s := c.login()
		bearer := "Bearer " + s.access
		for range 2 {
			Expect(c.call(http.MethodGet, fakeserver.PathMe, "", "Authorization", bearer)).To(Equal(http.StatusOK))
		}
		answered := time.Now()
		p.waitFor(`document.querySelectorAll("#rows g.arrow").length === 3`)
		Expect(p.arrows()).To(HaveKeyWithValue(3, "arrow api"))
		seen := eval[float64](p, `window.__seen[3]`)
		AddReportEntry("row latency: request answered → its row drawn", fmt.Sprintf("%.0f ms", seen-float64(answered.UnixMilli())))

		By("clicking Expire access token: the next calls carry an expired token")
		p.do(chromedp.Click(`button[data-action="expire-access"]`))
		p.waitFor(`document.getElementById("last-action").textContent.startsWith("Expire access token: server clock now")`)
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				defer GinkgoRecover()
				Expect(c.call(http.MethodGet, fakeserver.PathMe, "", "Authorization", bearer)).To(Equal(http.StatusUnauthorized))
			})
		}
		wg.Wait()
		By("a refresh, then the same refresh token again: reuse, and the family is revoked")
		cookie := refreshCookie + "=" + s.refresh
		Expect(c.call(http.MethodPost, fakeserver.PathRefresh, "", "Cookie", cookie)).To(Equal(http.StatusOK))
		Expect(c.call(http.MethodPost, fakeserver.PathRefresh, "", "Cookie", cookie)).To(Equal(http.StatusUnauthorized))
		p.waitFor(`document.querySelectorAll("#rows g.arrow").length === 8 && document.querySelector('#rows g.arrow[data-seq="8"].reuse') !== null`)
		a := p.arrows()
		Expect(a[7]).To(Equal("arrow refresh"))
		Expect(a[8]).To(ContainSubstring("reuse"))
		for seq := 4; seq <= 6; seq++ {
			Expect(a[seq]).To(Equal("arrow api"))
		}
		Expect(eval[string](p, `document.querySelector('#rows g.arrow[data-seq="8"]').textContent`)).To(ContainSubstring("⚠ reuse POST /api/auth/refresh · R0 reused"))
		p.waitFor(`document.getElementById("n-reuse").classList.contains("hot")`)
		Expect(eval[string](p, `document.getElementById("alert").textContent`)).To(ContainSubstring("reuse detected at #8: R0 was presented again"))
		Expect(eval[string](p, `document.getElementById("n-401").textContent`)).To(Equal("4"))
		p.waitFor(`document.querySelector("#families li .st-revoked") !== null`)
		p.screenshot("console.png")

		By("a hold rule from the form: the held refresh shows pending until Release")
		p.do(
			chromedp.SetValue(`#fault select[name="action"]`, "hold"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#fault select[name="action"]').dispatchEvent(new Event("change"))`),
			chromedp.Click(`#fault button[type="submit"]`),
		)
		p.waitFor(`document.querySelector("#rules li") !== null && document.querySelector("#rules li").textContent.includes("#1 hold · any /api/auth/refresh")`)
		s2 := c.login()
		held := make(chan int, 1)
		go func() {
			defer GinkgoRecover()
			held <- c.call(http.MethodPost, fakeserver.PathRefresh, "", "Cookie", refreshCookie+"="+s2.refresh)
		}()
		p.waitFor(`(document.querySelector('#rows g.arrow[data-seq="10"]')?.getAttribute("class") ?? "").includes("pending")`)
		p.waitFor(`document.querySelector("#rules li .waiting") !== null`)
		Consistently(held).WithTimeout(200 * time.Millisecond).ShouldNot(Receive())
		p.do(chromedp.Click(`#rules li button`)) // the rule's first button: Release
		Eventually(held).WithTimeout(10 * time.Second).Should(Receive(Equal(http.StatusOK)))
		p.waitFor(`!(document.querySelector('#rows g.arrow[data-seq="10"]')?.getAttribute("class") ?? "pending").includes("pending")`)
		Expect(p.arrows()[10]).To(Equal("arrow refresh fault fault-hold"))

		By("Save as report: the session as a report.html, with labels and no secrets")
		href := eval[string](p, `document.getElementById("save").href`)
		status, html := c.fetch(http.MethodGet, strings.TrimPrefix(href, c.base), "")
		Expect(status).To(Equal(http.StatusOK))
		Expect(html).To(ContainSubstring("session report"))
		Expect(html).To(ContainSubstring(`class="arrow refresh reuse"`))
		Expect(html).To(ContainSubstring("R0 reused"))
		for _, secret := range []string{s.access, s.refresh, s2.access, s2.refresh} {
			Expect(html).NotTo(ContainSubstring(secret))
		}
	})

	It("has a button for every control action, and each does what it says", func() {
		c := newConsoleServer(fakeserver.Options{})
		p := openConsole(c, 1500, 900)
		lastAction := func(prefix string) {
			GinkgoHelper()
			p.waitFor(fmt.Sprintf(`document.getElementById("last-action").textContent.startsWith(%q)`, prefix))
		}
		s := c.login()
		c.login() // a second family
		origin := c.srv.Now()

		By("one family's Revoke button revokes that family only")
		p.waitFor(`document.querySelectorAll("#families li").length === 2`)
		p.do(chromedp.Click(`#families li:last-child button`))
		lastAction("Revoke family R0: 0 access tokens, 1 refresh families revoked")
		p.waitFor(`document.querySelectorAll("#families li .st-revoked").length === 1`)
		Expect(c.call(http.MethodPost, fakeserver.PathRefresh, "", "Cookie", refreshCookie+"="+s.refresh)).To(Equal(http.StatusUnauthorized))

		p.do(chromedp.Click(`button[data-action="revoke-refresh"]`))
		lastAction("Revoke all refresh families: 0 access tokens, 1 refresh families revoked")

		p.do(chromedp.Click(`button[data-action="expire-refresh"]`))
		lastAction("Expire refresh token: server clock now")
		Expect(c.srv.Now().Sub(origin)).To(BeNumerically(">=", 7*24*time.Hour))

		before := c.srv.Now()
		p.do(chromedp.SetValue(`#advance input[name="by"]`, "90m"), chromedp.Click(`#advance button`))
		lastAction("Advance clock by 90m: server clock now")
		Expect(c.srv.Now().Sub(before)).To(BeNumerically(">=", 90*time.Minute))

		p.do(chromedp.SetValue(`#advance input[name="by"]`, "0s"), chromedp.Click(`#advance button`))
		p.waitFor(`!document.getElementById("alert").hidden && document.getElementById("alert").textContent.includes("Advance clock by 0s failed: \"by\" must be greater than 0")`)

		p.do(chromedp.Click(`button[data-action="revoke-access"]`))
		lastAction("Revoke all access tokens: 2 access tokens, 0 refresh families revoked")

		By("a status rule from the form, removed by its button")
		p.do(
			chromedp.SetValue(`#fault input[name="status"]`, "502"),
			chromedp.SetValue(`#fault select[name="method"]`, "GET"),
			chromedp.SetValue(`#fault input[name="path"]`, "/api/ideas"),
			chromedp.SetValue(`#fault input[name="after"]`, "1"),
			chromedp.Click(`#fault button[type="submit"]`),
		)
		lastAction("Add rule: rule #1 added")
		Expect(c.call(http.MethodGet, fakeserver.PathIdeas, "")).NotTo(Equal(http.StatusBadGateway), "the first match is skipped")
		Expect(c.call(http.MethodGet, fakeserver.PathIdeas, "")).To(Equal(http.StatusBadGateway))
		p.waitFor(`document.querySelector("#rules li")?.textContent.includes("#1 status 502 · GET /api/ideas · after 1 · 1× · matched 2")`)
		p.do(chromedp.Click(`#rules li button`))
		lastAction("Remove rule #1: removed rule #1")
		p.waitFor(`document.querySelectorAll("#rules li").length === 0`)

		By("a delay rule, then Release all holds and Remove all rules")
		p.do(
			chromedp.SetValue(`#fault select[name="action"]`, "delay"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#fault select[name="action"]').dispatchEvent(new Event("change"))`),
			chromedp.Click(`#fault button[type="submit"]`),
		)
		lastAction("Add rule: rule #2 added")
		Expect(c.srv.Faults()).To(HaveLen(1))
		p.do(chromedp.Click(`button[data-action="release-all"]`))
		lastAction("Release all holds: released nothing (no rule holds)")
		p.do(chromedp.Click(`button[data-action="clear-faults"]`))
		lastAction("Remove all rules: all fault rules removed")
		Expect(c.srv.Faults()).To(BeEmpty())

		By("Reset takes a second click, then the diagram and counters start over")
		p.waitFor(`document.querySelectorAll("#rows g.arrow").length >= 5`)
		p.do(chromedp.Click(`button[data-action="reset"]`))
		Expect(eval[string](p, `document.querySelector('button[data-action="reset"]').textContent`)).To(Equal("Click again to reset"))
		Expect(c.srv.State().Requests).NotTo(BeZero(), "one click resets nothing")
		p.do(chromedp.Click(`button[data-action="reset"]`))
		lastAction("Reset server: server clock now")
		p.waitFor(`document.querySelectorAll("#rows g.arrow").length === 0 && document.getElementById("n-requests").textContent === "0"`)
		Expect(c.srv.State().Users).To(BeZero())
		c.call(http.MethodGet, fakeserver.PathMe, "")
		p.waitFor(`document.querySelector('#rows g.arrow[data-seq="1"]') !== null`)
	})

	It("starts over after a reset and after a restart, even one it missed while reconnecting", func() {
		c := newConsoleServer(fakeserver.Options{})
		fillJournal(c, 200) // longer than the pane: it scrolls, following the newest row
		p := openConsole(c, 1500, 700)
		p.waitFor(`document.querySelector('#rows g.arrow[data-seq="200"]') !== null`)

		By("a taller window keeps following")
		p.do(chromedp.EmulateViewport(1500, 1000))
		Consistently(func() bool { return eval[bool](p, `document.getElementById("follow").checked`) }).
			WithTimeout(300 * time.Millisecond).Should(BeTrue())

		By("Reset: the next requests are drawn from the top")
		p.do(chromedp.Click(`button[data-action="reset"]`), chromedp.Click(`button[data-action="reset"]`))
		p.waitFor(`document.querySelectorAll("#rows g.arrow").length === 0`)
		fillMore(c, 5)
		p.waitFor(`document.querySelectorAll("#rows g.arrow").length === 5`)
		Expect(eval[bool](p, `(() => {
			const row = document.querySelector('#rows g.arrow[data-seq="1"]').getBoundingClientRect();
			const pane = document.getElementById("scroller").getBoundingClientRect();
			return row.top >= pane.top && row.bottom <= pane.bottom;
		})()`)).To(BeTrue(), "row 1 is in view, not scrolled away")

		By("a restart the page learns of only after the new journal passed the old one")
		addr := strings.TrimPrefix(c.base, "http://")
		c.srv.Close()
		c.srv = fakeserver.New(fakeserver.Options{Clock: clockwork.NewRealClock(), ExposeControl: true})
		c.srv.MountControl(webconsole.Name, webconsole.Handler(c.srv, "test"))
		Expect(c.srv.StartAt(addr)).To(Succeed())
		DeferCleanup(c.srv.Close)
		fillMore(c, 8) // before the page reconnects (it waits a second)
		p.waitFor(`document.getElementById("alert").textContent.includes("The server restarted")`)
		p.waitFor(`document.querySelectorAll("#rows g.arrow").length === 8`)
		Expect(eval[string](p, `document.getElementById("n-requests").textContent`)).To(Equal("0"), "counting starts over")
		c.call(http.MethodGet, fakeserver.PathMe, "")
		p.waitFor(`document.querySelector('#rows g.arrow[data-seq="9"]') !== null && document.getElementById("n-requests").textContent === "1"`)
	})

	It("works in a narrow window: the panels go below the diagram", func() {
		c := newConsoleServer(fakeserver.Options{})
		p := openConsole(c, 420, 900)
		s := c.login()
		Expect(c.call(http.MethodGet, fakeserver.PathMe, "", "Authorization", "Bearer "+s.access)).To(Equal(http.StatusOK))
		p.waitFor(`document.querySelectorAll("#rows g.arrow").length === 2`)
		Expect(eval[bool](p, `document.querySelector(".side").getBoundingClientRect().top >= document.querySelector(".diagram-pane").getBoundingClientRect().bottom`)).To(BeTrue())
		Expect(eval[bool](p, `document.documentElement.scrollWidth <= window.innerWidth`)).To(BeTrue(), "nothing but the diagram scrolls sideways")
		p.screenshot("console-narrow.png")
	})

	It("flashes new rows, unless the reader asked for reduced motion", func() {
		c := newConsoleServer(fakeserver.Options{})
		p := openConsole(c, 1500, 900)
		animation := func(seq int) string {
			GinkgoHelper()
			p.waitFor(fmt.Sprintf(`document.querySelector('#rows g.arrow[data-seq="%d"]') !== null`, seq))
			return eval[string](p, fmt.Sprintf(`getComputedStyle(document.querySelector('#rows g.arrow[data-seq="%d"] line')).animationName`, seq))
		}
		c.call(http.MethodGet, fakeserver.PathMe, "")
		Expect(animation(1)).To(Equal("flash"))
		p.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}})
			return err
		}))
		c.call(http.MethodGet, fakeserver.PathMe, "")
		Expect(animation(2)).To(Equal("none"))
	})
})

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

// longTask words the longest task the browser reported: it reports only tasks
// over 50 ms.
func longTask(ms float64) string {
	if ms == 0 {
		return "none over 50 ms"
	}
	return fmt.Sprintf("%.0f ms", ms)
}

var _ = Describe("the web console with a long journal", func() {
	It("draws only the rows in view of a 100 000-entry journal, at the end and in the middle", func() {
		const n = 100_000
		c := newConsoleServer(fakeserver.Options{JournalLimit: n})
		start := time.Now()
		fillJournal(c, n)
		AddReportEntry("filling the journal", fmt.Sprintf("%d entries in %v", n, time.Since(start).Round(time.Millisecond)))

		p := openConsole(c, 1500, 900)
		// Longest main-thread task the page has run so far, by the browser's own
		// measure (a page "freezes" when a task runs long).
		eval[bool](p, `(window.__longest = 0, new PerformanceObserver(l => {
			for (const e of l.getEntries()) { window.__longest = Math.max(window.__longest, e.duration); (window.__tasks ??= []).push([Math.round(e.startTime), Math.round(e.duration)]); }
		}).observe({type: "longtask", buffered: true}), true)`)
		p.waitFor(fmt.Sprintf(`document.querySelector('#rows g.arrow[data-seq="%d"]') !== null`, n))
		loaded := eval[float64](p, `performance.now()`)
		drawn := eval[int](p, `document.querySelectorAll("#rows g.arrow").length`)
		Expect(drawn).To(BeNumerically("<", 200), "a window of rows, not the journal")
		Expect(eval[bool](p, fmt.Sprintf(`Math.abs(document.getElementById("spacer").getBoundingClientRect().height - %d * view.rowPx) < 1`, n))).To(BeTrue())

		By("scrolling to the middle draws the rows there")
		mark := eval[float64](p, `(window.__t0 = performance.now(), document.getElementById("scroller").scrollTop = 50000 * view.rowPx, window.__t0)`)
		p.waitFor(`document.querySelector('#rows g.arrow[data-seq="50010"]') !== null`)
		scrolled := eval[float64](p, `performance.now()`) - mark
		Expect(eval[bool](p, `document.getElementById("follow").checked`)).To(BeFalse(), "scrolling up stops following")
		Expect(eval[int](p, `document.querySelectorAll("#rows g.arrow").length`)).To(BeNumerically("<", 200))

		By("a burst of 10 000 live requests while following: the oldest are dropped, the newest drawn")
		p.do(chromedp.Click("#follow"))
		burst := time.Now()
		fillMore(c, 10_000)
		burstDone := time.Since(burst)
		p.waitFor(fmt.Sprintf(`document.querySelector('#rows g.arrow[data-seq="%d"]') !== null`, n+10_000))
		caughtUp := time.Since(burst)
		Expect(eval[int](p, `document.querySelectorAll("#rows g.arrow").length`)).To(BeNumerically("<", 200))
		p.waitFor(fmt.Sprintf(`Math.abs(document.getElementById("spacer").getBoundingClientRect().height - %d * view.rowPx) < 1`, n))

		longest := eval[float64](p, `window.__longest`)
		GinkgoWriter.Println(eval[string](p, `JSON.stringify({tasks: window.__tasks, t0: window.__t0, now: performance.now()})`))
		AddReportEntry("100 000-entry journal in the browser", fmt.Sprintf(
			"console loaded and drawn %.0f ms after navigation (%d rows in the DOM); scroll to the middle drawn in %.0f ms; "+
				"10 000 live requests sent in %v, the last one drawn %v after the burst began; longest main-thread task %s",
			loaded, drawn, scrolled, burstDone.Round(time.Millisecond), caughtUp.Round(time.Millisecond), longTask(longest)))
	})
})

var _ = Describe("the walkthrough of docs/manual-repro.md, with the console", func() {
	It("shows the seed client's refresh storm once the access token is expired from the console", func() {
		c := newConsoleServer(fakeserver.Options{})
		_, err := c.srv.AddUser("Ada", "ada@example.test", "correct horse")
		Expect(err).NotTo(HaveOccurred())
		p := openConsole(c, 1500, 820)

		root, err := filepath.Abs("..")
		Expect(err).NotTo(HaveOccurred())
		var out syncbuf.Buffer
		script := exec.Command("sh", "docs/examples/console-storm/storm.sh", c.base)
		script.Dir = root
		script.Env = append(os.Environ(), "ROUNDS=3")
		script.Stdout, script.Stderr = &out, &out
		script.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the node grandchild goes with it
		Expect(script.Start()).To(Succeed())
		exited := make(chan struct{})
		var exitErr error
		go func() { exitErr = script.Wait(); close(exited) }()
		DeferCleanup(func() {
			_ = syscall.Kill(-script.Process.Pid, syscall.SIGKILL)
			Eventually(exited).WithTimeout(10 * time.Second).Should(BeClosed())
		})

		By("the first round: a login and five requests, all answered")
		p.waitFor(`document.querySelectorAll("#rows g.arrow").length >= 6`)
		Expect(c.srv.Journal()).To(HaveLen(6), "the next round comes 2 s later: %s", out.String())
		p.do(chromedp.Click(`button[data-action="expire-access"]`))

		By("the next round: five 401s, five refreshes, four of them reuse")
		p.waitFor(`document.querySelectorAll("#rows g.arrow.reuse").length === 4`)
		classes := p.arrows()
		refreshes := 0
		for _, cl := range classes {
			if strings.Contains(cl, "refresh") {
				refreshes++
			}
		}
		Expect(refreshes).To(Equal(5))
		p.waitFor(`document.getElementById("n-reuse").textContent === "4"`)
		firstReuse := 0
		for _, e := range c.srv.Journal() {
			if e.RefreshState == fakeserver.StateReused && firstReuse == 0 {
				firstReuse = e.Seq
			}
		}
		Expect(eval[string](p, `document.getElementById("alert").textContent`)).To(ContainSubstring(
			fmt.Sprintf("reuse detected at #%d: R0 was presented again after it was rotated (and 3 more times)", firstReuse)), "the alert names the first reuse")
		p.waitFor(`document.querySelector("#families li .st-revoked")?.textContent.startsWith("R0 → R1 (2 tokens)")`)
		p.screenshot("console-storm.png")
		Eventually(exited).WithTimeout(20 * time.Second).Should(BeClosed())
		Expect(exitErr).NotTo(HaveOccurred(), out.String())
		Expect(out.String()).NotTo(ContainSubstring("eyJ"), "the script shortens tokens")
	})
})
