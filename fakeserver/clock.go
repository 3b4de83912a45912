package fakeserver

import (
	"math"
	"time"

	"github.com/jonboulle/clockwork"
)

// Now is the server clock: Options.Clock.Now() plus the offset that Advance and the
// Expire helpers add to. Every token decision reads it per request (now >= exp is
// expired); nothing is scheduled on it, so a fake clock never has to fire timers.
func (s *Server) Now() time.Time {
	return s.clock.Now().Add(time.Duration(s.offset.Load()))
}

// Clock returns the injected clock (without the offset).
func (s *Server) Clock() clockwork.Clock { return s.clock }

// Advance moves the server clock forward by d by adding to the offset, so it works
// the same on a fake clock and on serve's real clock. It returns the new Now.
// The offset saturates instead of wrapping around on absurd steps.
func (s *Server) Advance(d time.Duration) time.Time {
	for {
		old := s.offset.Load()
		next := old + int64(d)
		switch {
		case d > 0 && next < old:
			next = math.MaxInt64
		case d < 0 && next > old:
			next = math.MinInt64
		}
		if s.offset.CompareAndSwap(old, next) {
			return s.Now()
		}
	}
}

// ExpireAccess advances the clock by the access TTL + 1 s: every access token
// issued so far is expired, refresh tokens stay valid.
func (s *Server) ExpireAccess() time.Time { return s.Advance(s.opts.AccessTTL + time.Second) }

// ExpireRefresh advances the clock by the refresh TTL + 1 s: every token issued so
// far is expired.
func (s *Server) ExpireRefresh() time.Time { return s.Advance(s.opts.RefreshTTL + time.Second) }

// timeLayout is how the journal and State print server times: RFC 3339 with
// nanoseconds (trailing zeros trimmed), UTC.
const timeLayout = time.RFC3339Nano
