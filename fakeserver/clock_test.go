package fakeserver_test

import (
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// controlPost sends a control request straight to ControlHandler (no listener), as
// curl on loopback would: Host 127.0.0.1, no Origin.
func controlPost(srv *fakeserver.Server, path, body string) controlReply {
	rec := httptest.NewRecorder()
	srv.ControlHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "http://127.0.0.1"+path, strings.NewReader(body)))
	return controlReply{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

var _ = Describe("The server clock", func() {
	Describe("on a fake clock: one clock, moved by the server itself", func() {
		It("Advance, ExpireAccess and ExpireRefresh advance the injected fake clock", func() {
			h := newAPI(fakeserver.Options{AccessTTL: 10 * time.Second, RefreshTTL: time.Hour})
			h.srv.Advance(5 * time.Second)
			Expect(h.clock.Now()).To(Equal(apiStart.Add(5 * time.Second)))
			h.srv.ExpireAccess()
			Expect(h.clock.Now()).To(Equal(apiStart.Add(16 * time.Second)))
			h.srv.ExpireRefresh()
			Expect(h.clock.Now()).To(Equal(apiStart.Add(16*time.Second + time.Hour + time.Second)))
			Expect(h.srv.Now()).To(Equal(h.clock.Now()))
			Expect(h.srv.Clock()).To(BeIdenticalTo(clockwork.Clock(h.clock)))
		})

		It("the control API's advance and expire move the fake clock too", func() {
			h := newControlHarness()
			Expect(controlNowOf(h.do(http.MethodPost, "/_tokenclock/clock/advance", `{"by":"90s"}`))).
				To(BeTemporally("==", controlStart.Add(90*time.Second)))
			Expect(h.clock.Now()).To(BeTemporally("==", controlStart.Add(90*time.Second)))
			Expect(controlNowOf(h.do(http.MethodPost, "/_tokenclock/expire", `{"what":"access"}`))).
				To(BeTemporally("==", controlStart.Add(90*time.Second+time.Minute+time.Second)))
			Expect(h.clock.Now()).To(BeTemporally("==", controlStart.Add(90*time.Second+time.Minute+time.Second)))
		})

		It("stops absurd steps at year 9999 and year 1 instead of wrapping", func() {
			clock := clockwork.NewFakeClockAt(apiStart)
			srv := fakeserver.New(fakeserver.Options{Clock: clock})
			end := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
			for range 40 {
				now := srv.Advance(math.MaxInt64)
				Expect(now.After(apiStart)).To(BeTrue(), "never wraps into the past")
				Expect(now.After(end)).To(BeFalse())
			}
			Expect(srv.Now()).To(Equal(end))
			Expect(srv.Advance(time.Hour)).To(Equal(end), "a clock at its end stays there")
			Expect(srv.ExpireRefresh()).To(Equal(end))
			Expect(clock.Now()).To(Equal(end))
			Expect(srv.State().Now).To(Equal("9999-12-31T00:00:00Z"))
			for range 40 {
				Expect(srv.Advance(math.MinInt64).Before(end)).To(BeTrue(), "never wraps into the future")
			}
			Expect(srv.Now()).To(Equal(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)))
			Expect(srv.Advance(time.Minute)).To(Equal(time.Date(1, 1, 1, 0, 1, 0, 0, time.UTC)), "and moves again from there")
		})
	})

	Describe("on a real clock (serve): real time plus an offset", func() {
		var srv *fakeserver.Server
		BeforeEach(func() { srv = fakeserver.New(fakeserver.Options{Clock: clockwork.NewRealClock()}) })

		It("Advance adds to an offset; the injected clock stays real; Reset clears the offset", func() {
			before := time.Now()
			now := srv.Advance(time.Hour)
			Expect(now).To(BeTemporally(">=", before.Add(time.Hour)))
			Expect(now).To(BeTemporally("<", time.Now().Add(time.Hour+time.Second)))
			Expect(srv.Clock().Now()).To(BeTemporally("~", time.Now(), time.Second))
			Expect(srv.Now()).To(BeTemporally("~", time.Now().Add(time.Hour), time.Second))
			srv.Reset()
			Expect(srv.Now()).To(BeTemporally("~", time.Now(), time.Second))
		})

		It("stops the offset at RealClockMaxOffset either way on absurd steps instead of wrapping", func() {
			bound := fakeserver.RealClockMaxOffset
			Expect(bound).To(Equal(200 * 365 * 24 * time.Hour))
			for range 3 {
				Expect(srv.Advance(math.MaxInt64)).To(BeTemporally("~", time.Now().Add(bound), time.Second))
			}
			Expect(srv.Advance(time.Hour)).To(BeTemporally("~", time.Now().Add(bound), time.Second), "a clock at its bound stays there")
			srv.Reset()
			for range 3 {
				Expect(srv.Advance(math.MinInt64)).To(BeTemporally("~", time.Now().Add(-bound), time.Second))
			}
			Expect(srv.Advance(time.Hour)).To(BeTemporally("~", time.Now().Add(time.Hour-bound), time.Second), "and moves again from there")
		})

		It("the control API refuses a step past the bound with 400 instead of saturating (2562047h is about 292 years)", func() {
			start := srv.Now()
			r := controlPost(srv, "/_tokenclock/clock/advance", `{"by":"2562047h"}`)
			expectControlError(r, http.StatusBadRequest, "more than 200 years from real time")
			Expect(srv.Now()).To(BeTemporally("~", start, time.Second), "the clock did not move")

			// Up to the bound it moves exactly; then expire, which would pass it, is refused
			// rather than doing nothing.
			now := controlNowOf(controlPost(srv, "/_tokenclock/clock/advance", `{"by":"1751999h"}`))
			Expect(now).To(BeTemporally("~", time.Now().Add(1751999*time.Hour), time.Second))
			expectControlError(controlPost(srv, "/_tokenclock/expire", `{"what":"refresh"}`), http.StatusBadRequest, "more than 200 years")
			Expect(srv.Now()).To(BeTemporally("~", now, time.Second))
			Expect(controlNowOf(controlPost(srv, "/_tokenclock/expire", `{"what":"access"}`))).
				To(BeTemporally("~", now.Add(61*time.Second), time.Second), "a step within the bound still moves exactly")
			expectControlError(controlPost(srv, "/_tokenclock/clock/advance", `{"by":"1h"}`), http.StatusBadRequest, "more than 200 years")
			Expect(controlNowOf(controlPost(srv, "/_tokenclock/reset", ""))).To(BeTemporally("~", time.Now(), time.Second))
		})

		It("the control API's advance, expire and reset work on it", func() {
			start := time.Now()
			now := controlNowOf(controlPost(srv, "/_tokenclock/clock/advance", `{"by":"1h"}`))
			Expect(now).To(BeTemporally(">=", start.Add(time.Hour)))
			Expect(now).To(BeTemporally("<", time.Now().Add(time.Hour+time.Second)))
			now = controlNowOf(controlPost(srv, "/_tokenclock/expire", `{"what":"access"}`))
			Expect(now).To(BeTemporally("~", time.Now().Add(time.Hour+61*time.Second), time.Second))
			now = controlNowOf(controlPost(srv, "/_tokenclock/reset", ""))
			Expect(now).To(BeTemporally("~", time.Now(), time.Second), "reset puts the clock back to now")
		})
	})

	Describe("ScenarioClockStart", func() {
		It("is real now in UTC, truncated to a whole second", func() {
			zone := time.FixedZone("UTC+5:30", 5*3600+1800)
			now := time.Date(2031, 7, 4, 23, 59, 59, 999_999_999, zone)
			start := fakeserver.ScenarioClockStart(now)
			Expect(start).To(Equal(time.Date(2031, 7, 4, 18, 29, 59, 0, time.UTC)))
			Expect(start.Location()).To(Equal(time.UTC))
			Expect(fakeserver.ScenarioClockStart(start)).To(Equal(start))
			real := time.Now()
			Expect(fakeserver.ScenarioClockStart(real)).To(BeTemporally("~", real, time.Second))
			Expect(fakeserver.ScenarioClockStart(real).Nanosecond()).To(BeZero())
		})
	})
})
