// Command xoauth2 puts golang.org/x/oauth2 under test (the oauth2 profile), used as
// its package documentation shows:
//
//   - "Config.PasswordCredentialsToken" logs in (the resource owner password grant);
//   - "Config.Client" returns an *http.Client whose Transport adds the token and,
//     through "ReuseTokenSource", refreshes it with the refresh_token grant once the
//     token's Expiry (from expires_in, less the package's 10 s expiryDelta) has
//     passed by the machine's clock;
//   - the context carries the *http.Client the package sends its token requests with
//     (the "HTTPClient" context key), here the kit's, so they carry the instance header.
//
// The package refreshes only from Expiry: it never looks at a 401. Its Transport hands
// the application every answer, a 401 included, and a refresh that fails is an error
// of the request (*oauth2.RetrieveError), not an HTTP answer. It has no revocation: the
// logout posts the newest refresh token to the server's RFC 7009 endpoint itself and forgets
// the client. expected-failures.txt beside this file lists what the catalog says.
//
// One process keeps one token source, shared by its goroutines: here one per kit
// profile, so that instances (tabs) and restarts of a profile share it as a Go
// service's components share theirs. Each instance wraps it in a client of its own
// (oauth2.NewClient over the instance's transport), so its calls say which instance
// sent them; the token requests go out on a plain http.Client, as nothing ties them
// to one instance.
package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/tokenclock/tokenclock/clientunderTest/driver"
)

func main() {
	driver.Main(newAPI, driver.Options{Name: "x-oauth2", Version: "golang.org/x/oauth2 v0.38.0",
		Profiles: []string{"oauth2"}})
}

// session is one profile's logged-in state: the token source Config.Client builds
// (Config.TokenSource, which is a ReuseTokenSource), watched so the logout can
// revoke the newest refresh token (the package offers no way to read it).
type session struct {
	source *watched
}

// watched is a TokenSource that remembers the last token it handed out.
type watched struct {
	src  oauth2.TokenSource
	mu   sync.Mutex
	last *oauth2.Token
}

func (w *watched) Token() (*oauth2.Token, error) {
	t, err := w.src.Token()
	if err == nil {
		w.mu.Lock()
		w.last = t
		w.mu.Unlock()
	}
	return t, err
}

func (w *watched) latest() *oauth2.Token {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// The driver's one session: that of the kit profile of the current init (each init
// makes a new profile, and a new profile starts logged out).
var (
	sessionMu      sync.Mutex
	sessionProfile *driver.Profile
	current        *session
)

// sessionOf is p's session, nil when logged out.
func sessionOf(p *driver.Profile) *session {
	sessionMu.Lock()
	defer sessionMu.Unlock()
	if p != sessionProfile {
		sessionProfile, current = p, nil
	}
	return current
}

// setSession makes s (nil: logged out) p's session.
func setSession(p *driver.Profile, s *session) {
	sessionMu.Lock()
	defer sessionMu.Unlock()
	sessionProfile, current = p, s
}

type api struct {
	cfg  driver.Config
	conf *oauth2.Config
}

func newAPI(cfg driver.Config) driver.Adapter {
	return &api{cfg: cfg, conf: &oauth2.Config{
		ClientID:     cfg.OAuth2.ClientID,
		ClientSecret: cfg.OAuth2.ClientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: cfg.OAuth2.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
	}}
}

// tokenContext is where the package finds the *http.Client for its token requests:
// the source outlives any one call and any one instance.
func tokenContext() context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{})
}

func (a *api) Login(ctx context.Context, email, password string) (driver.Response, error) {
	tok, err := a.conf.PasswordCredentialsToken(context.WithValue(ctx, oauth2.HTTPClient, a.cfg.HTTPClient), email, password)
	if err != nil {
		return retrieveError(err)
	}
	w := &watched{src: a.conf.TokenSource(tokenContext(), tok), last: tok}
	setSession(a.cfg.Profile, &session{source: w})
	return driver.Response{Status: http.StatusOK, Body: []byte(`{"loggedIn":true}`)}, nil
}

func (a *api) Request(ctx context.Context, call driver.Call) (driver.Response, error) {
	client := a.cfg.HTTPClient // logged out: no token at all
	if s := sessionOf(a.cfg.Profile); s != nil {
		// Config.Client's client, on this instance's transport.
		client = oauth2.NewClient(context.WithValue(ctx, oauth2.HTTPClient, a.cfg.HTTPClient), s.source)
	}
	var body io.Reader
	if call.Body != nil {
		body = strings.NewReader(string(call.Body))
	}
	req, err := http.NewRequestWithContext(ctx, call.Method, a.cfg.BaseURL+call.Path, body)
	if err != nil {
		return driver.Response{}, err
	}
	if call.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range call.Headers {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		return driver.Response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return driver.Response{Status: res.StatusCode, Body: b}, err
}

// Logout revokes the newest refresh token (RFC 7009) and forgets the session.
func (a *api) Logout(ctx context.Context) (driver.Response, error) {
	s := sessionOf(a.cfg.Profile)
	setSession(a.cfg.Profile, nil)
	form := url.Values{"client_id": {a.conf.ClientID}, "client_secret": {a.conf.ClientSecret}}
	if s != nil {
		form.Set("token", s.source.latest().RefreshToken)
	}
	revoke := strings.TrimSuffix(a.cfg.OAuth2.TokenURL, "/token") + "/revoke"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, revoke, strings.NewReader(form.Encode()))
	if err != nil {
		return driver.Response{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return driver.Response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return driver.Response{Status: res.StatusCode, Body: b}, err
}

// retrieveError turns the token endpoint's refusal of a login into the answer the
// application saw (the package returns it as *oauth2.RetrieveError).
func retrieveError(err error) (driver.Response, error) {
	if re, ok := err.(*oauth2.RetrieveError); ok && re.Response != nil {
		return driver.Response{Status: re.Response.StatusCode, Body: re.Body}, nil
	}
	return driver.Response{}, err
}
