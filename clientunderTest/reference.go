package clientundertest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// ReferenceVersion is the version the reference client announces in Hello.
const ReferenceVersion = "1.0"

// Reference is the in-process Go client that implements the retry contract
// (the contract in conformance/requirement.go) on net/http and net/http/cookiejar. It
// is written to be copied: the whole refresh logic is Request (reference_request.go)
// plus the single-flight refresh (reference_session.go) and the early refresh on the
// client's own clock (reference_early.go).
//
// State comes in two layers, as in a browser. A session is one login's worth of what
// the tabs of one profile share: the cookie jar that holds the refresh cookie,
// whether the user is logged in, and a lock that lets one tab refresh at a time (Web
// Locks). A tab is one instance's memory: its access token, the refresh it has in
// flight, its early-refresh timer. Login makes a new session and Logout (in any tab)
// drops it, so anything still running for an old session (a refresh that lands after
// logout, a late 401) can see it is stale and discard its result (RC13, RC17).
//
// Choices where the contract leaves room:
//   - After a refused refresh (401, or any 4xx) the access token is forgotten: later
//     calls go out without Authorization (the server answers 401, public paths still
//     work) and start no refresh until the next Login (RC10).
//   - A transient refresh failure (5xx, 429, no response, 2xx without a token) is
//     returned to every request waiting on that refresh, as their own outcome (RC11);
//     a call that was only waiting to send goes out with the token it has.
//   - A 401 that arrives after Logout or a new Login is returned as is.
//   - Each refresh call is bounded by refreshTimeout and runs detached from the
//     request that started it, so one caller giving up does not fail the others.
//   - Tabs take the session's lock around each refresh, so two tabs never present
//     one refresh token together; a tab that waited for the lock refreshes with the
//     rotated cookie the first one stored (a second refresh, never a reuse).
//   - The access token's lifetime is the expiresIn of the response that issued it,
//     counted on the client's clock from its arrival, never the JWT's exp against the
//     device clock: a skewed clock cannot make every token look expired (RC18). The
//     token is renewed once three quarters of that lifetime have passed, by a timer
//     and, if the timer has not run (a sleeping laptop), by the next request.
//
// A mutant (NewMutant) is the same code with exactly one bug switched on.
type Reference struct {
	bug       bug    // bugNone for the reference
	name      string // Hello name
	transport *http.Transport

	mu      sync.Mutex
	observe func(status int) // ObserveResponses' hook; nil when nobody listens
	base    string           // base URL without a trailing slash; "" before Init
	wire    authWire         // how this scenario's profile logs in, refreshes and logs out
	life    context.Context  // ends on the next Init or Close: aborts this scenario's work
	endLife context.CancelFunc
	clock   *clientClock // the client's own clock (feature clock)
	sess    *session     // the current login, shared by every tab
	tabs    []*tab       // each instance's memory; replaced when stale or restarted
	// streams are the event streams of this scenario (feature sse), by handle.
	streams    map[int64]*refStream
	nextStream int64
}

// Reference is a Client.
var _ Client = (*Reference)(nil)

// NewReference returns the reference client. Call Init before anything else.
func NewReference() *Reference { return newClient(bugNone, "go-reference") }

func newClient(b bug, name string) *Reference {
	life, end := context.WithCancel(context.Background())
	end() // nothing may run before Init
	return &Reference{bug: b, name: name, transport: newTransport(), life: life, endLife: end}
}

// newTransport raises the idle pool so thousands of parallel requests to one host
// reuse connections instead of churning through ephemeral ports: with 512 idle
// connections kept, 4488 of a 5000-caller gate's replays dialled again.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment, // never proxies loopback
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        8192,
		MaxIdleConnsPerHost: 8192,
		IdleConnTimeout:     90 * time.Second,
	}
}

// Hello announces the client and the optional features it implements.
func (r *Reference) Hello() Hello {
	return Hello{Name: r.name, Version: ReferenceVersion + " (" + runtime.Version() + ")",
		Features: []string{FeatureCancel, FeatureRestart, FeatureInstances, FeatureClock, FeatureBodies, FeatureSSE},
		Profiles: []string{fakeserver.ProfileCookie, fakeserver.ProfileOAuth2}}
}

// ObserveResponses sets the hook called once for every response to an application
// call after the client decided what to do about it (for a 401: joined or started the
// refresh, or chose to replay or give up). The harness's parallel gate waits on it
// instead of on time. nil removes the hook.
func (r *Reference) ObserveResponses(fn func(status int)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.observe = fn
}

// acted calls the ObserveResponses hook, if any.
func (r *Reference) acted(status int) {
	r.mu.Lock()
	fn := r.observe
	r.mu.Unlock()
	if fn != nil {
		fn(status)
	}
}

// Init aborts everything the previous scenario left running and starts over with no
// token and an empty cookie jar, bound to env.BaseURL, with env.Instances tabs and the
// client's clock at env.Now.
func (r *Reference) Init(ctx context.Context, env Env) error {
	baseURL := env.BaseURL
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: init: base URL %q is not an http(s) URL", r.name, baseURL)
	}
	if env.Instances > maxInstances {
		return fmt.Errorf("%s: init: %d instances (at most %d)", r.name, env.Instances, maxInstances)
	}
	life, end := context.WithCancel(context.Background())
	r.mu.Lock()
	r.endLife()
	r.base = strings.TrimRight(baseURL, "/")
	r.wire = newAuthWire(env)
	r.life, r.endLife = life, end
	r.clock = newClientClock(env.Now)
	r.streams = map[int64]*refStream{}
	r.sess = r.newSession()
	r.tabs = make([]*tab, max(env.Instances, 1))
	for i := range r.tabs {
		r.tabs[i] = r.newTab(i, r.sess)
	}
	r.mu.Unlock()
	r.transport.CloseIdleConnections()
	return nil
}

