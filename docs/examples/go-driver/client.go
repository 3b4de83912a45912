package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Response is what the application sees: the final status and the body (parsed
// JSON, other text as a string, nil when empty).
type Response struct {
	Status int
	Body   any
}

// Profile is what a client shares with the other instances of its user profile (the
// tabs of a browser, the processes of a desktop app) besides the cookie jar, which its
// http.Client holds: a lock and a small storage that every instance sees at once.
type Profile interface {
	Lock(ctx context.Context) error
	Unlock()
	Get(key string) (string, bool)
	Set(key, value string)
	Delete(key string)
}

// sessionKey names, in the profile's storage, the live session: a random id that each
// login writes and that is removed when the session ends, in whichever instance. An
// instance that never logged in refreshes into the session it names.
const sessionKey = "session"

// errSessionEnded: the session a refresh belonged to ended (a logout, in any
// instance) before its answer was used.
var errSessionEnded = errors.New("the session ended during the refresh")

// Client is the client under test: the access token in memory, the refresh cookie in
// the profile's jar, and refresh-on-401 with one shared refresh per instance.
type Client struct {
	base    string
	http    *http.Client
	profile Profile
	life    context.Context // ends when the client is thrown away; bounds its refreshes

	mu     sync.Mutex // guards the fields below; never held across a network call
	token  string     // the access token; "" when there is none
	gen    int        // bumped whenever token changes: tells a stale 401 from a fresh one
	flight *flight    // the refresh in flight; nil when none (RC2)
}

// flight is one refresh call, shared by every request that needs it.
type flight struct {
	done  chan struct{} // closed once the fields below are set
	token string        // the new access token; "" when the refresh failed or was discarded
	// transient: the refresh got a 5xx or no HTTP response (res, err). Its waiters hand
	// that to their callers, and the session stays: a later call may refresh (RC11).
	transient bool
	res       Response
	err       error
}

// NewClient builds a client with no access token, sending with hc (whose cookie jar
// may already hold a session's refresh cookie: a reload, another tab). life bounds
// the refreshes it runs for its callers.
func NewClient(life context.Context, base string, hc *http.Client, profile Profile) *Client {
	return &Client{base: strings.TrimRight(base, "/"), http: hc, profile: profile, life: life}
}

// Login posts the credentials and starts a session with the access token. It holds
// the profile's lock, as a refresh does: the new refresh cookie it stores must not
// land in the middle of another instance's refresh.
func (c *Client) Login(ctx context.Context, email, password string) (Response, error) {
	if err := c.profile.Lock(ctx); err != nil {
		return Response{}, err
	}
	defer c.profile.Unlock()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := c.send(ctx, "POST", "/api/auth/login", body, nil, "")
	if err == nil && res.Status == http.StatusOK {
		c.profile.Set(sessionKey, rand.Text())
		c.setToken(accessToken(res.Body))
	}
	return res, err
}

// Logout ends the session first, for every instance, so nothing sent from now on
// carries its tokens and a refresh still in flight is discarded when it lands (RC13),
// then tells the server (which clears the refresh cookie).
func (c *Client) Logout(ctx context.Context) (Response, error) {
	c.profile.Delete(sessionKey)
	c.setToken("")
	return c.send(ctx, "POST", "/api/auth/logout", nil, nil, "")
}

// Do sends one call with the current token. When a protected resource answers with
// its auth-failure signal (a 401, or GraphQL's UNAUTHENTICATED error) it gets a newer
// token and replays the call once: same method, path, headers and body bytes, so a
// POST keeps the Idempotency-Key it was given one (RC15, RC20). Whatever the replay
// gets, even another auth failure, goes to the caller (RC3). A caller whose ctx ends
// stops waiting at once; the refresh it waited for goes on for the others (RC16).
func (c *Client) Do(ctx context.Context, method, path string, body []byte, hdr map[string]string) (Response, error) {
	hdr = withIdempotencyKey(method, hdr)
	token, gen, err := c.current(ctx)
	if err != nil {
		return Response{}, err
	}
	res, err := c.send(ctx, method, path, body, hdr, token)
	if err != nil || !authFailed(res) || isAuthPath(path) {
		return res, err // only a protected resource's auth failure means "expired" (RC1, RC6, RC14)
	}
	f, newer := c.renew(gen)
	if f != nil {
		select {
		case <-f.done:
		case <-ctx.Done():
			return Response{}, ctx.Err()
		}
		if f.transient {
			return f.res, f.err
		}
		newer = f.token
	}
	if newer == "" {
		return res, nil // no session, or its refresh was refused: the caller gets its 401 (RC7)
	}
	return c.send(ctx, method, path, body, hdr, newer)
}

// renew decides what a call that got 401 with token generation gen does: wait for
// the instance's one refresh, joining the one in flight or starting it (RC2), or
// replay at once with a newer token already held (RC9). Neither (nil, ""): the
// session is over, logged out or refused, and starts no refresh (RC10, RC13).
func (c *Client) renew(gen int) (*flight, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	session, live := c.profile.Get(sessionKey)
	switch {
	case !live:
		return nil, ""
	case c.flight != nil:
		return c.flight, ""
	case c.gen != gen:
		return nil, c.token
	}
	c.flight = &flight{done: make(chan struct{})}
	go c.refresh(c.flight, session)
	return c.flight, ""
}

// refresh performs the refresh call of f and settles every waiter at once.
func (c *Client) refresh(f *flight, session string) {
	res, err := c.refreshCall(session)
	c.mu.Lock()
	defer c.mu.Unlock()
	defer close(f.done)
	if c.flight != f {
		return // logout or a new login came first: discard the result (RC13)
	}
	c.flight = nil
	switch token := accessToken(res.Body); {
	case errors.Is(err, errSessionEnded):
		c.token, c.gen = "", c.gen+1 // logged out elsewhere: the waiters get their own 401
	case err != nil || res.Status >= 500:
		f.transient, f.res, f.err = true, res, err
	case res.Status == http.StatusOK && token != "":
		c.token, c.gen, f.token = token, c.gen+1, token
	default:
		// Refused (401, or any other answer without a token): the dead access token is
		// never sent again (RC7), and refreshCall ended the session.
		c.token, c.gen = "", c.gen+1
	}
}

// refreshCall sends the refresh under the profile's lock, so that two instances never
// present the same refresh cookie: one that waited presents the cookie the other's
// refresh rotated in (RC19). A session that ended while it waited or while the
// refresh was in flight (a logout in another instance) keeps nothing of it (RC17); a
// refusal ends the session for every instance until the next login (RC10).
func (c *Client) refreshCall(session string) (Response, error) {
	if err := c.profile.Lock(c.life); err != nil {
		return Response{}, err
	}
	defer c.profile.Unlock()
	if now, _ := c.profile.Get(sessionKey); now != session {
		return Response{}, errSessionEnded
	}
	res, err := c.send(c.life, "POST", "/api/auth/refresh", nil, nil, "")
	switch now, live := c.profile.Get(sessionKey); {
	case now != session:
		if !live {
			c.forgetRefreshCookie() // the answer stored a cookie of the dead session
		}
		return Response{}, errSessionEnded
	case err == nil && res.Status < 500 && accessToken(res.Body) == "":
		c.profile.Delete(sessionKey)
	}
	return res, err
}

// forgetRefreshCookie drops the refresh cookie (Path /api/auth) from the jar, so that
// a refresh answered after the logout leaves nothing behind that a later request
// could present (RC17). Only ever under the profile's lock: a login stores its own
// cookie under it too.
func (c *Client) forgetRefreshCookie() {
	u, err := url.Parse(c.base + "/api/auth/refresh")
	if err != nil {
		return
	}
	var gone []*http.Cookie
	for _, k := range c.http.Jar.Cookies(u) {
		gone = append(gone, &http.Cookie{Name: k.Name, Path: "/api/auth", MaxAge: -1})
	}
	c.http.Jar.SetCookies(u, gone)
}

// current is the token to send now. A call that starts while a refresh is running
// waits for it and sends the new token (RC12).
func (c *Client) current(ctx context.Context) (string, int, error) {
	c.mu.Lock()
	f := c.flight
	c.mu.Unlock()
	if f != nil {
		select {
		case <-f.done:
		case <-ctx.Done():
			return "", 0, ctx.Err()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, c.gen, nil
}

// setToken replaces the access token: a login's or none (logout). A refresh in flight
// belongs to the old session; it is detached, and discarded when it lands.
func (c *Client) setToken(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token, c.gen, c.flight = token, c.gen+1, nil
}

// isAuthPath: a 401 from login, register, refresh or logout is final, never an expiry.
func isAuthPath(path string) bool {
	return strings.HasPrefix(path, "/api/auth/") && path != "/api/auth/me"
}

// authFailed: a 401, or a GraphQL answer (HTTP 200) whose errors carry the code
// UNAUTHENTICATED, as Apollo Server and most gateways signal an expired token.
func authFailed(res Response) bool {
	if res.Status == http.StatusUnauthorized {
		return true
	}
	doc, _ := res.Body.(map[string]any)
	errs, _ := doc["errors"].([]any)
	for _, e := range errs {
		em, _ := e.(map[string]any)
		ext, _ := em["extensions"].(map[string]any)
		if ext["code"] == "UNAUTHENTICATED" {
			return true
		}
	}
	return false
}

// withIdempotencyKey gives a POST without one an Idempotency-Key, made once per call
// so that the replay carries the same key: a write the server applied before it
// answered 401 is then not applied twice (RC20).
func withIdempotencyKey(method string, hdr map[string]string) map[string]string {
	if method != http.MethodPost {
		return hdr
	}
	out := map[string]string{}
	for k, v := range hdr {
		if http.CanonicalHeaderKey(k) == "Idempotency-Key" {
			return hdr
		}
		out[k] = v
	}
	out["Idempotency-Key"] = rand.Text()
	return out
}

func accessToken(body any) string {
	m, _ := body.(map[string]any)
	t, _ := m["accessToken"].(string)
	return t
}

// send makes one HTTP exchange: exactly one Authorization header when there is a
// token (RC4), the same body bytes on every send (RC5).
func (c *Client) send(ctx context.Context, method, path string, body []byte, hdr map[string]string, token string) (Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
	// net/http re-sends a request it thinks idempotent (a GET, or any request with an
	// Idempotency-Key) by itself when a kept-alive connection dies under it; without
	// GetBody it cannot, and every send is one this client chose.
	req.GetBody = nil
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return Response{}, err
	}
	var parsed any
	if len(bytes.TrimSpace(raw)) > 0 && json.Unmarshal(raw, &parsed) != nil {
		parsed = string(raw)
	}
	return Response{Status: res.StatusCode, Body: parsed}, nil
}
