package fakeserver

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// This file is inside the package (the registry is unexported); ginkgo is not
// dot-imported because its Entry would clash with the journal's Entry.

// teapotKind is a fault kind only this spec knows: it waits (without waiting) and
// answers the status the control API body gave it, default 418.
var teapotKind = faultKind{
	action:  "teapot",
	journal: "teapot",
	before: func(*Fault, context.Context, <-chan struct{}) (acted, ok bool) {
		return true, true
	},
	answers: func(*Fault, *request) answer { return answerStatus },
	control: func(c controlFields, r *Rule) error {
		r.Status = cmp.Or(c.status, http.StatusTeapot)
		return nil
	},
}

var _ = ginkgo.Describe("Fault kinds, declared once", func() {
	ginkgo.It("registers every Action constant exactly once", func() {
		var names []Action
		for _, k := range faultKinds {
			names = append(names, k.action)
		}
		Expect(names).To(ConsistOf(ActionStatus, ActionDelay, ActionHoldBefore, ActionHoldResponse, ActionReset, ActionCommitThen401, ActionCORSNoCredentials))
		for _, a := range names {
			Expect(kindOf(a).action).To(Equal(a))
		}
		Expect(kindOf("drop")).To(BeIdenticalTo(&noKind))
		Expect(controlActions()).To(Equal(`"status", "delay", "hold", "hold-response", "reset", "commit-401" or "cors-no-credentials"`))
		Expect(holdActions()).To(Equal(`"hold" or "hold-response"`))
	})

	ginkgo.It("takes a kind added with one registry line through the control API and the pipeline", func() {
		saved := faultKinds
		faultKinds = append(slices.Clone(faultKinds), &teapotKind)
		ginkgo.DeferCleanup(func() { faultKinds = saved })

		srv := New(Options{})
		ginkgo.DeferCleanup(srv.Close)
		do := func(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(method, "http://127.0.0.1"+path, strings.NewReader(body)))
			return rec
		}
		rec := do(srv.ControlHandler(), http.MethodPost, ControlPrefix+"faults", `{"action":"nope"}`)
		Expect(rec.Code).To(Equal(http.StatusBadRequest))
		Expect(rec.Body.String()).To(ContainSubstring(`\"status\", \"delay\", \"hold\", \"hold-response\", \"reset\", \"commit-401\", \"cors-no-credentials\" or \"teapot\"`))

		rec = do(srv.ControlHandler(), http.MethodPost, ControlPrefix+"faults", `{"path":"/api/ideas","times":1,"action":"teapot"}`)
		Expect(rec.Code).To(Equal(http.StatusOK), rec.Body.String())
		Expect(srv.Faults()).To(HaveLen(1))
		Expect(srv.Faults()[0].Rule()).To(Equal(Rule{Path: PathIdeas, Times: 1, Action: "teapot", Status: http.StatusTeapot}))

		rec = do(srv.Handler(), http.MethodGet, PathIdeas, "")
		Expect(rec.Code).To(Equal(http.StatusTeapot))
		var m struct{ Message string }
		Expect(json.Unmarshal(rec.Body.Bytes(), &m)).To(Succeed())
		Expect(m.Message).To(Equal("I'm a teapot"))
		Expect(srv.Journal()[0].Fault).To(Equal("teapot,status"))
		Expect(do(srv.Handler(), http.MethodGet, PathIdeas, "").Code).To(Equal(http.StatusOK), "times 1")
	})
})