// maxInstances bounds Env.Instances: tabs of one profile, not a load test.
const maxInstances = 64

// Restart is a reload of instance 0 (RestartInstance).
func (r *Reference) Restart(ctx context.Context) error { return r.RestartInstance(ctx, 0) }

// RestartInstance is a page reload of one tab: everything that tab has in flight is
// aborted and its memory (the access token, its refresh in flight, its timer) is
// gone; what the profile persists stays — the cookie jar with the refresh cookie, and
// whether the user is logged in. The reference keeps its access token in memory
// only, so after a restart the tab's first protected call goes out without one and
// its 401 starts the refresh.
func (r *Reference) RestartInstance(ctx context.Context, instance int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.base == "" {
		return fmt.Errorf("%s: restart before Init (or after Close)", r.name)
	}
	if instance < 0 || instance >= len(r.tabs) {
		return fmt.Errorf("%s: restart: no instance %d (init made %d)", r.name, instance, len(r.tabs))
	}
	old := r.tabs[instance]
	old.end()
	r.clock.stop(old.timer)
	r.tabs[instance] = r.newTab(instance, r.sess)
	return nil
}

// Close aborts everything still running and releases idle connections.
func (r *Reference) Close() error {
	r.mu.Lock()
	r.endLife()
	r.base = ""
	r.mu.Unlock()
	r.transport.CloseIdleConnections()
	return nil
}

// SetClock sets the client's wall clock without running timers (feature clock).
func (r *Reference) SetClock(ctx context.Context, now time.Time) error {
	c, err := r.clientClock()
	if err == nil {
		c.set(now)
	}
	return err
}

// TickClock advances the client's clock, running the timers that fall due (feature
// clock): an early refresh due by then has started when it returns.
func (r *Reference) TickClock(ctx context.Context, d time.Duration) error {
	c, err := r.clientClock()
	if err == nil {
		c.tick(d)
	}
	return err
}

func (r *Reference) clientClock() (*clientClock, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.base == "" {
		return nil, fmt.Errorf("%s: clock before Init (or after Close)", r.name)
	}
	return r.clock, nil
}

// Login posts the credentials from a fresh session (a new jar for the new refresh
// cookie) and makes that session current only when the server issued a token: a
// failed login leaves the current session as it was and starts no refresh (RC14).
// Login is always through instance 0; the other tabs join the new session on their
// next call, with no access token of their own.
func (r *Reference) Login(ctx context.Context, email, password string) (Reply, error) {
	base, t, err := r.current(0)
	if err != nil {
		return Reply{}, err
	}
	r.mu.Lock()
	wire := r.wire
	r.mu.Unlock()
	o, err := wire.login(base, email, password)
	if err != nil {
		return Reply{}, fmt.Errorf("%s: login: %w", r.name, err)
	}
	s := r.newSession()
	reply, err := r.exchange(ctx, t.life, s.client, o)
	if err != nil || reply.Error != "" {
		return reply, err
	}
	if doc, ok := issuedToken(reply); ok {
		r.mu.Lock()
		if r.tabs[0] == t && t.life.Err() == nil { // not re-initialised or restarted meanwhile
			s.canRefresh = true
			s.refreshToken = doc.RefreshToken
			r.sess = s
			nt := r.newTab(0, s)
			r.tabs[0] = nt
			r.clock.stop(t.timer)
			r.setToken(nt, doc, 1)
		}
		r.mu.Unlock()
	}
	return reply, nil
}

// Logout is LogoutInstance of instance 0.
func (r *Reference) Logout(ctx context.Context) (Reply, error) { return r.LogoutInstance(ctx, 0) }

// LogoutInstance logs the profile out from one tab. It forgets the session first and
// then tells the server: from the moment the logout request leaves, no request of any
// tab can carry the old tokens, and whatever the old session still has in flight in
// any tab finds itself stale (RC13, RC17). The old session's jar still holds the
// refresh cookie, so the logout presents it and the server revokes its family.
func (r *Reference) LogoutInstance(ctx context.Context, instance int) (Reply, error) {
	base, t, err := r.current(instance)
	if err != nil {
		return Reply{}, err
	}
	old := t.sess
	r.mu.Lock()
	if r.sess == old {
		r.sess = r.newSession()
	}
	o := r.wire.logout(base, old.refreshToken)
	r.mu.Unlock()
	o.instance = t.index
	return r.exchange(ctx, t.life, old.client, o)
}

// current is a consistent snapshot of what a call of one instance needs: the base URL
// and the instance's tab, bound to the current session (a tab whose session ended —
// logout or a new login in any tab — starts over with no token).
func (r *Reference) current(instance int) (base string, t *tab, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.base == "":
		return "", nil, fmt.Errorf("%s: used before Init (or after Close)", r.name)
	case instance < 0 || instance >= len(r.tabs):
		return "", nil, fmt.Errorf("%s: no instance %d (init made %d)", r.name, instance, len(r.tabs))
	}
	if t = r.tabs[instance]; t.sess != r.sess {
		r.clock.stop(t.timer)
		t = r.newTab(instance, r.sess)
		r.tabs[instance] = t
	}
	return r.base, t, nil
}

// isCurrent reports whether t is still its instance's live tab of the live session
// (not logged out, not replaced by a later login, a restart or Init). The caller
// holds r.mu.
func (r *Reference) isCurrentLocked(t *tab) bool {
	return t.index < len(r.tabs) && r.tabs[t.index] == t && r.sess == t.sess
}

func (r *Reference) isCurrent(t *tab) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.isCurrentLocked(t)
}
