package webconsole_test

import (
	"fmt"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

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
