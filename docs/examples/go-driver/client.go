package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
)

// Response is what the application sees: the final status and the body (parsed
// JSON, other text as a string, nil when empty).
type Response struct {
	Status int
	Body   any
}

// Client is the client under test: the access token in memory, the refresh cookie in
// a jar, and refresh-on-401 with one shared refresh per session.
type Client struct {
	base string
	http *http.Client

	mu         sync.Mutex // guards the fields below; never held across a network call
	token      string     // the access token; "" when there is none
	gen        int        // bumped whenever token changes: tells a stale 401 from a fresh one
	canRefresh bool       // from a login until logout or a refused refresh (RC10)
	flight     *flight    // the refresh in flight; nil when none (RC2)
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

// NewClient builds a fresh client with an empty cookie jar.
func NewClient(base string) *Client {
	jar, _ := cookiejar.New(nil) // never fails without options
	return &Client{base: strings.TrimRight(base, "/"), http: &http.Client{Jar: jar}}
}

// Login posts the credentials and starts a session with the access token.
func (c *Client) Login(email, password string) (Response, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := c.send("POST", "/api/auth/login", body, nil, "")
	if err == nil && res.Status == http.StatusOK {
		c.setSession(accessToken(res.Body), true)
	}
	return res, err
}

// Logout forgets the session first, so nothing sent from now on carries its tokens
// and a refresh still in flight is discarded when it lands (RC13), then tells the
// server (which clears the refresh cookie).
func (c *Client) Logout() (Response, error) {
	c.setSession("", false)
	return c.send("POST", "/api/auth/logout", nil, nil, "")
}

// Do sends one call with the current token. When a protected resource answers with
// its auth-failure signal (a 401, or GraphQL's UNAUTHENTICATED error) it gets a newer
// token and replays the call once: same method, path, headers and body bytes, so a
// POST keeps the Idempotency-Key it was given one (RC15, RC20). Whatever the replay
// gets, even another auth failure, goes to the caller (RC3).
func (c *Client) Do(method, path string, body []byte, hdr map[string]string) (Response, error) {
	hdr = withIdempotencyKey(method, hdr)
	token, gen := c.current()
	res, err := c.send(method, path, body, hdr, token)
	if err != nil || !authFailed(res) || isAuthPath(path) {
		return res, err // only a protected resource's auth failure means "expired" (RC1, RC6, RC14)
	}
	f, newer := c.renew(gen)
	if f != nil {
		<-f.done
		if f.transient {
			return f.res, f.err
		}
		newer = f.token
	}
	if newer == "" {
		return res, nil // no session, or its refresh was refused: the caller gets its 401 (RC7)
	}
	return c.send(method, path, body, hdr, newer)
}

// renew decides what a call that got 401 with token generation gen does: wait for
// the session's one refresh, joining the one in flight or starting it (RC2), or
// replay at once with a newer token already held (RC9). Neither (nil, ""): the
// session is over, logged out or refused, and starts no refresh (RC10, RC13).
func (c *Client) renew(gen int) (*flight, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case !c.canRefresh:
		return nil, ""
	case c.flight != nil:
		return c.flight, ""
	case c.gen != gen:
		return nil, c.token
	}
	c.flight = &flight{done: make(chan struct{})}
	go c.refresh(c.flight)
	return c.flight, ""
}

// refresh performs the refresh call of f and settles every waiter at once.
func (c *Client) refresh(f *flight) {
	res, err := c.send("POST", "/api/auth/refresh", nil, nil, "")
	c.mu.Lock()
	defer c.mu.Unlock()
	defer close(f.done)
	if c.flight != f {
		return // logout or a new login came first: discard the result (RC13)
	}
	c.flight = nil
	switch token := accessToken(res.Body); {
	case err != nil || res.Status >= 500:
		f.transient, f.res, f.err = true, res, err
	case res.Status == http.StatusOK && token != "":
		c.token, c.gen, f.token = token, c.gen+1, token
	default:
		// Refused (401, or any other answer without a token): the refresh token is dead.
		// The session is over until the next login, and the dead access token is never
		// sent again (RC7, RC10).
		c.token, c.gen, c.canRefresh = "", c.gen+1, false
	}
}

// current is the token to send now. A call that starts while a refresh is running
// waits for it and sends the new token (RC12).
func (c *Client) current() (string, int) {
	c.mu.Lock()
	f := c.flight
	c.mu.Unlock()
	if f != nil {
		<-f.done
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, c.gen
}

// setSession replaces the session: a new token (login) or none (logout). A refresh
// in flight belongs to the old session; it is detached, and discarded when it lands.
func (c *Client) setSession(token string, canRefresh bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token, c.gen, c.canRefresh, c.flight = token, c.gen+1, canRefresh, nil
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
func (c *Client) send(method, path string, body []byte, hdr map[string]string, token string) (Response, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
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
