package clientundertest_test

import (
	"fmt"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// sseDriver is a raw driver initialised against srv and logged in, for the SSE specs.
func sseDriver(dir string, srv *fakeserver.Server, instances int) *rawDriver {
	GinkgoHelper()
	drv := startRawDriver(dir)
	Expect(drv.call(map[string]any{"cmd": "init", "baseURL": srv.URL(), "scenario": "NODE-SSE", "instances": instances})).
		To(Equal(map[string]any{"ok": true}))
	Expect(drv.call(map[string]any{"cmd": "login", "email": nodeUser, "password": nodePassword})).
		To(HaveKeyWithValue("status", 200.0))
	return drv
}

// eventData is what a stream carries for the events published as ids: {"n":<id>}.
func eventData(ids ...int) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = fmt.Sprintf(`{"n":%d}`, id)
	}
	return out
}

// eventStreams is the journal's connects to the events path, in order.
func eventStreams(srv *fakeserver.Server) fakeserver.Journal {
	return srv.Journal().To("GET", fakeserver.PathEvents)
}

// openStreams counts the event streams still open.
func openStreams(j fakeserver.Journal) int {
	return len(j.Streams().Where(func(e fakeserver.Entry) bool { return e.Pending }))
}

var _ = Describe("the Node drivers' event streams (feature sse)", Label("node"), func() {
	events := func(drv *rawDriver, target int) map[string]any {
		GinkgoHelper()
		return drv.call(map[string]any{"cmd": "events", "target": target})
	}

	// subscribedWithOneEvent starts driver name beside a fresh server, subscribes to
	// the event stream and waits until the stream received one published event; it
	// returns the server, the raw driver, the subscribe's id and that event's id.
	subscribedWithOneEvent := func(name string) (*fakeserver.Server, *rawDriver, int, int) {
		GinkgoHelper()
		srv := newNodeTestServer()
		drv := sseDriver(name, srv, 1)
		sub := drv.start(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents})
		Expect(drv.await(sub)).To(Equal(map[string]any{"ok": true}))
		e1 := srv.PublishEvent()
		Eventually(func() any { return events(drv, sub)["events"] }).WithTimeout(5 * time.Second).Should(Equal(eventData(e1)))
		return srv, drv, sub, e1
	}

	for _, d := range nodeDrivers {
		It(d.name+" subscribes, reports the published events in order, and unsubscribes for good", func(ctx SpecContext) {
			srv := newNodeTestServer()
			drv := sseDriver(d.dir, srv, 1)
			sub := drv.start(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents})
			Expect(drv.await(sub)).To(Equal(map[string]any{"ok": true}))
			Expect(eventStreams(srv)).To(ConsistOf(SatisfyAll(HaveField("AccessToken", "A0"), HaveField("Status", 200),
				HaveField("Stream", true), HaveField("Pending", true), HaveField("LastEventID", ""))))

			ids := []int{srv.PublishEvent(), srv.PublishEvent(), srv.PublishEvent()}
			Eventually(func() any { return events(drv, sub)["events"] }).WithTimeout(5 * time.Second).
				Should(Equal(eventData(ids...)))
			Expect(events(drv, sub)).To(SatisfyAll(HaveKeyWithValue("open", true), HaveKeyWithValue("ended", false),
				Not(HaveKey("streamError"))))

			Expect(drv.call(map[string]any{"cmd": "unsubscribe", "target": sub})).To(Equal(map[string]any{"ok": true}))
			Expect(srv.WaitJournal(ctx, func(j fakeserver.Journal) bool { return openStreams(j) == 0 })).To(BeTrue())
			srv.PublishEvent()
			Consistently(func() int { return len(eventStreams(srv)) }, 700*time.Millisecond, 50*time.Millisecond).
				Should(Equal(1), "no reconnect after unsubscribe")
			Expect(events(drv, sub)).To(Equal(map[string]any{"events": eventData(ids...), "open": false, "ended": true}),
				"closed for good, by the caller: no streamError")

			Expect(drv.call(map[string]any{"cmd": "events", "target": 999999})).To(HaveKeyWithValue("error", "no subscription 999999"))
			Expect(drv.call(map[string]any{"cmd": "unsubscribe", "target": 999999})).To(Equal(map[string]any{"ok": false}))
			Expect(drv.call(map[string]any{"cmd": "subscribe"})).To(HaveKeyWithValue("error", ContainSubstring("path")))
		}, SpecTimeout(40*time.Second))

		It(d.name+" gives each instance its own stream, and a restart ends that instance's streams only", func(ctx SpecContext) {
			srv := newNodeTestServer()
			drv := sseDriver(d.dir, srv, 2)
			sub0 := drv.start(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents})
			Expect(drv.await(sub0)).To(Equal(map[string]any{"ok": true}))
			// Instance 1 has no token yet: what its first connect does is the client's own
			// (singleflight refreshes from the shared cookie; the seed captured no token).
			sub1 := drv.start(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents, "instance": 1})
			first1 := drv.await(sub1)
			if d.dir == "axios-singleflight" {
				Expect(first1).To(Equal(map[string]any{"ok": true}))
				Expect(srv.WaitJournal(ctx, func(j fakeserver.Journal) bool { return openStreams(j) == 2 })).To(BeTrue())
				Expect(onInstance(eventStreams(srv).Where(func(e fakeserver.Entry) bool { return e.Stream }), 1)).
					To(ConsistOf(HaveField("AccessToken", "A1")))
			} else {
				Expect(first1).To(HaveKeyWithValue("status", 401.0), "never connects: every connect sends the captured (absent) token")
			}

			Expect(drv.call(map[string]any{"cmd": "restart"})).To(Equal(map[string]any{"ok": true}))
			Expect(events(drv, sub0)).To(SatisfyAll(HaveKeyWithValue("open", false), HaveKeyWithValue("ended", true),
				HaveKeyWithValue("streamError", "aborted")))
			Expect(srv.WaitJournal(ctx, func(j fakeserver.Journal) bool {
				return len(onInstance(j.Streams().Where(func(e fakeserver.Entry) bool { return e.Pending }), 0)) == 0
			})).To(BeTrue(), "instance 0's stream is closed by its reload")
			if d.dir == "axios-singleflight" {
				id := srv.PublishEvent()
				Eventually(func() any { return events(drv, sub1)["events"] }).WithTimeout(5 * time.Second).Should(Equal(eventData(id)))
				Expect(events(drv, sub1)).To(SatisfyAll(HaveKeyWithValue("open", true), HaveKeyWithValue("ended", false)))
			}
			// init ends and forgets every subscription.
			Expect(drv.call(map[string]any{"cmd": "init", "baseURL": srv.URL()})).To(Equal(map[string]any{"ok": true}))
			Expect(srv.WaitJournal(ctx, func(j fakeserver.Journal) bool { return openStreams(j) == 0 })).To(BeTrue())
			Expect(events(drv, sub1)).To(HaveKey("error"))
		}, SpecTimeout(40*time.Second))
	}

	It("axios-singleflight reconnects a dropped stream with the refreshed token and Last-Event-ID, losing no event", func(ctx SpecContext) {
		srv, drv, sub, e1 := subscribedWithOneEvent("axios-singleflight")

		// The app refreshes (an ordinary call meets the expired token).
		srv.ExpireAccess()
		Expect(drv.call(map[string]any{"cmd": "request", "method": "GET", "path": fakeserver.PathMe})).To(HaveKeyWithValue("status", 200.0))
		Expect(srv.Journal().Refreshes()).To(HaveLen(1))

		Expect(srv.DropStreams()).To(Equal(1))
		e2 := srv.PublishEvent() // published while the client is away, or just back
		Expect(srv.WaitJournal(ctx, func(j fakeserver.Journal) bool { return openStreams(j) == 1 })).To(BeTrue())
		e3 := srv.PublishEvent()
		Eventually(func() any { return events(drv, sub)["events"] }).WithTimeout(5 * time.Second).Should(Equal(eventData(e1, e2, e3)))

		Expect(eventStreams(srv)).To(HaveExactElements(
			SatisfyAll(HaveField("AccessToken", "A0"), HaveField("Status", 200), HaveField("StreamEvents", BeNumerically(">=", 1))),
			SatisfyAll(HaveField("AccessToken", "A1"), HaveField("AccessState", fakeserver.StateValid), HaveField("Status", 200),
				HaveField("LastEventID", strconv.Itoa(e1))),
		))
		Expect(srv.Journal().Refreshes()).To(HaveLen(1), "the current token was valid: no refresh for the reconnect")
	}, SpecTimeout(40*time.Second))

	It("axios-singleflight: a reconnect answered 401 refreshes once and reconnects with the new token; a first connect too", func(ctx SpecContext) {
		srv := newNodeTestServer()
		drv := sseDriver("axios-singleflight", srv, 1)
		// The first connect meets an expired token: one refresh fixes it, so subscribe is ok.
		srv.ExpireAccess()
		sub := drv.start(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents})
		Expect(drv.await(sub)).To(Equal(map[string]any{"ok": true}))
		Expect(eventStreams(srv)).To(HaveExactElements(
			SatisfyAll(HaveField("AccessToken", "A0"), HaveField("Status", 401)),
			SatisfyAll(HaveField("AccessToken", "A1"), HaveField("Status", 200), HaveField("Stream", true)),
		))
		e1 := srv.PublishEvent()
		Eventually(func() any { return events(drv, sub)["events"] }).WithTimeout(5 * time.Second).Should(Equal(eventData(e1)))

		// The token expires while the stream is open; then the server drops it.
		srv.ExpireAccess()
		srv.DropStreams()
		Expect(srv.WaitJournal(ctx, func(j fakeserver.Journal) bool { return openStreams(j) == 1 })).To(BeTrue())
		e2 := srv.PublishEvent()
		Eventually(func() any { return events(drv, sub)["events"] }).WithTimeout(5 * time.Second).Should(Equal(eventData(e1, e2)))
		Expect(eventStreams(srv)[2:]).To(HaveExactElements(
			SatisfyAll(HaveField("AccessToken", "A1"), HaveField("AccessState", fakeserver.StateExpired), HaveField("Status", 401),
				HaveField("LastEventID", strconv.Itoa(e1))),
			SatisfyAll(HaveField("AccessToken", "A2"), HaveField("Status", 200), HaveField("LastEventID", strconv.Itoa(e1))),
		))
		Expect(srv.Journal().Refreshes()).To(HaveLen(2))
	}, SpecTimeout(40*time.Second))

	It("axios-singleflight: a refused refresh ends the stream, with no more reconnects", func(ctx SpecContext) {
		srv := newNodeTestServer()
		drv := sseDriver("axios-singleflight", srv, 1)
		sub := drv.start(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents})
		Expect(drv.await(sub)).To(Equal(map[string]any{"ok": true}))
		srv.ExpireRefresh() // access and refresh tokens both expire
		srv.DropStreams()
		Eventually(func() map[string]any { return events(drv, sub) }).WithTimeout(5 * time.Second).Should(SatisfyAll(
			HaveKeyWithValue("open", false), HaveKeyWithValue("ended", true),
			HaveKeyWithValue("streamError", ContainSubstring("HTTP 401 from POST /api/auth/refresh"))))
		Expect(srv.Journal().Refreshes()).To(ConsistOf(HaveField("Status", 401)))
		n := len(eventStreams(srv))
		Consistently(func() int { return len(eventStreams(srv)) }, 1500*time.Millisecond, 100*time.Millisecond).Should(Equal(n))
		Expect(n).To(Equal(2), "the first stream, and one reconnect answered 401")
	}, SpecTimeout(40*time.Second))

	It("axios-seed reconnects with the token it captured at subscribe, never the refreshed one, at most 3 times a second, and gives up", func(ctx SpecContext) {
		srv, drv, sub, e1 := subscribedWithOneEvent("axios-seed")
		_ = e1

		// The app refreshes (the interceptor stores A1), then the server drops the stream.
		srv.ExpireAccess()
		Expect(drv.call(map[string]any{"cmd": "request", "method": "GET", "path": fakeserver.PathMe})).To(HaveKeyWithValue("status", 200.0))
		srv.DropStreams()

		Eventually(func() map[string]any { return events(drv, sub) }).WithTimeout(15 * time.Second).Should(SatisfyAll(
			HaveKeyWithValue("open", false), HaveKeyWithValue("ended", true), HaveKeyWithValue("streamError", ContainSubstring("HTTP 401"))))
		reconnects := eventStreams(srv)[1:]
		Expect(reconnects).To(HaveLen(5), "gives up after 5 failed connects")
		Expect(reconnects).To(HaveEach(SatisfyAll(HaveField("AccessToken", "A0"), HaveField("AccessState", fakeserver.StateExpired),
			HaveField("Status", 401), HaveField("LastEventID", strconv.Itoa(e1)))), "every reconnect sends the captured A0")
		// The client paces its connects 1000 ms apart by its own clock; they reach the
		// server later by a varying delay (a new connection, a busy machine), so the
		// server sees some gaps shorter. The backoff alone (100, 200, 400 ms) would
		// give 700 ms: 850 still tells the pacing from its absence.
		for i := 3; i < len(reconnects); i++ {
			Expect(reconnects[i].RealOffsetMs-reconnects[i-3].RealOffsetMs).To(BeNumerically(">=", 850),
				"at most 3 connects in any second: connects %d and %d", i-3, i)
		}
		Expect(len(srv.Journal().Refreshes())).To(BeNumerically(">", 1), "the app refreshed; the stream kept its header")
		Consistently(func() int { return len(eventStreams(srv)) }, time.Second, 100*time.Millisecond).Should(Equal(6))
	}, SpecTimeout(40*time.Second))

	for _, d := range nodeDrivers {
		It(d.name+" speaks subscribe, events and unsubscribe with the Process adapter (Streamer)", func(ctx SpecContext) {
			proc, srv := startNodeDriver(ctx, d.dir, d.name)
			Expect(proc.Hello().Has(cut.FeatureSSE)).To(BeTrue())
			Expect(proc.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "NODE-SSE-PROCESS", Instances: 2})).To(Succeed())
			Expect(proc.Login(ctx, nodeUser, nodePassword)).To(HaveField("Status", 200))
			var streamer cut.Streamer = proc
			handle, r, err := streamer.Subscribe(ctx, fakeserver.PathEvents, 0)
			Expect(err).NotTo(HaveOccurred())
			Expect(r).To(BeZero(), "connected")
			id := srv.PublishEvent()
			Eventually(func() []string {
				ev, err := streamer.Events(ctx, handle)
				Expect(err).NotTo(HaveOccurred())
				return ev.Events
			}).WithTimeout(5 * time.Second).Should(Equal([]string{fmt.Sprintf(`{"n":%d}`, id)}))
			Expect(streamer.Events(ctx, handle)).To(Equal(cut.StreamEvents{Events: []string{fmt.Sprintf(`{"n":%d}`, id)}, Open: true}))
			Expect(streamer.Unsubscribe(ctx, handle)).To(Succeed())
			Expect(streamer.Events(ctx, handle)).To(HaveField("Open", false))

			// A subscribe through instance 1, which holds no token yet.
			_, r, err = streamer.Subscribe(ctx, fakeserver.PathEvents, 1)
			Expect(err).NotTo(HaveOccurred())
			if d.dir == "axios-singleflight" {
				Expect(r).To(BeZero(), "refreshed from the shared cookie, then connected")
			} else {
				Expect(r.Status).To(Equal(401), "the captured (absent) token never connects")
			}
			Expect(onInstance(eventStreams(srv), 1)).NotTo(BeEmpty(), "instance 1's connects carry its instance header")
		}, SpecTimeout(40*time.Second))
	}

	It("axios-seed answers a subscribe that never connects with the last refusal", func(ctx SpecContext) {
		srv := newNodeTestServer()
		drv := sseDriver("axios-seed", srv, 1)
		srv.ExpireAccess()
		r := drv.call(map[string]any{"cmd": "subscribe", "path": fakeserver.PathEvents})
		Expect(r).To(SatisfyAll(HaveKeyWithValue("status", 401.0), HaveKeyWithValue("body", HaveKey("message"))))
		Expect(eventStreams(srv)).To(HaveLen(5))
		Expect(eventStreams(srv)).To(HaveEach(HaveField("AccessToken", "A0")))
	}, SpecTimeout(40*time.Second))
})
