package clientundertest_test

import (
	"fmt"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// The JS kit's own protocol: what it supplies for every adapter (the clock) and how
// it answers concurrent commands, with a probe adapter (node/kit/testdata).
var _ = Describe("the JS kit", Label("node"), func() {
	probe := filepath.Join("node", "kit", "testdata", "clock-adapter.mjs")
	// body reads a reply's body as a JSON object.
	body := func(r map[string]any) map[string]any {
		GinkgoHelper()
		b, ok := r["body"].(map[string]any)
		Expect(ok).To(BeTrue(), "reply %v", r)
		return b
	}

	It("runs the adapter on the page clock: init.now starts it, set moves it running no timer, tick runs what falls due", func(ctx SpecContext) {
		srv := newNodeTestServer()
		drv := startKit(probe)
		Expect(drv.call(map[string]any{"cmd": "hello", "protocol": 1})["features"]).To(ContainElement("clock"))
		start := time.Date(2031, 5, 4, 12, 0, 0, 0, time.UTC)
		Expect(drv.call(map[string]any{"cmd": "init", "baseURL": srv.URL(), "scenario": "K", "now": start.Format(time.RFC3339)})).
			To(HaveKeyWithValue("ok", true))
		now := func() (time.Time, float64) {
			b := body(drv.call(map[string]any{"cmd": "request", "method": "GET", "path": "/now"}))
			return time.UnixMilli(int64(b["now"].(float64))).UTC(), b["fired"].(float64)
		}
		t, _ := now()
		Expect(t).To(BeTemporally("~", start, 2*time.Second), "the client's clock starts at init.now")

		drv.call(map[string]any{"cmd": "request", "method": "GET", "path": "/arm"}) // a timer 30 s ahead
		later := start.Add(time.Hour)
		Expect(drv.call(map[string]any{"cmd": "clock", "mode": "set", "now": later.Format(time.RFC3339)})).To(HaveKeyWithValue("ok", true))
		t, fired := now()
		Expect(t).To(BeTemporally("~", later, 2*time.Second))
		Expect(fired).To(BeZero(), "set moves pending timers with the clock, running none")

		Expect(drv.call(map[string]any{"cmd": "clock", "mode": "tick", "by": "29s", "byMs": 29000})).To(HaveKeyWithValue("ok", true))
		_, fired = now()
		Expect(fired).To(BeZero(), "not due yet")
		Expect(drv.call(map[string]any{"cmd": "clock", "mode": "tick", "by": "2s", "byMs": 2000})).To(HaveKeyWithValue("ok", true))
		t, fired = now()
		Expect(fired).To(Equal(1.0), "the tick ran the timer that fell due before answering")
		Expect(t).To(BeTemporally("~", later.Add(31*time.Second), 2*time.Second))

		for _, bad := range []string{`"mode":"set","now":"yesterday"`, `"mode":"tick","byMs":-1`, `"mode":"warp"`} {
			drv.send(fmt.Sprintf(`{"id":900,"cmd":"clock",%s}`, bad))
			Expect(drv.reply()).To(And(HaveKeyWithValue("id", 900.0), HaveKey("error")), bad)
		}
	}, SpecTimeout(30*time.Second))

	It("answers each command when its work ends, not in the order they came", func(ctx SpecContext) {
		srv := newNodeTestServer()
		drv := startKit(probe)
		drv.call(map[string]any{"cmd": "init", "baseURL": srv.URL(), "scenario": "K"})
		hold := srv.AddFault(fakeserver.Rule{Method: "GET", Path: "/api/ideas", Action: fakeserver.ActionHoldBefore})
		DeferCleanup(hold.Release)
		slow := drv.start(map[string]any{"cmd": "request", "method": "GET", "path": "/api/ideas"})
		Expect(hold.WaitHeld(ctx, 1)).To(Succeed())
		fast := drv.start(map[string]any{"cmd": "request", "method": "GET", "path": "/now"})
		first := drv.reply()
		Expect(first["id"]).To(Equal(float64(fast)), "the fast command is answered while the slow one is held")
		hold.Release()
		Expect(drv.await(slow)).To(HaveKeyWithValue("status", BeNumerically(">=", 200)))
	}, SpecTimeout(30*time.Second))
})
