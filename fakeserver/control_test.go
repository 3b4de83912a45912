package fakeserver_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Control API", func() {
	var h *controlHarness
	BeforeEach(func() {
		h = newControlHarnessWithUsers()
	})

	Describe("routing", func() {
		DescribeTable("unknown control paths are 404 {message}",
			func(path string) {
				expectControlError(h.do(http.MethodGet, path, ""), http.StatusNotFound, "unknown control path")
			},
			Entry("the bare prefix", "/_tokenclock/"),
			Entry("an unknown name", "/_tokenclock/nope"),
			Entry("a trailing slash", "/_tokenclock/state/"),
			Entry("a known name one level too deep", "/_tokenclock/state/x"),
			Entry("the clock without advance", "/_tokenclock/clock"),
		)

		DescribeTable("a wrong method is 405 {message} with Allow",
			func(method, path, allow string) {
				r := h.do(method, path, "{}")
				expectControlError(r, http.StatusMethodNotAllowed, "not allowed")
				Expect(r.Header.Get("Allow")).To(Equal(allow))
			},
			Entry("POST state", http.MethodPost, "/_tokenclock/state", "GET"),
			Entry("GET advance", http.MethodGet, "/_tokenclock/clock/advance", "POST"),
			Entry("GET expire", http.MethodGet, "/_tokenclock/expire", "POST"),
			Entry("PUT revoke", http.MethodPut, "/_tokenclock/revoke", "POST"),
			Entry("GET faults", http.MethodGet, "/_tokenclock/faults", "POST, DELETE"),
			Entry("DELETE faults/release", http.MethodDelete, "/_tokenclock/faults/release", "POST"),
			Entry("GET faults/remove", http.MethodGet, "/_tokenclock/faults/remove", "POST"),
			Entry("DELETE journal", http.MethodDelete, "/_tokenclock/journal", "GET"),
			Entry("GET reset", http.MethodGet, "/_tokenclock/reset", "POST"),
		)

		It("serves the same routes from ControlHandler alone (serve's --control-addr)", func() {
			rec := httptest.NewRecorder()
			h.srv.ControlHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/_tokenclock/state", nil))
			Expect(rec.Code).To(Equal(http.StatusOK))
			Expect(rec.Body.String()).To(ContainSubstring(`"users":2`))
		})
	})

	Describe("GET /_tokenclock/state", func() {
		It("reports the clock, the options and the counts", func() {
			h.login("ada@example.test", "correct horse")
			r := h.do(http.MethodGet, "/_tokenclock/state", "")
			Expect(r.Status).To(Equal(http.StatusOK))
			st := decodeReply[fakeserver.State](r)
			Expect(st).To(Equal(h.srv.State()))
			Expect(st.Users).To(Equal(2))
			Expect(st.Families).To(Equal(1))
			Expect(st.Rotation).To(BeTrue())
			now, err := time.Parse(time.RFC3339Nano, st.Now)
			Expect(err).NotTo(HaveOccurred())
			Expect(now).To(BeTemporally("==", controlStart))
		})
	})

	Describe("POST /_tokenclock/clock/advance", func() {
		It("moves the clock forward and answers {now}, which the API then judges by", func() {
			s := h.login("ada@example.test", "correct horse")
			Expect(controlNowOf(h.do(http.MethodPost, "/_tokenclock/clock/advance", `{"by":"59s"}`))).
				To(BeTemporally("==", controlStart.Add(59*time.Second)))
			Expect(h.me(s).Status).To(Equal(http.StatusOK))
			Expect(controlNowOf(h.do(http.MethodPost, "/_tokenclock/clock/advance", `{"by":"1s","extra":[1]}`))).
				To(BeTemporally("==", controlStart.Add(time.Minute)))
			Expect(h.srv.Now()).To(BeTemporally("==", controlStart.Add(time.Minute)))
			Expect(h.me(s).Status).To(Equal(http.StatusUnauthorized))
		})

		DescribeTable("refuses bad bodies with 400 {message} and leaves the clock alone",
			func(body, text string) {
				expectControlError(h.do(http.MethodPost, "/_tokenclock/clock/advance", body), http.StatusBadRequest, text)
				Expect(h.srv.Now()).To(BeTemporally("==", controlStart))
			},
			Entry("no body", "", "body is required"),
			Entry("no by", `{}`, `"by" is required`),
			Entry("null by", `{"by":null}`, `"by" is required`),
			Entry("a number", `{"by":61}`, `"by" must be a JSON string`),
			Entry("not a duration", `{"by":"a minute"}`, "Go duration"),
			Entry("zero", `{"by":"0s"}`, "greater than 0"),
			Entry("negative", `{"by":"-5s"}`, "greater than 0"),
			Entry("malformed JSON", `{"by":`, "not valid JSON"),
			Entry("trailing garbage", `{"by":"1s"} x`, "not valid JSON"),
			Entry("an array", `["1s"]`, "must be a JSON object"),
			Entry("a string", `"1s"`, "must be a JSON object"),
		)

		It("refuses to move the clock past year 9999 (RFC 3339 has four-digit years)", func() {
			late := time.Date(9999, 12, 28, 0, 0, 0, 0, time.UTC) // 3 days to the end: less than the refresh TTL
			srv := fakeserver.New(fakeserver.Options{Clock: clockwork.NewFakeClockAt(late)})
			post := func(path, body string) *httptest.ResponseRecorder {
				rec := httptest.NewRecorder()
				srv.ControlHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "http://127.0.0.1"+path, strings.NewReader(body)))
				return rec
			}
			for _, c := range []struct{ path, body string }{
				{"/_tokenclock/clock/advance", `{"by":"8760h"}`},
				{"/_tokenclock/expire", `{"what":"refresh"}`},
			} {
				rec := post(c.path, c.body)
				Expect(rec.Code).To(Equal(http.StatusBadRequest), c.path)
				Expect(rec.Body.String()).To(ContainSubstring("past 9999-12-31"), c.path)
			}
			Expect(srv.Now()).To(BeTemporally("==", late))
			Expect(post("/_tokenclock/expire", `{"what":"access"}`).Code).To(Equal(http.StatusOK))
			Expect(srv.Now()).To(BeTemporally("==", late.Add(fakeserver.DefaultAccessTTL+time.Second)))
		})

		It("answers 413 for a body over 1 MiB", func() {
			body := `{"by":"1s","pad":"` + strings.Repeat("x", fakeserver.MaxBodyBytes) + `"}`
			expectControlError(h.do(http.MethodPost, "/_tokenclock/clock/advance", body),
				http.StatusRequestEntityTooLarge, "larger than")
			Expect(h.srv.Now()).To(BeTemporally("==", controlStart))
		})
	})

	Describe("POST /_tokenclock/expire", func() {
		It("expires access tokens: TTL+1s, then 401 invalid_token", func() {
			s := h.login("ada@example.test", "correct horse")
			Expect(controlNowOf(h.do(http.MethodPost, "/_tokenclock/expire", `{"what":"access"}`))).
				To(BeTemporally("==", controlStart.Add(fakeserver.DefaultAccessTTL+time.Second)))
			r := h.me(s)
			Expect(r.Status).To(Equal(http.StatusUnauthorized))
			Expect(r.Header.Get("WWW-Authenticate")).To(HavePrefix(`Bearer error="invalid_token"`))
			Expect(h.refresh(s).Status).To(Equal(http.StatusOK), "the refresh token outlives the access token")
		})

		It("expires refresh tokens: refresh TTL+1s, then refresh is 401", func() {
			s := h.login("ada@example.test", "correct horse")
			Expect(controlNowOf(h.do(http.MethodPost, "/_tokenclock/expire", `{"what":"refresh"}`))).
				To(BeTemporally("==", controlStart.Add(fakeserver.DefaultRefreshTTL+time.Second)))
			Expect(h.refresh(s).Status).To(Equal(http.StatusUnauthorized))
		})

		DescribeTable("refuses anything but access or refresh",
			func(body, text string) {
				expectControlError(h.do(http.MethodPost, "/_tokenclock/expire", body), http.StatusBadRequest, text)
				Expect(h.srv.Now()).To(BeTemporally("==", controlStart))
			},
			Entry("missing", `{}`, `"what" must be "access" or "refresh"`),
			Entry("unknown", `{"what":"all"}`, `"what" must be`),
			Entry("wrong case", `{"what":"Access"}`, `"what" must be`),
			Entry("wrong type", `{"what":1}`, `"what" must be a JSON string`),
			Entry("no body", ``, "body is required"),
		)
	})
})
