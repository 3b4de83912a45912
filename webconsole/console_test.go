package webconsole_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/webconsole"
)

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

	It("names a reuse incident by its first reuse, even when a later one is answered first", func() {
		c := newConsoleServer(fakeserver.Options{HoldBound: time.Minute})
		p := openConsole(c, 1500, 900)
		s := c.login()
		cookie := refreshCookie + "=" + s.refresh
		Expect(c.call(http.MethodPost, fakeserver.PathRefresh, "", "Cookie", cookie)).To(Equal(http.StatusOK)) // #2 rotates R0

		By("R0 again at #3, its answer held; R0 once more at #4, answered at once")
		hold := c.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: fakeserver.PathRefresh, Times: 1, Action: fakeserver.ActionHoldResponse})
		held := make(chan int, 1)
		go func() {
			defer GinkgoRecover()
			held <- c.call(http.MethodPost, fakeserver.PathRefresh, "", "Cookie", cookie)
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		Expect(hold.WaitHeld(ctx, 1)).To(Succeed())
		Expect(c.call(http.MethodPost, fakeserver.PathRefresh, "", "Cookie", cookie)).To(Equal(http.StatusUnauthorized))
		p.waitFor(`document.getElementById("n-reuse").textContent === "1"`)
		Expect(eval[string](p, `document.getElementById("alert").textContent`)).To(ContainSubstring("reuse detected at #4: R0 was presented again after it was rotated, "))

		By("#3 answered: the incident began at #3")
		hold.Release()
		Eventually(held).WithTimeout(10 * time.Second).Should(Receive(Equal(http.StatusUnauthorized)))
		p.waitFor(`document.getElementById("n-reuse").textContent === "2"`)
		Expect(eval[string](p, `document.getElementById("alert").textContent`)).To(ContainSubstring("reuse detected at #3: R0 was presented again after it was rotated (and 1 more times)"))
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
		fillMore(c, 8) // before it listens: the page reconnects to a journal already past the old one
		Expect(c.srv.StartAt(addr)).To(Succeed())
		DeferCleanup(c.srv.Close)
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
