package driver_test

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/clientunderTest/driver"
)

// base is a base URL nothing listens on: the specs of this file never reach it.
const base = "http://127.0.0.1:9/"

var _ = Describe("Serve", func() {
	It("answers hello with the driver's name and the kit's features, and refuses another protocol", func() {
		f := serve(driver.Options{Name: "spec-client", Version: "v1.2.3", MaxConcurrency: 6})
		f.send(`{"id":0,"cmd":"hello","protocol":1}`, `{"id":1,"cmd":"hello","protocol":2}`)
		Expect(f.next()).To(Equal(map[string]any{"id": 0.0, "name": "spec-client", "version": "v1.2.3",
			"features": []any{"cancel", "instances", "restart"}, "maxConcurrency": 6.0}))
		Expect(f.next()).To(Equal(map[string]any{"id": 1.0, "error": "unsupported: protocol 2"}))
	})

	It("answers the commands of a client before init with an error", func() {
		f := serve(driver.Options{})
		f.send(`{"id":1,"cmd":"request","method":"GET","path":"/fast"}`, `{"id":2,"cmd":"restart"}`)
		Expect(f.next()).To(Equal(map[string]any{"id": 1.0, "error": "not initialised: send init first"}))
		Expect(f.next()).To(Equal(map[string]any{"id": 2.0, "error": "not initialised: send init first"}))
	})

	It("starts every command as it arrives and answers each when its work is done, in any order", func() {
		f := serve(driver.Options{})
		f.init(1, base, 1)
		f.send(`{"id":2,"cmd":"request","method":"GET","path":"/slow"}`,
			`{"id":3,"cmd":"login","email":"ada@example.test","password":"pw"}`,
			`{"id":4,"cmd":"request","method":"GET","path":"/fast"}`)
		Expect(f.collect(2)).To(Equal(map[float64]map[string]any{
			3: {"id": 3.0, "status": 200.0, "body": map[string]any{"email": "ada@example.test"}},
			4: {"id": 4.0, "status": 200.0, "body": map[string]any{"path": "/fast"}},
		}), "the slow request holds up nothing")
		Consistently(f.replies, 100*time.Millisecond).ShouldNot(Receive())
		f.unblock()
		Expect(f.next()).To(Equal(map[string]any{"id": 2.0, "status": 200.0, "body": map[string]any{"path": "/slow"}}))
	})

	It("hands the adapter the call as the command states it", func() {
		f := serve(driver.Options{})
		f.init(1, base, 1)
		f.send(`{"id":2,"cmd":"request","method":"POST","path":"/echo","body":{"title":"t","n":[1,2]},"headers":{"Idempotency-Key":"k1"},"future":"ignored"}`,
			`{"id":3,"cmd":"request","method":"GET","path":"/echo","body":null}`)
		Expect(f.collect(2)).To(Equal(map[float64]map[string]any{
			2: {"id": 2.0, "status": 200.0, "body": map[string]any{"method": "POST",
				"body": map[string]any{"title": "t", "n": []any{1.0, 2.0}}, "headers": map[string]any{"Idempotency-Key": "k1"}}},
			3: {"id": 3.0, "status": 200.0, "body": map[string]any{"method": "GET", "body": nil, "headers": nil}},
		}))
	})

	It("shapes the body: JSON as it came, on one line; other text as a string; an empty body as null", func() {
		f := serve(driver.Options{})
		f.init(1, base, 1)
		f.send(`{"id":2,"cmd":"request","method":"GET","path":"/body/json"}`,
			`{"id":3,"cmd":"request","method":"GET","path":"/body/text"}`,
			`{"id":4,"cmd":"request","method":"GET","path":"/body/empty"}`,
			`{"id":5,"cmd":"request","method":"GET","path":"/body/spaces"}`)
		Expect(f.collect(4)).To(Equal(map[float64]map[string]any{
			2: {"id": 2.0, "status": 200.0, "body": map[string]any{"a": 1.0, "b": []any{true, nil}}},
			3: {"id": 3.0, "status": 200.0, "body": "plain <b>text</b>"},
			4: {"id": 4.0, "status": 200.0, "body": nil},
			5: {"id": 5.0, "status": 200.0, "body": nil},
		}))
	})

	It("answers a cancelled request \"cancelled\" once the adapter returned, and a finished target ok: false", func() {
		f := serve(driver.Options{})
		f.init(1, base, 1)
		f.send(`{"id":2,"cmd":"request","method":"GET","path":"/slow"}`, `{"id":3,"cmd":"cancel","target":2}`)
		Expect(f.collect(2)).To(Equal(map[float64]map[string]any{
			2: {"id": 2.0, "error": "cancelled"},
			3: {"id": 3.0, "ok": true},
		}))
		f.send(`{"id":4,"cmd":"cancel","target":2}`, `{"id":5,"cmd":"cancel","target":99}`, `{"id":6,"cmd":"cancel","target":"2"}`)
		Expect(f.collect(3)).To(Equal(map[float64]map[string]any{
			4: {"id": 4.0, "ok": false}, 5: {"id": 5.0, "ok": false}, 6: {"id": 6.0, "ok": false},
		}))
		Consistently(f.replies, 100*time.Millisecond).ShouldNot(Receive(), "no second reply for the target")
	})

	It("waits for an adapter that ignores the cancel, and answers with the response it delivered anyway", func() {
		f := serve(driver.Options{})
		f.init(1, base, 1)
		f.send(`{"id":2,"cmd":"request","method":"GET","path":"/stubborn"}`, `{"id":3,"cmd":"cancel","target":2}`)
		Expect(f.next()).To(Equal(map[string]any{"id": 3.0, "ok": true}))
		Consistently(f.replies, 200*time.Millisecond).ShouldNot(Receive(), "not answered before the adapter returned")
		f.unblock()
		Expect(f.next()).To(Equal(map[string]any{"id": 2.0, "status": 200.0, "body": map[string]any{"path": "/stubborn"}}))
	})

	It("aborts an instance's work on restart at once, and rebuilds it on the same profile", func() {
		f := serve(driver.Options{})
		f.init(1, base, 2)
		f.send(`{"id":2,"cmd":"request","method":"GET","path":"/stubborn","instance":1}`,
			`{"id":3,"cmd":"request","method":"GET","path":"/slow"}`,
			`{"id":4,"cmd":"restart","instance":1}`)
		Expect(f.collect(2)).To(Equal(map[float64]map[string]any{
			2: {"id": 2.0, "error": "aborted"},
			4: {"id": 4.0, "ok": true},
		}), "the aborted work is answered without waiting for its adapter")
		built := f.built()
		Expect(built).To(HaveLen(3))
		Expect(built[1].closed.Load()).To(BeTrue(), "the restarted instance is closed")
		Expect(built[0].closed.Load()).To(BeFalse(), "instance 0 is left alone")
		Expect(built[2].cfg.Instance).To(Equal(1))
		Expect(built[2].cfg.Profile).To(BeIdenticalTo(built[1].cfg.Profile), "a restart keeps the profile")
		Expect(built[2].cfg.Context.Err()).NotTo(HaveOccurred())
		Expect(built[1].cfg.Context.Err()).To(HaveOccurred())

		f.unblock()
		Expect(f.next()).To(Equal(map[string]any{"id": 3.0, "status": 200.0, "body": map[string]any{"path": "/slow"}}))
		Consistently(f.replies, 100*time.Millisecond).ShouldNot(Receive(), "the aborted request gets no second reply")
	})

	It("throws everything away on init: in-flight work is aborted, and the new instances share a new profile", func() {
		f := serve(driver.Options{})
		f.init(1, base, 1)
		f.send(`{"id":2,"cmd":"request","method":"GET","path":"/stubborn"}`)
		f.send(line(map[string]any{"id": 3, "cmd": "init", "baseURL": "http://127.0.0.1:10//", "scenario": "SPEC-2", "instances": 3}))
		Expect(f.collect(2)).To(Equal(map[float64]map[string]any{
			2: {"id": 2.0, "error": "aborted"},
			3: {"id": 3.0, "ok": true},
		}))
		built := f.built()
		Expect(built).To(HaveLen(4))
		Expect(built[0].closed.Load()).To(BeTrue())
		for i, a := range built[1:] {
			Expect(a.cfg.Instance).To(Equal(i))
			Expect(a.cfg.Instances).To(Equal(3))
			Expect(a.cfg.BaseURL).To(Equal("http://127.0.0.1:10"), "no trailing slash")
			Expect(a.cfg.Scenario).To(Equal("SPEC-2"))
			Expect(a.cfg.Profile).To(BeIdenticalTo(built[1].cfg.Profile), "the instances share one profile")
			Expect(a.cfg.HTTPClient.Jar).To(BeIdenticalTo(a.cfg.Profile.Jar))
		}
		Expect(built[1].cfg.Profile).NotTo(BeIdenticalTo(built[0].cfg.Profile), "init starts a new profile")
		f.send(`{"id":4,"cmd":"request","method":"GET","path":"/instance","instance":2}`)
		Expect(f.next()).To(Equal(map[string]any{"id": 4.0, "status": 200.0, "body": map[string]any{"instance": 2.0, "instances": 3.0}}))
	})

	It("answers a command it does not implement \"unsupported\"", func() {
		f := serve(driver.Options{})
		f.init(1, base, 1)
		f.send(`{"id":2,"cmd":"teleport"}`, `{"id":3,"cmd":"subscribe","path":"/api/events"}`,
			`{"id":4,"cmd":"clock","mode":"tick","by":"1s","byMs":1000}`,
			`{"id":5,"cmd":"request","method":"POST","path":"/echo","bodyKind":"stream","size":10,"seed":1}`,
			`{"id":6,"cmd":"request","method":"POST","path":"/echo","bodyKind":"json"}`)
		Expect(f.collect(5)).To(Equal(map[float64]map[string]any{
			2: {"id": 2.0, "error": "unsupported: teleport"},
			3: {"id": 3.0, "error": "unsupported: subscribe"},
			4: {"id": 4.0, "error": "unsupported: clock"},
			5: {"id": 5.0, "error": "unsupported: bodyKind stream"},
			6: {"id": 6.0, "status": 200.0, "body": map[string]any{"method": "POST", "body": nil, "headers": nil}},
		}))
	})

	It("answers a command with bad fields or a missing instance with an error naming it", func() {
		f := serve(driver.Options{})
		f.send(`{"id":1,"cmd":"init","scenario":"S"}`, `{"id":2,"cmd":"init","baseURL":"http://x","instances":0}`,
			`{"id":3,"cmd":"init","baseURL":"http://x","instances":1.5}`)
		replies := f.collect(3)
		Expect(replies[1]["error"]).To(Equal("bad init: baseURL must be a non-empty string"))
		Expect(replies[2]["error"]).To(Equal("bad init: instances must be an integer from 1 to 1024"))
		Expect(replies[3]["error"]).To(HavePrefix("bad init: "))

		f.init(4, base, 2)
		f.send(`{"id":5,"cmd":"request","method":"GET","path":"/fast","instance":2}`,
			`{"id":6,"cmd":"logout","instance":-1}`,
			`{"id":7,"cmd":"request","method":7,"path":"/fast"}`,
			`{"id":8,"cmd":"request","path":"/fast"}`,
			`{"id":9,"cmd":"hello"}`,
			`{"id":10,"cmd":7}`,
			`{"id":11}`)
		replies = f.collect(7)
		Expect(replies[5]["error"]).To(Equal("no instance 2 (init made 2)"))
		Expect(replies[6]["error"]).To(Equal("no instance -1 (init made 2)"))
		Expect(replies[7]["error"]).To(HavePrefix("bad request: "))
		Expect(replies[8]["error"]).To(Equal("bad request: method and path must be strings"))
		Expect(replies[9]["error"]).To(Equal("unsupported: protocol "))
		Expect(replies[10]["error"]).To(Equal("bad command: cmd must be a non-empty string"))
		Expect(replies[11]["error"]).To(Equal("bad command: cmd must be a non-empty string"))
	})

	It("logs and skips the lines it cannot answer, and goes on", func() {
		f := serve(driver.Options{})
		f.send("not json", "[1,2]", "null", `{"cmd":"hello","protocol":1}`, `{"id":"7","cmd":"hello","protocol":1}`,
			`{"id":1.5,"cmd":"hello","protocol":1}`, "", "   \r", strings.Repeat("x", driver.MaxLine+1),
			`{"id":8,"cmd":"hello","protocol":1}`+"\r", `{"id":9.0,"cmd":"hello","protocol":1}`)
		Expect(f.next()).To(HaveKeyWithValue("id", 8.0))
		Expect(f.next()).To(HaveKeyWithValue("id", 9.0), "an integral number is an integer id")
		Expect(f.logs.String()).To(And(ContainSubstring(`ignoring a line (not a JSON object`), ContainSubstring(`"not json"`),
			ContainSubstring("ignoring a line (no integer id)"), ContainSubstring("skipping a line over 4194304 bytes")))
		Expect(strings.Count(f.logs.String(), "ignoring a line")).To(Equal(6))
	})

	It("answers a panic in the adapter with an internal error and keeps serving", func() {
		f := serve(driver.Options{})
		f.init(1, base, 1)
		f.send(`{"id":2,"cmd":"request","method":"GET","path":"/panic"}`, `{"id":3,"cmd":"request","method":"GET","path":"/fast"}`)
		replies := f.collect(2)
		Expect(replies[2]).To(Equal(map[string]any{"id": 2.0, "error": "internal: the adapter panicked: the client fell over"}))
		Expect(replies[3]).To(HaveKeyWithValue("status", 200.0))
		Expect(f.logs.String()).To(ContainSubstring("the adapter panicked: the client fell over"))
	})

	It("returns at stdin EOF, throwing every instance away, and writes nothing after", func() {
		f := serve(driver.Options{})
		f.init(1, base, 2)
		f.send(`{"id":2,"cmd":"request","method":"GET","path":"/stubborn"}`)
		f.in.Close()
		var err error
		Eventually(f.served).Should(Receive(&err))
		Expect(err).NotTo(HaveOccurred())
		for _, a := range f.built() {
			Expect(a.closed.Load()).To(BeTrue())
		}
		f.unblock()
		Eventually(f.replies).Should(BeClosed(), "stdout is closed with no reply to the request in flight")
	})

	It("answers shutdown, then returns while stdin is still open", func() {
		f := serve(driver.Options{})
		f.init(1, base, 1)
		f.send(`{"id":2,"cmd":"shutdown"}`)
		Expect(f.next()).To(Equal(map[string]any{"id": 2.0, "ok": true}))
		var err error
		Eventually(f.served).Should(Receive(&err))
		Expect(err).NotTo(HaveOccurred())
		Expect(f.built()[0].closed.Load()).To(BeTrue())
	})

	It("answers a reply too long for one line with an error instead", func() {
		f := serve(driver.Options{})
		f.init(1, base, 1)
		f.send(`{"id":2,"cmd":"request","method":"GET","path":"/body/huge"}`)
		f.send(`{"id":3,"cmd":"request","method":"GET","path":"/body/long"}`)
		replies := f.collect(2)
		Expect(replies[2]["error"]).To(Equal(fmt.Sprintf("internal: the response body is %d bytes, over the protocol's line bound", driver.MaxLine+2)))
		Expect(replies[3]["error"]).To(MatchRegexp(`^internal: the reply is \d+ bytes, over the protocol's line bound$`),
			"a body within the bound whose reply is not (a string of escapes) is refused too")
	})

	It("drives the clock with set and tick when the adapter announces it", func() {
		f := serve(driver.Options{Clock: true})
		f.send(`{"id":0,"cmd":"hello","protocol":1}`)
		Expect(f.next()).To(HaveKeyWithValue("features", []any{"cancel", "instances", "restart", "clock"}))
		f.init(1, base, 2)
		built := f.built()
		clock := built[0].cfg.Clock
		Expect(built[1].cfg.Clock).To(BeIdenticalTo(clock), "one clock for every instance")
		t0 := time.Date(2026, 11, 26, 7, 12, 50, 0, time.UTC)
		Expect(clock.Now()).To(BeTemporally("~", t0, time.Second), "the clock starts at init.now")

		fired := make(chan time.Time, 1)
		clock.AfterFunc(90*time.Second, func() { fired <- clock.Now() })
		f.send(`{"id":2,"cmd":"clock","mode":"set","now":"2026-11-26T08:12:50Z"}`)
		Expect(f.next()).To(Equal(map[string]any{"id": 2.0, "ok": true}))
		Expect(clock.Now()).To(BeTemporally("~", t0.Add(time.Hour), time.Second))
		Expect(fired).NotTo(Receive(), "set runs no timer")
		f.send(`{"id":3,"cmd":"clock","mode":"tick","by":"1m30s","byMs":90000}`)
		Expect(f.next()).To(Equal(map[string]any{"id": 3.0, "ok": true}))
		Expect(fired).To(Receive(BeTemporally("~", t0.Add(time.Hour+90*time.Second), time.Second)),
			"the timer ran, at its due time, before tick was answered")

		f.send(`{"id":4,"cmd":"clock","mode":"tick","by":"10s"}`, `{"id":5,"cmd":"clock","mode":"rewind"}`,
			`{"id":6,"cmd":"clock","mode":"tick","byMs":-5}`, `{"id":7,"cmd":"clock","mode":"set","now":"yesterday"}`)
		replies := f.collect(4)
		Expect(replies[4]).To(HaveKeyWithValue("ok", true), "by alone is read too")
		Expect(replies[5]["error"]).To(Equal(`bad clock: mode must be "set" or "tick", not "rewind"`))
		Expect(replies[6]["error"]).To(HavePrefix("bad clock: a tick cannot go back"))
		Expect(replies[7]["error"]).To(HavePrefix("bad clock: now: "))
	})
})
