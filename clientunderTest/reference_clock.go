package clientundertest

import (
	"sync"
	"time"
)

// clientClock is the reference client's own clock (feature clock): a wall clock the
// harness sets and ticks, and the timers that run on it. It behaves like the fake
// timers JavaScript drivers use (@sinonjs/fake-timers): set moves the wall clock and
// every pending timer with it, running none (a skewed device clock, or a laptop that
// slept: its timers are as far from firing as before); tick advances time and runs
// each timer that falls due, in order, on the ticking goroutine — so when tick
// returns, everything due has run.
//
// It is not clockwork's FakeClock: that runs AfterFunc callbacks on their own
// goroutines, so a tick could return before a due proactive refresh had started,
// and a scenario could not know when to look.
type clientClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*clientTimer
	seq    int
}

// clientTimer is one pending callback; stopped or fired timers leave the list.
type clientTimer struct {
	due time.Time
	seq int // ties at one instant run in the order they were set
	fn  func()
}

func newClientClock(now time.Time) *clientClock { return &clientClock{now: now} }

// Now is the client's wall clock.
func (c *clientClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// set jumps the wall clock to t, shifting every pending timer by the same amount.
func (c *clientClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	shift := t.Sub(c.now)
	c.now = t
	for _, tm := range c.timers {
		tm.due = tm.due.Add(shift)
	}
}

// tick advances the clock by d and runs the timers due by then, earliest first, each
// with the clock at its due time. A callback may set or stop timers; it must not tick.
func (c *clientClock) tick(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	for {
		next := -1
		for i, tm := range c.timers {
			if !tm.due.After(end) && (next < 0 || tm.due.Before(c.timers[next].due) ||
				(tm.due.Equal(c.timers[next].due) && tm.seq < c.timers[next].seq)) {
				next = i
			}
		}
		if next < 0 {
			break
		}
		tm := c.timers[next]
		c.timers = append(c.timers[:next], c.timers[next+1:]...)
		if tm.due.After(c.now) {
			c.now = tm.due
		}
		c.mu.Unlock()
		tm.fn()
		c.mu.Lock()
	}
	c.now = end
	c.mu.Unlock()
}

// afterFunc runs fn when the clock has been ticked d past now (at once on the next
// tick when d <= 0).
func (c *clientClock) afterFunc(d time.Duration, fn func()) *clientTimer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	tm := &clientTimer{due: c.now.Add(d), seq: c.seq, fn: fn}
	c.timers = append(c.timers, tm)
	return tm
}

// stop cancels tm if it has not run (nil is a no-op).
func (c *clientClock) stop(tm *clientTimer) {
	if tm == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.timers {
		if x == tm {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			return
		}
	}
}
