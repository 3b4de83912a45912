package fakeserver

import (
	"time"

	"github.com/jonboulle/clockwork"
)

// advancer is the capability that makes a clock one the harness moves:
// clockwork's *FakeClock has it. A server whose Options.Clock has it advances that
// clock itself; any other clock (serve's real one) gets an offset instead.
type advancer interface {
	Advance(d time.Duration)
}

// Latest and earliest a fake clock is advanced to: RFC 3339 (the journal's
// virtualTime, JSON times) has only four-digit years.
var (
	clockMax = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	clockMin = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
)

// ScenarioClockStart is where a scenario's fake clock starts: each scenario's clock
// starts at real now, truncated to a whole second, in UTC. Real now, so a client that
// reads the JWT exp claim against its own real clock sees a fresh token as fresh;
// a whole second, because JWT NumericDate is whole seconds and a fractional start
// makes TTL-boundary checks misfire.
func ScenarioClockStart(now time.Time) time.Time {
	return now.UTC().Truncate(time.Second)
}

// Now is the server clock, the one reader every token decision uses per request
// (now >= exp is expired); nothing is scheduled on it, so a fake clock never has
// to fire timers. On a fake clock it is Options.Clock.Now(); on a real clock,
// Options.Clock.Now() plus the offset that Advance and the Expire helpers add to.
func (s *Server) Now() time.Time {
	if s.fake != nil {
		return s.clock.Now()
	}
	return s.clock.Now().Add(time.Duration(s.offset.Load()))
}

// Clock returns the injected clock. A fake clock is the server clock itself
// (Advance moves it); a real clock is read without the offset.
func (s *Server) Clock() clockwork.Clock { return s.clock }

// RealClockMaxOffset bounds how far Advance moves a real clock (serve's) away from
// real time, either way: 200 years. The offset is a Go duration, which ends at
// about 292 years (2562047h47m16.854775807s); a round bound below that means no
// step ever saturates it silently, and a step the control API refuses is one
// that would pass this bound.
const RealClockMaxOffset = 200 * 365 * 24 * time.Hour

// Advance moves the server clock forward by d and returns the new Now. On a fake
// clock it advances that clock itself (one clock: the harness and the server see
// the same time), stopping at the year 9999 (or year 1 for negative steps) rather
// than going beyond what RFC 3339 can print. On a real clock it adds to an offset
// that stops at ±RealClockMaxOffset. Either way a step past a bound is shortened
// to reach it, silently: the control API refuses such a step instead (400).
func (s *Server) Advance(d time.Duration) time.Time {
	now, _ := s.advance(d, false)
	return now
}

// advance is Advance; exact refuses (ok false, nothing moved) a step that would
// have to be shortened.
func (s *Server) advance(d time.Duration, exact bool) (time.Time, bool) {
	if s.fake != nil {
		s.advanceMu.Lock()
		defer s.advanceMu.Unlock()
		step := clampStep(s.clock.Now(), d)
		if exact && step != d {
			return s.Now(), false
		}
		s.fake.Advance(step)
		return s.Now(), true
	}
	for {
		old := s.offset.Load()
		next, whole := stepOffset(old, int64(d), int64(RealClockMaxOffset))
		if exact && !whole {
			return s.Now(), false
		}
		if s.offset.CompareAndSwap(old, next) {
			return s.Now(), true
		}
	}
}

// stepOffset is old+d kept within ±max (|old| <= max), without overflowing; whole
// is false when it had to stop at a bound.
func stepOffset(old, d, max int64) (next int64, whole bool) {
	switch {
	case d > 0 && old >= 0 && d > max-old, d > 0 && old < 0 && old+d > max:
		return max, false
	case d < 0 && old <= 0 && d < -max-old, d < 0 && old > 0 && old+d < -max:
		return -max, false
	}
	return old + d, true
}

// advanceOrRefuse is the control API's Advance: a step that would pass a bound
// (year 9999 on a fake clock, RealClockMaxOffset on a real one) is refused with an
// error saying so, rather than silently shortened.
func (s *Server) advanceOrRefuse(d time.Duration) (time.Time, error) {
	now, ok := s.advance(d, true)
	switch {
	case ok:
		return now, nil
	case s.fake != nil:
		return now, badControl("moving the clock by %v would take it past %s", d, formatControlTime(clockMax))
	}
	return now, badControl("moving the clock by %v would take it more than 200 years from real time "+
		"(serve's clock is real time plus an offset of at most 200 years; reset sets it back)", d)
}

// clampStep shortens a step that would take now past clockMax or before clockMin;
// a clock already beyond a bound does not move further that way.
func clampStep(now time.Time, d time.Duration) time.Duration {
	switch {
	case d > 0 && now.Add(d).After(clockMax):
		return max(clockMax.Sub(now), 0)
	case d < 0 && now.Add(d).Before(clockMin):
		return min(clockMin.Sub(now), 0)
	}
	return d
}

// ExpireAccess advances the clock by the access TTL + 1 s: every access token
// issued so far is expired, refresh tokens stay valid.
func (s *Server) ExpireAccess() time.Time { return s.Advance(s.opts.AccessTTL + time.Second) }

// ExpireRefresh advances the clock by the refresh TTL + 1 s: every token issued so
// far is expired.
func (s *Server) ExpireRefresh() time.Time { return s.Advance(s.opts.RefreshTTL + time.Second) }

// clockOffset is a server time as an offset from the server's clock at New, as
// "T+1m1s": the journal's virtualOffset and State's clockOffset. Runs whose clocks
// start on different days compare on it.
func (s *Server) clockOffset(t time.Time) string { return "T+" + t.Sub(s.origin).String() }

// timeLayout is how the journal and State print server times: RFC 3339 with
// nanoseconds (trailing zeros trimmed), UTC.
const timeLayout = time.RFC3339Nano

// Origin is the server clock when New made the server: journal entries' virtualOffset
// counts from it.
func (s *Server) Origin() time.Time { return s.origin }
