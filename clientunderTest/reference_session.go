package clientundertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"time"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// refreshTimeout bounds one refresh call, so a hung auth server cannot keep every
// waiter of a session blocked for longer than the callers' own deadlines allow.
const refreshTimeout = 30 * time.Second

// errAborted: Init or Close ended the work of the previous scenario.
var errAborted = errors.New("aborted")

// session is one login's worth of state: the access token in memory, the jar holding
// the refresh cookie, and the single refresh that may be in flight. Every field is
// guarded by Reference.mu.
type session struct {
	jar    http.CookieJar
	client *http.Client // sends with this session's jar

	token string // the access token; "" when there is none
	gen   int    // bumped each time token changes: tells old tokens from the current one (RC9)
	// canRefresh is true from a successful login until a terminal refresh failure:
	// after a refresh answered 401 the session is over (RC10).
	canRefresh bool
	flight     *flight // the refresh in flight, nil when none (RC2)
}

// flight is one refresh call that every request of the session shares.
type flight struct {
	done chan struct{} // closed when the outcome below is set

	token string // on success: the new access token and its generation
	gen   int
	// failure is a transient failure (5xx, no response): the waiters return it as
	// their own outcome and the session stays alive (RC11).
	failure *Reply
	// terminal: the refresh was refused (401): the waiters return their own 401 (RC7).
	terminal bool
}

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
	return &session{jar: jar, client: r.httpClient(jar)}
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
func (r *Reference) token(s *session) (string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return s.token, s.gen
}

// awaitRefresh holds a request that starts while a refresh is running until the
// refresh settles, so it goes out with the new token instead of collecting a 401 of
// its own (RC12).
func (r *Reference) awaitRefresh(ctx, life context.Context, s *session) error {
	r.mu.Lock()
	f := s.flight
	r.mu.Unlock()
	if f == nil {
		return nil
	}
	return wait(ctx, life, f)
}

// afterUnauthorized decides what a request sent with token generation sentGen does
// about its 401. Only a live, logged-in session refreshes; a 401 for an older token
// than the current one is replayed with the current one (RC9); a refresh already in
// flight is joined (RC2); otherwise this request starts the session's one refresh.
func (r *Reference) afterUnauthorized(ctx, life context.Context, base string, s *session, sentGen, status int) (recovery, error) {
	r.mu.Lock()
	var f *flight
	switch {
	case r.sess != s || !s.canRefresh:
		r.mu.Unlock()
		r.acted(status)
		return recovery{}, nil // logged out, replaced, or ended by a refused refresh (RC10, RC13)
	case s.flight != nil && r.bug != bugNoSingleFlight:
		f = s.flight
	case s.gen != sentGen && s.token != "":
		rec := recovery{replay: true, token: s.token, gen: s.gen}
		r.mu.Unlock()
		r.acted(status)
		return rec, nil
	default:
		f = &flight{done: make(chan struct{})}
		s.flight = f
		refreshLife := life
		if r.bug == bugRefreshBoundToCaller {
			// Mutant: the refresh runs under the context of the request that started
			// it, so that caller cancelling aborts it for every waiter (RC16).
			refreshLife = mergeDone(life, ctx)
		}
		go r.runRefresh(refreshLife, base, s, f)
	}
	r.mu.Unlock()
	r.acted(status) // joined or started the refresh: what it does next is decided

	if err := wait(ctx, life, f); err != nil {
		return recovery{}, err
	}
	switch {
	case !r.isCurrent(s) && r.bug != bugAppliesLateRefresh, f.terminal:
		// A refresh that lands after logout is discarded (RC17); a refused one ends the
		// session and nothing is re-sent with the dead token (RC7).
		return recovery{}, nil
	case f.failure != nil:
		return recovery{failure: f.failure}, nil
	}
	return recovery{replay: true, token: f.token, gen: f.gen}, nil
}

// mergeDone is a context that ends when either a or b ends (values from a).
func mergeDone(a, b context.Context) context.Context {
	ctx, cancel := context.WithCancel(a)
	context.AfterFunc(b, cancel)
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
// It runs on its own goroutine under the scenario's lifetime, not under the context of
// the request that happened to start it: that caller giving up must not fail the
// refresh for everyone else waiting on it.
func (r *Reference) runRefresh(life context.Context, base string, s *session, f *flight) {
	ctx, cancel := context.WithTimeout(life, refreshTimeout)
	defer cancel()
	client, o := s.client, outgoing{method: http.MethodPost, url: base + fakeserver.PathRefresh}
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

	var doc struct {
		AccessToken string `json:"accessToken"`
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case reply.Error != "" || reply.Status >= 500 || reply.Status == http.StatusTooManyRequests:
		f.failure = &reply // transient: keep the session, let a later call try again
	case reply.Status/100 == 2:
		if json.Unmarshal(reply.Body, &doc) != nil || doc.AccessToken == "" {
			f.failure = &Reply{Error: fmt.Sprintf("EPROTO: the refresh answered %d without an accessToken", reply.Status)}
			break
		}
		s.token, s.gen = doc.AccessToken, s.gen+1
		f.token, f.gen = s.token, s.gen
	default:
		// Refused (401, or any other 4xx): the refresh token is dead. Forget the access
		// token too, so nothing goes out with it again (RC7, RC10).
		f.terminal = true
		s.token, s.gen, s.canRefresh = "", s.gen+1, false
	}
	if s.flight == f {
		s.flight = nil
	}
	if r.bug == bugWaitersHang && f.token == "" {
		return // Mutant: the waiters of a failed refresh are never settled (RC7).
	}
	close(f.done)
}
