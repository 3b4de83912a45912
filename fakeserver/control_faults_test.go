package fakeserver_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Control API: faults", func() {
	var (
		h   *controlHarness
		ada session
	)
	BeforeEach(func() {
		h = newControlHarness()
		_, err := h.srv.AddUser("Ada", "ada@example.test", "correct horse")
		Expect(err).NotTo(HaveOccurred())
		ada = h.login("ada@example.test", "correct horse")
	})

	addFault := func(body string) int {
		GinkgoHelper()
		r := h.do(http.MethodPost, "/_tokenclock/faults", body)
		Expect(r.Status).To(Equal(http.StatusOK), "body: %s", r.Body)
		return decodeReply[fakeserver.ControlFaultAdded](r).ID
	}
	lastFault := func() string {
		GinkgoHelper()
		j := h.srv.Journal()
		Expect(j).NotTo(BeEmpty())
		return j[len(j)-1].Fault
	}

	It("answers a status instead of handling, for the next `times` calls after `after`", func() {
		id := addFault(`{"method":"GET","path":"/api/auth/me","after":1,"times":1,"action":"status","status":418}`)
		Expect(addFault(`{"method":"GET","path":"/api/ideas","action":"status","status":503}`)).NotTo(Equal(id))
		Expect(h.srv.State().Faults).To(Equal(2))
		Expect(h.me(ada).Status).To(Equal(http.StatusOK))
		Expect(lastFault()).To(BeEmpty())
		r := h.me(ada)
		Expect(r.Status).To(Equal(http.StatusTeapot))
		Expect(lastFault()).To(Equal("status"))
		Expect(h.me(ada).Status).To(Equal(http.StatusOK))
	})

	It("takes any JSON spelling of a whole number: 5.03e2 is 503, 1e0 is 1", func() {
		addFault(`{"method":"GET","path":"/api/auth/me","after":1e0,"times":1.0,"action":"status","status":5.03e2}`)
		Expect(h.srv.Faults()[0].Rule()).To(Equal(fakeserver.Rule{Method: "GET", Path: "/api/auth/me", After: 1, Times: 1,
			Action: fakeserver.ActionStatus, Status: 503}))
		Expect(h.me(ada).Status).To(Equal(http.StatusOK))
		Expect(h.me(ada).Status).To(Equal(http.StatusServiceUnavailable))
		Expect(h.me(ada).Status).To(Equal(http.StatusOK))
	})

	It("acts on a rule whose after + times is exactly the largest int (no overflow into a window that never opens)", func() {
		addFault(`{"method":"GET","path":"/api/auth/me","after":1,"times":9223372036854775806,"action":"status","status":503}`)
		Expect(h.me(ada).Status).To(Equal(http.StatusOK))
		Expect(h.me(ada).Status).To(Equal(http.StatusServiceUnavailable))
		Expect(h.me(ada).Status).To(Equal(http.StatusServiceUnavailable))
	})

	It("through the Go API, a rule with huge after and times still opens its window", func() {
		h.srv.AddFault(fakeserver.Rule{Method: "GET", Path: "/api/auth/me", After: 1, Times: math.MaxInt, Action: fakeserver.ActionStatus, Status: 503})
		Expect(h.me(ada).Status).To(Equal(http.StatusOK))
		Expect(h.me(ada).Status).To(Equal(http.StatusServiceUnavailable))
		Expect(h.me(ada).Status).To(Equal(http.StatusServiceUnavailable))
	})

	It("takes the spec's example rule as a status fault (a delay there is ignored)", func() {
		addFault(`{"method": "POST", "path": "/api/auth/refresh", "times": 1, "after": 0,
			"action": "status", "status": 503, "delay": "2s"}`)
		start := time.Now()
		Expect(h.refresh(ada).Status).To(Equal(http.StatusServiceUnavailable))
		Expect(time.Since(start)).To(BeNumerically("<", 2*time.Second))
		Expect(h.refresh(ada).Status).To(Equal(http.StatusOK), "the faulted refresh rotated nothing")
	})

	It("delays on real time, then handles", func() {
		addFault(`{"path":"/api/auth/me","times":1,"action":"delay","delay":"40ms"}`)
		start := time.Now()
		Expect(h.me(ada).Status).To(Equal(http.StatusOK))
		Expect(time.Since(start)).To(BeNumerically(">=", 40*time.Millisecond))
		Expect(lastFault()).To(Equal("delay"))
	})

	It("resets the connection: nothing written", func() {
		addFault(`{"path":"/api/auth/me","times":1,"action":"reset"}`)
		req, err := http.NewRequest(http.MethodGet, h.srv.URL()+"/api/auth/me", nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Authorization", "Bearer "+ada.Access)
		// A fresh connection: Go retries an idempotent request that failed on a reused one.
		fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
		res, err := fresh.Do(req)
		if err == nil {
			res.Body.Close()
		}
		Expect(err).To(HaveOccurred())
		Expect(lastFault()).To(Equal("reset"))
		Expect(h.srv.Journal()[len(h.srv.Journal())-1].Status).To(BeZero())
		Expect(h.me(ada).Status).To(Equal(http.StatusOK))
	})

	It("takes a hold that releases itself after releaseAfter requests: two parallel refreshes go together", func() {
		addFault(`{"method":"POST","path":"/api/auth/refresh","action":"hold","releaseAfter":2}`)
		f := h.srv.Faults()[0]
		Expect(f.Rule()).To(Equal(fakeserver.Rule{Method: "POST", Path: "/api/auth/refresh",
			Action: fakeserver.ActionHoldBefore, ReleaseAfter: 2}))
		refreshAsync := func() <-chan int {
			ch := make(chan int, 1)
			go func() {
				defer GinkgoRecover()
				ch <- h.refresh(ada).Status
			}()
			return ch
		}
		first := refreshAsync()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		Expect(f.WaitHeld(ctx, 1)).To(Succeed())
		second := refreshAsync()
		Expect([]int{<-first, <-second}).To(ConsistOf(http.StatusOK, http.StatusUnauthorized))
		// Released, not let go by the hold bound (which would leave it unreleased).
		Expect([]any{f.Held(), f.Released()}).To(Equal([]any{2, true}))
		Expect(lastFault()).To(Equal("hold"))
	})

	It("takes hold-response with releaseAfter, and a hold's status as the Go API does", func() {
		addFault(`{"path":"/api/auth/me","action":"hold-response","releaseAfter":1,"status":503}`)
		addFault(`{"path":"/api/ideas","times":2,"action":"hold","releaseAfter":2.0,"status":503}`)
		Expect([]fakeserver.Rule{h.srv.Faults()[0].Rule(), h.srv.Faults()[1].Rule()}).To(Equal([]fakeserver.Rule{
			{Path: "/api/auth/me", Action: fakeserver.ActionHoldResponse, ReleaseAfter: 1},
			{Path: "/api/ideas", Times: 2, Action: fakeserver.ActionHoldBefore, Status: 503, ReleaseAfter: 2},
		}))
		Expect(h.me(ada).Status).To(Equal(http.StatusOK), "one of one: released at once")
		Expect(lastFault()).To(Equal("hold"))
	})

	It("takes a hold without releaseAfter, with holdFor, and answers the held request once POST faults/release lets it go", func() {
		// holdFor 1m: only the release can let the request go within the spec's timeouts.
		id := addFault(`{"method":"GET","path":"/api/auth/me","action":"hold","holdFor":"1m"}`)
		f := h.srv.Fault(id)
		Expect(f).NotTo(BeNil())
		Expect(f.Rule()).To(Equal(fakeserver.Rule{Method: "GET", Path: "/api/auth/me",
			Action: fakeserver.ActionHoldBefore, HoldFor: time.Minute}))
		held := h.async(http.MethodGet, "/api/auth/me", "", "Authorization", "Bearer "+ada.Access)
		waitHeld(f, 1)
		Expect(f.Waiting()).To(Equal(1))
		Expect(h.srv.State().Rules).To(Equal([]fakeserver.RuleState{{ID: id, Method: "GET", Path: "/api/auth/me",
			Action: fakeserver.ActionHoldBefore, HoldFor: "1m0s", Matched: 1, Held: 1, Waiting: 1}}))

		r := h.do(http.MethodPost, "/_tokenclock/faults/release", fmt.Sprintf(`{"id":%d}`, id))
		Expect(r.Status).To(Equal(http.StatusOK), "body: %s", r.Body)
		Expect(r.Body).To(MatchJSON(fmt.Sprintf(`{"released":[%d]}`, id)))
		var answer controlReply
		Eventually(held, "5s").Should(Receive(&answer))
		Expect(answer.Status).To(Equal(http.StatusOK))
		Expect([]any{f.Held(), f.Waiting(), f.Released(), lastFault()}).To(Equal([]any{1, 0, true, "hold"}))
		Expect(h.me(ada).Status).To(Equal(http.StatusOK), "a released rule stays installed and open")
		Expect(lastFault()).To(BeEmpty())
		Expect(h.srv.State().Faults).To(Equal(1))
	})

	It("releases every holding rule with {} or no body, and leaves the other rules alone", func() {
		status := addFault(`{"method":"GET","path":"/api/ideas","action":"status","status":503}`)
		me := addFault(`{"method":"GET","path":"/api/auth/me","action":"hold","holdFor":"1m"}`)
		refresh := addFault(`{"method":"POST","path":"/api/auth/refresh","action":"hold-response","holdFor":"1m"}`)
		held := h.async(http.MethodGet, "/api/auth/me", "", "Authorization", "Bearer "+ada.Access)
		waitHeld(h.srv.Fault(me), 1)

		r := h.do(http.MethodPost, "/_tokenclock/faults/release", "")
		Expect(r.Status).To(Equal(http.StatusOK), "body: %s", r.Body)
		Expect(r.Body).To(MatchJSON(fmt.Sprintf(`{"released":[%d,%d]}`, me, refresh)))
		var answer controlReply
		Eventually(held, "5s").Should(Receive(&answer))
		Expect(answer.Status).To(Equal(http.StatusOK))
		Expect(h.refresh(ada).Status).To(Equal(http.StatusOK), "released before it came: not held")
		Expect(h.do(http.MethodGet, "/api/ideas", "").Status).To(Equal(http.StatusServiceUnavailable), "a status rule is not released")
		Expect(h.srv.Fault(status).Released()).To(BeFalse())

		r = h.do(http.MethodPost, "/_tokenclock/faults/release", "{}")
		Expect(r.Body).To(MatchJSON(fmt.Sprintf(`{"released":[%d,%d]}`, me, refresh)), "idempotent")
		h.do(http.MethodDelete, "/_tokenclock/faults", "")
		Expect(h.do(http.MethodPost, "/_tokenclock/faults/release", "").Body).To(MatchJSON(`{"released":[]}`))
	})

	It("removes one rule: it matches nothing more, and the request it held goes on", func() {
		hold := addFault(`{"method":"GET","path":"/api/auth/me","action":"hold","holdFor":"1m"}`)
		status := addFault(`{"method":"GET","path":"/api/ideas","action":"status","status":503}`)
		f := h.srv.Fault(hold)
		held := h.async(http.MethodGet, "/api/auth/me", "", "Authorization", "Bearer "+ada.Access)
		waitHeld(f, 1)

		r := h.do(http.MethodPost, "/_tokenclock/faults/remove", fmt.Sprintf(`{"id":%d}`, hold))
		Expect(r.Status).To(Equal(http.StatusOK), "body: %s", r.Body)
		Expect(r.Body).To(MatchJSON(fmt.Sprintf(`{"removed":[%d]}`, hold)))
		var answer controlReply
		Eventually(held, "5s").Should(Receive(&answer))
		Expect(answer.Status).To(Equal(http.StatusOK))
		Expect(h.srv.Fault(hold)).To(BeNil())
		Expect([]any{f.Matched(), f.Waiting(), f.Released()}).To(Equal([]any{1, 0, true}), "the handle keeps its counters")
		Expect(h.me(ada).Status).To(Equal(http.StatusOK))
		Expect(f.Matched()).To(Equal(1), "removed: matches nothing more")
		Expect(h.srv.State().Rules).To(HaveLen(1))
		Expect(h.srv.State().Rules[0].ID).To(Equal(status))

		expectControlError(h.do(http.MethodPost, "/_tokenclock/faults/remove", fmt.Sprintf(`{"id":%d}`, hold)),
			http.StatusNotFound, fmt.Sprintf("no fault rule with id %d is installed", hold))
		expectControlError(h.do(http.MethodPost, "/_tokenclock/faults/release", fmt.Sprintf(`{"id":%d}`, hold)),
			http.StatusNotFound, fmt.Sprintf("no fault rule with id %d is installed", hold))
		Expect(addFault(`{"action":"reset"}`)).To(Equal(status+1), "ids are not reused")
	})

	DescribeTable("refuses bad release and remove bodies with 400 {message}, changing nothing",
		func(path, body, text string) {
			id := addFault(`{"method":"GET","path":"/api/ideas","action":"status","status":503}`)
			expectControlError(h.do(http.MethodPost, path, body), http.StatusBadRequest, text)
			Expect(h.srv.Fault(id)).NotTo(BeNil())
			Expect(h.srv.Fault(id).Released()).To(BeFalse())
		},
		Entry("release: a rule that holds nothing", "/_tokenclock/faults/release", `{"id":1}`,
			`rule 1 is a "status" rule: only the holding actions ("hold" or "hold-response") hold requests to release`),
		Entry("release: id null", "/_tokenclock/faults/release", `{"id":null}`, `"id" must be a rule id`),
		Entry("release: id 0", "/_tokenclock/faults/release", `{"id":0}`, `"id" must be 1 or more (rule ids count from 1), not 0`),
		Entry("release: id as text", "/_tokenclock/faults/release", `{"id":"1"}`, `field "id" must be a JSON number, not string`),
		Entry("release: fractional id", "/_tokenclock/faults/release", `{"id":1.5}`, `field "id" must be a whole number`),
		Entry("release: an array", "/_tokenclock/faults/release", `[1]`, "must be a JSON object"),
		Entry("remove: no id", "/_tokenclock/faults/remove", `{}`, `"id" is required`),
		Entry("remove: no body", "/_tokenclock/faults/remove", ``, "body is required"),
		Entry("remove: negative id", "/_tokenclock/faults/remove", `{"id":-1}`, `"id" must be 1 or more`),
		Entry("remove: malformed", "/_tokenclock/faults/remove", `{"id":`, "not valid JSON"),
	)

	It("answers 404 for a release or removal of an id never given", func() {
		expectControlError(h.do(http.MethodPost, "/_tokenclock/faults/release", `{"id":7}`), http.StatusNotFound,
			"no fault rule with id 7 is installed")
		expectControlError(h.do(http.MethodPost, "/_tokenclock/faults/remove", `{"id":7e0}`), http.StatusNotFound,
			"no fault rule with id 7 is installed")
	})

	It("holds for holdFor, past the server's hold bound, then lets the request go by itself", func() {
		h = newControlHarnessWith(fakeserver.Options{HoldBound: 20 * time.Millisecond})
		_, err := h.srv.AddUser("Ada", "ada@example.test", "correct horse")
		Expect(err).NotTo(HaveOccurred())
		ada = h.login("ada@example.test", "correct horse")
		id := addFault(`{"path":"/api/auth/me","times":1,"action":"hold-response","holdFor":"300ms"}`)
		f := h.srv.Fault(id)
		start := time.Now()
		Expect(h.me(ada).Status).To(Equal(http.StatusOK))
		// A lower bound only: a busy machine makes it longer, never shorter.
		Expect(time.Since(start)).To(BeNumerically(">=", 300*time.Millisecond))
		Expect([]any{f.Held(), f.Waiting(), f.Released(), lastFault()}).To(Equal([]any{1, 0, false, "hold"}),
			"let go by its bound, not released")
		Expect(h.srv.State().HoldBound).To(Equal("20ms"))
	})

	It("DELETE removes every rule", func() {
		addFault(`{"action":"status","status":503}`)
		Expect(h.me(ada).Status).To(Equal(http.StatusServiceUnavailable))
		r := h.do(http.MethodDelete, "/_tokenclock/faults", "")
		Expect(r.Status).To(Equal(http.StatusOK))
		Expect(r.Message()).NotTo(BeEmpty())
		Expect(h.srv.State().Faults).To(BeZero())
		Expect(h.me(ada).Status).To(Equal(http.StatusOK))
	})

	DescribeTable("refuses bad rules with 400 {message} and installs nothing",
		func(body, text string) {
			expectControlError(h.do(http.MethodPost, "/_tokenclock/faults", body), http.StatusBadRequest, text)
			Expect(h.srv.State().Faults).To(BeZero())
			Expect(h.me(ada).Status).To(Equal(http.StatusOK))
		},
		Entry("holdFor not a duration", `{"action":"hold","holdFor":"a while"}`, `"holdFor" must be a Go duration such as "90s"`),
		Entry("holdFor as a number", `{"action":"hold","holdFor":90}`, `"holdFor" must be a JSON string`),
		Entry("zero holdFor", `{"action":"hold","holdFor":"0s"}`, `"holdFor" must be more than 0 and at most 5m0s`),
		Entry("negative holdFor", `{"action":"hold-response","holdFor":"-1s"}`, `"holdFor" must be more than 0`),
		Entry("holdFor too long", `{"action":"hold","holdFor":"5m1s"}`, `"holdFor" must be more than 0 and at most 5m0s`),
		Entry("holdFor on status", `{"action":"status","status":503,"holdFor":"90s"}`, `"holdFor" is only for the holding actions ("hold" or "hold-response"), not "status"`),
		Entry("holdFor on delay", `{"action":"delay","delay":"1s","holdFor":"90s"}`, `"holdFor" is only for the holding actions`),
		Entry("holdFor on reset", `{"action":"reset","holdFor":"1s"}`, `"holdFor" is only for the holding actions`),
		Entry("holdFor malformed on another action", `{"action":"reset","holdFor":"soon"}`, `"holdFor" must be a Go duration`),
		Entry("negative releaseAfter", `{"action":"hold","releaseAfter":-1}`, `"releaseAfter" must be 0 or more`),
		Entry("negative releaseAfter on another action", `{"action":"reset","releaseAfter":-2}`, `"releaseAfter" must be 0 or more`),
		Entry("fractional releaseAfter", `{"action":"hold","releaseAfter":1.5}`, `"releaseAfter" must be a whole number`),
		Entry("releaseAfter as text", `{"action":"hold","releaseAfter":"2"}`, `"releaseAfter" must be a JSON number`),
		Entry("releaseAfter beyond any int", `{"action":"hold","releaseAfter":1e30}`, `"releaseAfter" is out of range`),
		Entry("releaseAfter more than times", `{"action":"hold","times":1,"releaseAfter":2}`, `"releaseAfter" must be at most "times" (1)`),
		Entry("releaseAfter on status", `{"action":"status","status":503,"releaseAfter":1}`, `"releaseAfter" is only for the holding actions ("hold" or "hold-response"), not "status"`),
		Entry("releaseAfter on delay", `{"action":"delay","delay":"1s","releaseAfter":2}`, `"releaseAfter" is only for the holding actions`),
		Entry("releaseAfter on reset", `{"action":"reset","releaseAfter":1}`, `"releaseAfter" is only for the holding actions`),
		Entry("no action", `{"status":503}`, `"action" is required`),
		Entry("unknown action", `{"action":"drop"}`, `"action" must be "status", "delay", "hold", "hold-response", "reset", "commit-401" or "cors-no-credentials"`),
		Entry("status without status", `{"action":"status"}`, `needs "status"`),
		Entry("status too low", `{"action":"status","status":99}`, "between 200 and 599"),
		Entry("informational status", `{"action":"status","status":101}`, "between 200 and 599"),
		Entry("status too high", `{"action":"status","status":600}`, "between 200 and 599"),
		Entry("status as text", `{"action":"status","status":"503"}`, `"status" must be a JSON number`),
		Entry("fractional status", `{"action":"status","status":503.5}`, `"status" must be a whole number, not "503.5"`),
		Entry("status 1e3: a whole number, out of the status range", `{"action":"status","status":1e3}`, `"status" must be between 200 and 599, not 1000`),
		Entry("status beyond any int", `{"action":"status","status":1e400}`, `"status" is out of range`),
		Entry("status as a boolean", `{"action":"status","status":true}`, `"status" must be a JSON number, not boolean`),
		Entry("after + times past the largest int", `{"action":"reset","after":9223372036854775807,"times":1}`, `"after" + "times" must be at most 9223372036854775807`),
		Entry("after + times past it, in exponent form", `{"action":"reset","after":5e18,"times":5e18}`, `"after" + "times" must be at most`),
		Entry("fractional after", `{"action":"reset","after":0.5}`, `"after" must be a whole number`),
		Entry("delay without delay", `{"action":"delay"}`, `needs "delay"`),
		Entry("delay not a duration", `{"action":"delay","delay":"soon"}`, "Go duration"),
		Entry("delay as a number", `{"action":"delay","delay":2}`, `"delay" must be a JSON string`),
		Entry("zero delay", `{"action":"delay","delay":"0s"}`, "more than 0"),
		Entry("negative delay", `{"action":"delay","delay":"-1s"}`, "more than 0"),
		Entry("delay too long", `{"action":"delay","delay":"1h"}`, "at most 5m0s"),
		Entry("negative after", `{"action":"reset","after":-1}`, `"after" and "times" must be 0 or more`),
		Entry("negative times", `{"action":"reset","times":-1}`, `"after" and "times" must be 0 or more`),
		Entry("times as text", `{"action":"reset","times":"1"}`, `"times" must be a JSON number`),
		Entry("relative path", `{"action":"reset","path":"api/auth/me"}`, `"path" must start with "/"`),
		Entry("bad method", `{"action":"reset","method":"GET /x"}`, `"method" must be an HTTP method`),
		Entry("no body", ``, "body is required"),
		Entry("an array", `[{"action":"reset"}]`, "must be a JSON object"),
	)
})
