package fakeserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"

	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Control API: revoke, journal, reset", func() {
	var (
		h        *controlHarness
		ada, bob session
	)
	BeforeEach(func() {
		h = newControlHarnessWithUsers()
		ada = h.login("ada@example.test", "correct horse")
		bob = h.login("bob@example.test", "battery staple")
	})

	revoke := func(body string) fakeserver.ControlRevoked {
		GinkgoHelper()
		r := h.do(http.MethodPost, "/_tokenclock/revoke", body)
		Expect(r.Status).To(Equal(http.StatusOK), "body: %s", r.Body)
		return decodeReply[fakeserver.ControlRevoked](r)
	}

	Describe("POST /_tokenclock/revoke", func() {
		It("revokes one user's access tokens and counts them", func() {
			Expect(revoke(`{"what":"access","email":"ada@example.test"}`)).
				To(Equal(fakeserver.ControlRevoked{AccessTokens: 1}))
			r := h.me(ada)
			Expect(r.Status).To(Equal(http.StatusUnauthorized))
			Expect(r.Header.Get("WWW-Authenticate")).To(HavePrefix(`Bearer error="invalid_token"`))
			Expect(h.me(bob).Status).To(Equal(http.StatusOK))
			Expect(h.refresh(ada).Status).To(Equal(http.StatusOK), "refresh families untouched")
		})

		It("revokes everyone's refresh families when email is left out", func() {
			Expect(revoke(`{"what":"refresh"}`)).To(Equal(fakeserver.ControlRevoked{RefreshFamilies: 2}))
			Expect(h.refresh(ada).Status).To(Equal(http.StatusUnauthorized))
			Expect(h.refresh(bob).Status).To(Equal(http.StatusUnauthorized))
			Expect(h.me(ada).Status).To(Equal(http.StatusOK), "access tokens untouched")
		})

		It("revokes both with all", func() {
			Expect(revoke(`{"what":"all","email":"bob@example.test"}`)).
				To(Equal(fakeserver.ControlRevoked{AccessTokens: 1, RefreshFamilies: 1}))
			Expect(h.me(bob).Status).To(Equal(http.StatusUnauthorized))
			Expect(h.refresh(bob).Status).To(Equal(http.StatusUnauthorized))
			Expect(h.me(ada).Status).To(Equal(http.StatusOK))
		})

		It("revokes one refresh family by the label of any of its tokens, spent or current; the user's other families and everyone's access tokens untouched", func() {
			// ada: R0 (then R3 on refresh); bob: R1; ada again, another family: R2.
			adaAgain := h.login("ada@example.test", "correct horse")
			r := h.refresh(ada)
			Expect(r.Status).To(Equal(http.StatusOK))
			for _, c := range (&http.Response{Header: r.Header}).Cookies() {
				if c.Name == "refreshToken" {
					ada.Refresh = c.Value
				}
			}
			Expect(h.srv.Label(ada.Refresh)).To(Equal("R3"))

			Expect(revoke(`{"what":"refresh","family":"R0"}`)).To(Equal(fakeserver.ControlRevoked{RefreshFamilies: 1}),
				"named by its spent first token")
			Expect(h.refresh(ada).Status).To(Equal(http.StatusUnauthorized), "its current token R3 is revoked")
			Expect(h.refresh(adaAgain).Status).To(Equal(http.StatusOK), "ada's other family")
			Expect(h.refresh(bob).Status).To(Equal(http.StatusOK))
			Expect(h.me(ada).Status).To(Equal(http.StatusOK), "access tokens untouched")
			revoked, ok := h.srv.FamilyRevoked("R3")
			Expect([]bool{revoked, ok}).To(Equal([]bool{true, true}))

			Expect(revoke(`{"what":"refresh","family":"R3"}`)).To(Equal(fakeserver.ControlRevoked{}),
				"already revoked: found, none newly revoked")
			Expect(h.srv.RevokeFamily("R1")).To(BeTrue())
			Expect(h.refresh(bob).Status).To(Equal(http.StatusUnauthorized))
			Expect(h.srv.RevokeFamily("R99")).To(BeFalse())
		})

		It("answers 404 for a label no remembered family issued", func() {
			expectControlError(h.do(http.MethodPost, "/_tokenclock/revoke", `{"what":"refresh","family":"R99"}`),
				http.StatusNotFound, `no remembered refresh family issued a refresh token labelled "R99"`)
			expectControlError(h.do(http.MethodPost, "/_tokenclock/revoke", `{"what":"refresh","family":"A0"}`),
				http.StatusNotFound, `labelled "A0"`)
			h.do(http.MethodPost, "/_tokenclock/reset", "")
			expectControlError(h.do(http.MethodPost, "/_tokenclock/revoke", `{"what":"refresh","family":"R0"}`),
				http.StatusNotFound, "no remembered refresh family") // labels from before a reset name nothing
		})

		It("knows no family forgotten by a bound", func() {
			h = newControlHarnessWith(fakeserver.Options{MaxFamilies: 1})
			_, err := h.srv.AddUser("Ada", "ada@example.test", "correct horse")
			Expect(err).NotTo(HaveOccurred())
			h.login("ada@example.test", "correct horse")
			h.login("ada@example.test", "correct horse") // R1's family pushes R0's out
			Expect(h.srv.RevokeFamily("R0")).To(BeFalse())
			expectControlError(h.do(http.MethodPost, "/_tokenclock/revoke", `{"what":"refresh","family":"R0"}`),
				http.StatusNotFound, `labelled "R0"`)
			Expect(revoke(`{"what":"refresh","family":"R1"}`)).To(Equal(fakeserver.ControlRevoked{RefreshFamilies: 1}))
		})

		It("counts nothing for an unknown email", func() {
			Expect(revoke(`{"what":"all","email":"nobody@example.test"}`)).To(Equal(fakeserver.ControlRevoked{}))
			Expect(h.me(ada).Status).To(Equal(http.StatusOK))
		})

		DescribeTable("refuses bad bodies with 400 and revokes nothing",
			func(body, text string) {
				expectControlError(h.do(http.MethodPost, "/_tokenclock/revoke", body), http.StatusBadRequest, text)
				Expect(h.me(ada).Status).To(Equal(http.StatusOK))
				Expect(h.me(bob).Status).To(Equal(http.StatusOK))
			},
			Entry("missing what", `{"email":"ada@example.test"}`, `"what" must be "access", "refresh" or "all"`),
			Entry("unknown what", `{"what":"everything"}`, `"what" must be`),
			Entry("email not a string", `{"what":"access","email":7}`, `"email" must be a JSON string`),
			Entry("what not a string", `{"what":["access"]}`, `"what" must be a JSON string`),
			Entry("malformed", `{what:"access"}`, "not valid JSON"),
			Entry("family with what access", `{"what":"access","family":"R0"}`, `"family" is only for "what": "refresh" (it names a refresh family), not "access"`),
			Entry("family with what all", `{"what":"all","family":"R0"}`, `"family" is only for "what": "refresh"`),
			Entry("family without what", `{"family":"R0"}`, `"family" is only for "what": "refresh"`),
			Entry("family and email", `{"what":"refresh","family":"R0","email":"ada@example.test"}`, `give "family" or "email", not both`),
			Entry("empty family", `{"what":"refresh","family":""}`, `"family" must be the label of one of the family's refresh tokens, such as "R3"`),
			Entry("family not a string", `{"what":"refresh","family":3}`, `"family" must be a JSON string`),
		)
	})

	Describe("GET /_tokenclock/journal", func() {
		It("answers a long journal whole, in seq order, byte for byte what encoding the Go API's copy gives", func() {
			api := h.srv.Handler()
			for range 2500 { // past the 1000 entries copied at a time, and not a multiple of it
				api.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/ideas", nil))
			}
			r := h.do(http.MethodGet, "/_tokenclock/journal", "")
			Expect(r.Status).To(Equal(http.StatusOK))
			Expect(r.Header.Get("Content-Type")).To(Equal("application/json; charset=utf-8"))
			want, err := json.Marshal(h.srv.Journal())
			Expect(err).NotTo(HaveOccurred())
			Expect(string(r.Body)).To(Equal(string(want) + "\n"))
			Expect(decodeReply[[]fakeserver.Entry](r)).To(HaveLen(2502), "two logins, then the GETs")
		})

		It("answers the journal entries, the Go API's schema, without control requests", func() {
			h.do(http.MethodPost, "/_tokenclock/expire", `{"what":"access"}`)
			h.me(ada)
			r := h.do(http.MethodGet, "/_tokenclock/journal", "")
			Expect(r.Status).To(Equal(http.StatusOK))
			entries := decodeReply[[]fakeserver.Entry](r)
			Expect(entries).To(HaveLen(3))
			Expect(entries[0]).To(MatchFields(IgnoreExtras, Fields{
				"Seq": Equal(1), "Method": Equal("POST"), "Path": Equal("/api/auth/login"),
				"Status": Equal(200), "IssuedAccess": Equal("A0"), "IssuedRefresh": Equal("R0"),
			}))
			Expect(entries[2]).To(MatchFields(IgnoreExtras, Fields{
				"Seq": Equal(3), "Path": Equal("/api/auth/me"),
				"AccessToken": Equal("A0"), "AccessState": Equal(fakeserver.StateExpired),
				"Status": Equal(401),
			}))
			Expect(entries[2].VirtualTime).To(Equal(
				controlStart.Add(fakeserver.DefaultAccessTTL + time.Second).Format(time.RFC3339Nano)))
			want := h.srv.Journal()
			for i := range want {
				want[i].Body = nil // never serialised
			}
			Expect(entries).To(Equal([]fakeserver.Entry(want)))
		})
	})

	Describe("POST /_tokenclock/reset", func() {
		It("empties users, tokens, journal and faults; a fake clock stays where it is", func() {
			h.do(http.MethodPost, "/_tokenclock/clock/advance", `{"by":"1h"}`)
			Expect(h.do(http.MethodPost, "/_tokenclock/faults", `{"action":"status","status":503}`).Status).
				To(Equal(http.StatusOK))
			Expect(controlNowOf(h.do(http.MethodPost, "/_tokenclock/reset", ""))).
				To(BeTemporally("==", controlStart.Add(time.Hour)), "the harness's fake clock is not rewound")
			Expect(h.clock.Now()).To(BeTemporally("==", controlStart.Add(time.Hour)))
			st := decodeReply[fakeserver.State](h.do(http.MethodGet, "/_tokenclock/state", ""))
			Expect(st.Users).To(BeZero())
			Expect(st.Families).To(BeZero())
			Expect(st.Faults).To(BeZero())
			Expect(h.do(http.MethodGet, "/_tokenclock/journal", "").Body).To(MatchJSON(`[]`))
			Expect(h.me(ada).Status).To(Equal(http.StatusUnauthorized), "tokens issued before reset are gone")
		})

		It("ignores a body", func() {
			Expect(h.do(http.MethodPost, "/_tokenclock/reset", `{not json`).Status).To(Equal(http.StatusOK))
			Expect(h.srv.State().Users).To(BeZero())
		})
	})
})
