package driver

import (
	"log"
	"runtime/debug"
	"sync"
	"time"
)

// Clock is the client's clock under feature clock: a wall clock that flows with real
// time between commands, which the harness sets (a skewed device clock, a laptop
// waking from sleep) and ticks (time passing at once), and the timers that run on it.
//
// set and tick behave like the fake timers of JavaScript drivers
// (@sinonjs/fake-timers): set moves the wall clock and every pending timer with it,
// running none, so a timer due 5 s from now is still due 5 s from now; tick advances
// the clock and runs every timer that falls due, in due order, each with the clock at
// its due time, before the tick command is answered, so an early refresh that came
// due has started when the harness looks. Between commands a timer fires when real
// time brings it due.
//
// It is not clockwork's FakeClock: that one stands still between advances (a client
// whose clock never moves between two commands would see time pass only in jumps),
// and runs AfterFunc callbacks on goroutines of their own, so an advance could return
// before a due refresh had started.
type Clock struct {
	log *log.Logger
	run sync.Mutex // held while timers run: one at a time, in due order

	mu      sync.Mutex
	base    time.Time // the reading at anchor
	anchor  time.Time // the real (monotonic) time at which the clock read base
	timers  []*Timer
	seq     int
	wake    *time.Timer // fires, in real time, when the earliest timer comes due
	stopped bool        // thrown away (the next init): no timer runs any more
}

// Timer is one callback waiting on a Clock, made by AfterFunc.
type Timer struct {
	c   *Clock
	due time.Time
	seq int // ties at one instant run in the order they were set
	f   func()
}

// newClock is a clock reading start now. The kit makes one per init, at init.now.
func newClock(start time.Time, l *log.Logger) *Clock {
	return &Clock{log: l, base: start.Round(0), anchor: time.Now()}
}

// Now is the client's wall clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now()
}

// Since is the time elapsed on this clock since t.
func (c *Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Until is the time left on this clock until t.
func (c *Clock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }

// AfterFunc calls f once the clock has passed d from now. f runs on a goroutine of the
// clock's, or on the harness's tick, so it must not block: start a goroutine for a
// network call (the tick is answered when f returns, and it holds the command loop).
func (c *Clock) AfterFunc(d time.Duration, f func()) *Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &Timer{c: c, due: c.now().Add(d), seq: c.seq, f: f}
	if !c.stopped {
		c.timers = append(c.timers, t)
		c.schedule()
	}
	return t
}

// Stop keeps the timer from running; false when it already ran or was stopped.
func (t *Timer) Stop() bool {
	c := t.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.timers {
		if x == t {
			c.timers = append(c.timers[:i], c.timers[i+1:]...)
			c.schedule()
			return true
		}
	}
	return false
}

// set jumps the wall clock to t and every pending timer with it, running none.
func (c *Clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	shift := t.Sub(c.now())
	c.base, c.anchor = t.Round(0), time.Now()
	for _, x := range c.timers {
		x.due = x.due.Add(shift)
	}
	c.schedule()
}

// tick advances the clock by d and runs the timers due by then, earliest first, each
// with the clock at its due time; a timer a callback sets that falls due within the
// tick runs too. It returns once they all ran.
func (c *Clock) tick(d time.Duration) {
	c.run.Lock()
	defer c.run.Unlock()
	c.mu.Lock()
	defer c.mu.Unlock()
	end := c.now().Add(d)
	for {
		t := c.popDue(end)
		if t == nil {
			break
		}
		if t.due.After(c.now()) {
			c.base, c.anchor = t.due, time.Now()
		}
		c.mu.Unlock()
		c.call(t)
		c.mu.Lock()
	}
	if c.now().Before(end) { // callbacks that took real time must not set it back
		c.base, c.anchor = end, time.Now()
	}
	c.schedule()
}

// stop throws the clock away: pending timers never run.
func (c *Clock) stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped, c.timers = true, nil
	c.schedule()
}

// now reads the clock; the caller holds mu.
func (c *Clock) now() time.Time { return c.base.Add(time.Since(c.anchor)) }

// popDue removes and returns the earliest timer due by limit, or nil; the caller
// holds mu.
func (c *Clock) popDue(limit time.Time) *Timer {
	next := -1
	for i, t := range c.timers {
		if !t.due.After(limit) && (next < 0 || t.due.Before(c.timers[next].due) ||
			(t.due.Equal(c.timers[next].due) && t.seq < c.timers[next].seq)) {
			next = i
		}
	}
	if next < 0 {
		return nil
	}
	t := c.timers[next]
	c.timers = append(c.timers[:next], c.timers[next+1:]...)
	return t
}

// schedule sets the real-time wake-up for the earliest pending timer; the caller
// holds mu. A set keeps every timer as far from due in real time as it was, and a tick
// brings them closer, so every change reschedules.
func (c *Clock) schedule() {
	if c.wake != nil {
		c.wake.Stop()
		c.wake = nil
	}
	if c.stopped || len(c.timers) == 0 {
		return
	}
	earliest := c.timers[0].due
	for _, t := range c.timers[1:] {
		if t.due.Before(earliest) {
			earliest = t.due
		}
	}
	c.wake = time.AfterFunc(max(earliest.Sub(c.now()), 0), c.fire)
}

// fire runs the timers that real time brought due, then waits for the next.
func (c *Clock) fire() {
	c.run.Lock()
	defer c.run.Unlock()
	for {
		c.mu.Lock()
		t := c.popDue(c.now())
		c.mu.Unlock()
		if t == nil {
			break
		}
		c.call(t)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.schedule()
}

// call runs one timer's callback; a panic in it is logged, not the driver's end.
func (c *Clock) call(t *Timer) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Printf("a clock timer panicked: %v\n%s", r, debug.Stack())
		}
	}()
	t.f()
}
