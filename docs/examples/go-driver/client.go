package main

import (
	"bytes"
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
// a jar, and a deliberately simple refresh-on-401 (one refresh at a time, one replay).
// It does not end the session after a failed refresh (RC10) nor discard a refresh
// that lands after logout (RC13): run the catalog against it to see those caught.
type Client struct {
	base    string
	http    *http.Client
	mu      sync.Mutex // held across a refresh, so there is only ever one (RC2)
	token   string
	version int // bumped by every new token: a waiter sees that someone refreshed
}

// NewClient builds a fresh client with an empty cookie jar.
func NewClient(base string) *Client {
	jar, _ := cookiejar.New(nil) // never fails without options
	return &Client{base: strings.TrimRight(base, "/"), http: &http.Client{Jar: jar}}
}

// Login posts the credentials and keeps the access token.
func (c *Client) Login(email, password string) (Response, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := c.send("POST", "/api/auth/login", body, nil, "")
	if err == nil && res.Status == http.StatusOK {
		c.setToken(accessToken(res.Body))
	}
	return res, err
}

// Logout posts the logout (the server clears the cookie) and forgets the token.
func (c *Client) Logout() (Response, error) {
	c.setToken("")
	return c.send("POST", "/api/auth/logout", nil, nil, "")
}

// Do sends one call with the current token. On a 401 from a protected resource it
// refreshes — unless a refresh finished since the call was sent — and replays once.
func (c *Client) Do(method, path string, body []byte, hdr map[string]string) (Response, error) {
	c.mu.Lock() // waits while a refresh runs, so new calls use its token (RC12)
	token, version := c.token, c.version
	c.mu.Unlock()
	res, err := c.send(method, path, body, hdr, token)
	if err != nil || res.Status != http.StatusUnauthorized || isAuthPath(path) {
		return res, err
	}
	c.mu.Lock()
	if c.version == version { // nobody refreshed meanwhile: refresh now
		r, err := c.send("POST", "/api/auth/refresh", nil, nil, "")
		if err != nil || r.Status != http.StatusOK {
			c.mu.Unlock()
			return r, err // the caller sees the refresh's failure
		}
		c.token, c.version = accessToken(r.Body), c.version+1
	}
	token = c.token
	c.mu.Unlock()
	return c.send(method, path, body, hdr, token)
}

func (c *Client) setToken(t string) {
	c.mu.Lock()
	c.token, c.version = t, c.version+1
	c.mu.Unlock()
}

// isAuthPath: a 401 from login, register or refresh is final, never an expiry.
func isAuthPath(path string) bool {
	return strings.HasPrefix(path, "/api/auth/") && path != "/api/auth/me"
}

func accessToken(body any) string {
	m, _ := body.(map[string]any)
	t, _ := m["accessToken"].(string)
	return t
}

func (c *Client) send(method, path string, body []byte, hdr map[string]string, token string) (Response, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return Response{}, err
	}
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
