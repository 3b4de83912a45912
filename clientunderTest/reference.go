package clientundertest

import (
	"context"
	"encoding/json"
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
// (RC1–RC17 of the contract in conformance/requirement.go) on net/http and net/http/cookiejar. It is written to be
// copied: the whole refresh logic is Request (reference_request.go) plus the
// single-flight refresh of a session (reference_session.go).
//
// State lives in a session: the access token (in memory), the cookie jar that holds
// the refresh cookie, and the refresh in flight. Login makes a new session and Logout
// drops the current one, so anything still running for an old session (a refresh that
// lands after logout, a late 401) can see it is stale and discard its result (RC13).
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
//
// A mutant (NewMutant) is the same code with exactly one bug switched on.
type Reference struct {
	bug       bug    // bugNone for the reference
	name      string // Hello name
	transport *http.Transport

	mu      sync.Mutex
	observe func(status int) // ObserveResponses' hook; nil when nobody listens
	base    string           // base URL without a trailing slash; "" before Init
	life    context.Context  // ends on the next Init or Close: aborts this scenario's work
	endLife context.CancelFunc
	sess    *session
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

// newTransport raises the idle pool so hundreds of parallel requests to one host
// reuse connections instead of churning through ephemeral ports.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:               http.ProxyFromEnvironment, // never proxies loopback
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     90 * time.Second,
	}
}

// Hello announces the client and the optional features it implements.
func (r *Reference) Hello() Hello {
	return Hello{Name: r.name, Version: ReferenceVersion + " (" + runtime.Version() + ")",
		Features: []string{FeatureCancel, FeatureRestart}}
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
// token and an empty cookie jar, bound to env.BaseURL.
func (r *Reference) Init(ctx context.Context, env Env) error {
	baseURL := env.BaseURL
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s: init: base URL %q is not an http(s) URL", r.name, baseURL)
	}
	life, end := context.WithCancel(context.Background())
	r.mu.Lock()
	r.endLife()
	r.base = strings.TrimRight(baseURL, "/")
	r.life, r.endLife = life, end
	r.sess = r.newSession()
	r.mu.Unlock()
	r.transport.CloseIdleConnections()
	return nil
}

// Restart is a page reload: everything in flight is aborted and the in-memory state
// (the access token, the refresh in flight) is gone; what a browser persists stays —
// the cookie jar with the refresh cookie, and whether the user was logged in. The
// reference keeps its access token in memory only, so after a restart its first
// protected call goes out without one and its 401 starts the refresh.
func (r *Reference) Restart(ctx context.Context) error {
	life, end := context.WithCancel(context.Background())
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.base == "" {
		end()
		return fmt.Errorf("%s: restart before Init (or after Close)", r.name)
	}
	r.endLife()
	r.life, r.endLife = life, end
	old := r.sess
	s := r.newSession()
	s.jar, s.client = old.jar, old.client // persisted: the cookie jar
	s.canRefresh = old.canRefresh         // persisted: "logged in" (a flag in storage)
	r.sess = s
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

// Login posts the credentials from a fresh session (a new jar for the new refresh
// cookie) and makes that session current only when the server issued a token: a
// failed login leaves the current session as it was and starts no refresh (RC14).
func (r *Reference) Login(ctx context.Context, email, password string) (Reply, error) {
	base, life, _, err := r.current()
	if err != nil {
		return Reply{}, err
	}
	body, err := json.Marshal(map[string]string{"email": email, "password": password})
	if err != nil {
		return Reply{}, fmt.Errorf("%s: login: %w", r.name, err)
	}
	s := r.newSession()
	reply, err := r.exchange(ctx, life, s.client, outgoing{method: http.MethodPost, url: base + fakeserver.PathLogin, body: body})
	if err != nil || reply.Error != "" {
		return reply, err
	}
	var doc struct {
		AccessToken string `json:"accessToken"`
	}
	if reply.Status/100 == 2 && json.Unmarshal(reply.Body, &doc) == nil && doc.AccessToken != "" {
		r.mu.Lock()
		if r.life == life { // not re-initialised meanwhile
			s.token, s.gen, s.canRefresh = doc.AccessToken, 1, true
			r.sess = s
		}
		r.mu.Unlock()
	}
	return reply, nil
}

// Logout forgets the session first and then tells the server: from the moment the
// logout request leaves, no request of ours can carry the old tokens, and whatever
// the old session still has in flight finds itself stale (RC13). The old session's
// jar still holds the refresh cookie, so the logout presents it and the server
// revokes its family.
func (r *Reference) Logout(ctx context.Context) (Reply, error) {
	base, life, old, err := r.current()
	if err != nil {
		return Reply{}, err
	}
	r.mu.Lock()
	if r.sess == old {
		r.sess = r.newSession()
	}
	r.mu.Unlock()
	return r.exchange(ctx, life, old.client, outgoing{method: http.MethodPost, url: base + fakeserver.PathLogout})
}

// current is a consistent snapshot of what a call needs.
func (r *Reference) current() (base string, life context.Context, s *session, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.base == "" {
		return "", nil, nil, fmt.Errorf("%s: used before Init (or after Close)", r.name)
	}
	return r.base, r.life, r.sess, nil
}

// isCurrent reports whether s is still the live session (not logged out, not replaced
// by a later login or Init).
func (r *Reference) isCurrent(s *session) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sess == s
}
