package clientundertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync"
	"time"
)

// refreshTimeout bounds one refresh call, so a hung auth server cannot keep every
// waiter of a session blocked for longer than the callers' own deadlines allow.
const refreshTimeout = 30 * time.Second

// errAborted: Init or Close ended the work of the previous scenario.
var errAborted = errors.New("aborted")

// session is one login's worth of what the tabs of a profile share: the jar holding
// the refresh cookie, whether the user is logged in, and the lock a tab holds while it
// refreshes. canRefresh is guarded by Reference.mu.
type session struct {
	jar    http.CookieJar
	client *http.Client // sends with this session's jar

	// canRefresh is true from a successful login until a terminal refresh failure in
	// any tab: after a refresh answered 401 the session is over (RC10).
	canRefresh bool
	// refreshToken is the oauth2 profile's refresh token (the cookie profile keeps it
	// in jar): what the profile persists, like a refresh token in app storage.
	refreshToken string
	// lock is held (a token in the channel) by the one tab refreshing: tabs share one
	// rotating refresh token, so two refreshes at once would present it twice (RC19).
	lock chan struct{}
}

// tab is one instance's memory for one session. Every field is guarded by
// Reference.mu, except life and end, which are set once.
type tab struct {
	index int
	sess  *session
	life  context.Context // ends when the tab is restarted, or on Init and Close
	end   context.CancelFunc

	token string // the access token; "" when there is none
	gen   int    // bumped each time token changes: tells old tokens from the current one (RC9)
	// renewAt is when, on the client's clock, the token is due for an early refresh;
	// zero when its lifetime is unknown.
	renewAt time.Time
	timer   *clientTimer // runs the early refresh at renewAt
	flight  *flight      // the refresh in flight, nil when none (RC2)
}

// flight is one refresh call that every request of the tab shares.
type flight struct {
	done chan struct{} // closed when the outcome below is set

	token string // on success: the new access token and its generation
	gen   int
	// failure is a transient failure (5xx, no response): the waiters return it as
	// their own outcome and the session stays alive (RC11).
	failure *Reply
	// terminal: the refresh was refused (401), or its session ended before it could
	// run: the waiters return their own 401 (RC7).
	terminal bool
	early    bool // started by the clock (renewAt passed), not by a 401
	// queued is closed once the refresh request was written to the server, is waiting
	// for another tab's refresh (the session's lock), or ended without being sent.
	queued     chan struct{}
	queuedOnce sync.Once
}

// markQueued closes f.queued (once).
func (f *flight) markQueued() { f.queuedOnce.Do(func() { close(f.queued) }) }

// recovery is what a request that got 401 does next: replay with token, return
// failure, or (neither) hand its own 401 to the caller.
type recovery struct {
	replay  bool
	token   string
	gen     int
	failure *Reply
}

func (r *Reference) newSession() *session {
	jar, _ := cookiejar.New(nil) // cookiejar.New never fails without options
	return &session{jar: jar, client: r.httpClient(jar), lock: make(chan struct{}, 1)}
}

// newTab is a fresh tab of s for instance i, living until r.life ends or it is
// restarted. The caller holds r.mu.
func (r *Reference) newTab(i int, s *session) *tab {
	life, end := context.WithCancel(r.life)
	return &tab{index: i, sess: s, life: life, end: end}
}

// httpClient returns a client on the shared transport that shows the caller every
// response as it is: no redirects followed, no retries.
func (r *Reference) httpClient(jar http.CookieJar) *http.Client {
	return &http.Client{
		Transport:     r.transport,
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// token is the access token a request sends now, with its generation.
func (r *Reference) token(t *tab) (string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return t.token, t.gen
}

// awaitRefresh holds a request that starts while a refresh is running until the
// refresh settles, so it goes out with the new token instead of collecting a 401 of
// its own (RC12).
func (r *Reference) awaitRefresh(ctx context.Context, t *tab) error {
	r.mu.Lock()
	f := t.flight
	r.mu.Unlock()
	if f == nil {
		return nil
	}
	r.acted(0) // decided before sending: wait for the refresh in flight
	return wait(ctx, t.life, f)
}

// afterUnauthorized decides what a request sent with token generation sentGen does
// about its 401. Only a live, logged-in session refreshes; a 401 for an older token
// than the current one is replayed with the current one (RC9); a refresh already in
// flight is joined (RC2); otherwise this request starts the session's one refresh.
func (r *Reference) afterUnauthorized(ctx context.Context, base string, t *tab, sentGen, status int) (recovery, error) {
	r.mu.Lock()
	var f *flight
	switch {
	case !r.isCurrentLocked(t) || !t.sess.canRefresh:
		r.mu.Unlock()
		r.acted(status)
		return recovery{}, nil // logged out, replaced, or ended by a refused refresh (RC10, RC13)
	case t.flight != nil && r.bug != bugNoSingleFlight:
		f = t.flight
	case t.gen != sentGen && t.token != "":
		rec := recovery{replay: true, token: t.token, gen: t.gen}
		r.mu.Unlock()
		r.acted(status)
		return rec, nil
	default:
		f = r.startRefresh(ctx, base, t, false)
	}
	r.mu.Unlock()
	// Joined, or started the refresh: what this request does next is decided. A
	// refresh it started is reported once it is on the wire or queued behind another
	// tab's, so a harness holding refreshes sees every one that will run beside it.
	select {
	case <-f.queued:
	case <-ctx.Done():
	case <-t.life.Done():
	}
	r.acted(status)

	if err := wait(ctx, t.life, f); err != nil {
		return recovery{}, err
	}
	return r.outcome(t, f), nil
}

// startRefresh starts the tab's one refresh (early: started by the clock, not by a
// 401). The caller holds r.mu.
func (r *Reference) startRefresh(ctx context.Context, base string, t *tab, early bool) *flight {
	f := &flight{done: make(chan struct{}), queued: make(chan struct{}), early: early}
	if r.bug != bugEarlyRefreshOutsideFlight || !early {
		t.flight = f
	}
	refreshLife := t.life
	if r.bug == bugRefreshBoundToCaller {
		// Mutant: the refresh runs under the context of the request that started
		// it, so that caller cancelling aborts it for every waiter (RC16).
		refreshLife = mergeDone(t.life, ctx)
	}
	go r.runRefresh(refreshLife, base, t, f)
	return f
}

// outcome is what a request that waited on f does next.
func (r *Reference) outcome(t *tab, f *flight) recovery {
	switch {
	case !r.isCurrent(t) && r.bug != bugAppliesLateRefresh, f.terminal:
		// A refresh that lands after logout is discarded (RC17); a refused one ends the
		// session and nothing is re-sent with the dead token (RC7).
		return recovery{}
	case f.failure != nil:
		return recovery{failure: f.failure}
	}
	return recovery{replay: true, token: f.token, gen: f.gen}
}

// mergeDone is a context that ends when either a or b ends (values from b). It is a
// child of b, so b's cancellation reaches it at once, before b's canceller returns
// (the mutant's bug must show every time, not when a goroutine gets scheduled); a's
// end follows through context.AfterFunc.
func mergeDone(a, b context.Context) context.Context {
	ctx, cancel := context.WithCancel(b)
	context.AfterFunc(a, cancel)
	return ctx
}

// wait blocks until f settles, the caller's ctx ends, or the scenario is aborted.
func wait(ctx, life context.Context, f *flight) error {
	select {
	case <-f.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: waiting for the token refresh: %v", ErrTimeout, ctx.Err())
	case <-life.Done():
		return errAborted
	}
}

// runRefresh performs the refresh call of flight f and settles every waiter at once.
// It runs on its own goroutine under the tab's lifetime, not under the context of
// the request that happened to start it: that caller giving up must not fail the
// refresh for everyone else waiting on it. It first takes the session's lock, so no
// other tab refreshes at the same time; a tab that waited presents the cookie the
// previous refresh stored.
func (r *Reference) runRefresh(life context.Context, base string, t *tab, f *flight) {
	defer f.markQueued()
	s := t.sess
	if r.bug != bugTabsUncoordinated {
		select {
		case s.lock <- struct{}{}:
		default:
			f.markQueued() // another tab is refreshing: this one waits its turn
			select {
			case s.lock <- struct{}{}:
			case <-life.Done():
				r.settle(t, f, Reply{Error: "aborted"})
				return
			}
		}
		defer func() { <-s.lock }()
		if !r.isCurrent(t) && r.bug != bugAppliesLateRefresh {
			r.settle(t, f, Reply{Status: http.StatusUnauthorized}) // logged out while waiting: nothing to refresh
			return
		}
	}
	// The bound starts once the lock is ours: waiting for other tabs' refreshes must
	// not eat into this one's time.
	ctx, cancel := context.WithTimeout(life, refreshTimeout)
	defer cancel()
	r.mu.Lock()
	o := r.wire.refresh(base, s.refreshToken) // read after the lock: a tab that waited presents the rotated one
	r.mu.Unlock()
	client := s.client
	o.wrote, o.instance = f.markQueued, t.index
	if r.bug == bugIgnoresRotatedCookie {
		// Mutant: present the jar's cookie by hand and drop the rotated one the
		// response sets (RC8).
		client = r.httpClient(nil)
		if u, err := url.Parse(o.url); err == nil {
			o.cookies = s.jar.Cookies(u)
		}
	}
	var reply Reply
	for attempt := 1; ; attempt++ {
		var err error
		reply, err = r.exchange(ctx, life, client, o)
		if err != nil {
			reply = Reply{Error: "ETIMEDOUT: " + err.Error()}
		}
		// Mutant: treat the refresh's own 401 as an expiry and refresh again (RC6).
		if r.bug != bugInterceptsRefresh401 || reply.Status != http.StatusUnauthorized || attempt >= loopCap {
			break
		}
	}
	r.settle(t, f, reply)
}

// settle applies the refresh's reply to the tab and wakes every waiter of f.
func (r *Reference) settle(t *tab, f *flight, reply Reply) {
	r.mu.Lock()
	defer r.mu.Unlock()
	transient := reply.Error != "" || reply.Status >= 500 || reply.Status == http.StatusTooManyRequests
	// Mutant: an OAuth 2 invalid_grant (400) is taken for a passing failure (RC23).
	transient = transient || r.bug == bugRetriesInvalidGrant && reply.Status == http.StatusBadRequest
	switch {
	case transient:
		f.failure = &reply // transient: keep the session, let a later call try again
		if f.early {
			// A failed early refresh is not retried early, by every waiting call and
			// every call after it, during an outage: the token's own 401 renews it.
			r.clock.stop(t.timer)
			t.renewAt, t.timer = time.Time{}, nil
		}
	case reply.Status/100 == 2:
		doc, ok := issuedToken(reply)
		if !ok {
			f.failure = &Reply{Error: fmt.Sprintf("EPROTO: the refresh answered %d without an accessToken", reply.Status)}
			break
		}
		r.setToken(t, doc, t.gen+1)
		f.token, f.gen = t.token, t.gen
		// An answer without refresh_token leaves ours as it is (RFC 6749 §6, RC24),
		// unless the mutant overwrites it anyway. The other mutant keeps presenting
		// the old one (RC8), as it keeps the old cookie under the cookie profile.
		if (doc.RefreshToken != "" || r.bug == bugDropsAbsentRefreshToken) && r.bug != bugIgnoresRotatedCookie {
			t.sess.refreshToken = doc.RefreshToken
		}
	default:
		// Refused (401, or any other 4xx): the refresh token is dead. Forget the access
		// token too, so nothing goes out with it again (RC7, RC10).
		f.terminal = true
		r.clock.stop(t.timer)
		t.token, t.gen, t.renewAt, t.timer = "", t.gen+1, time.Time{}, nil
		if r.isCurrentLocked(t) {
			t.sess.canRefresh = false
		}
	}
	if t.flight == f {
		t.flight = nil
	}
	if r.bug == bugWaitersHang && f.token == "" {
		return // Mutant: the waiters of a failed refresh are never settled (RC7).
	}
	close(f.done)
}
