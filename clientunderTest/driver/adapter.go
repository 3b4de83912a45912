package driver

import (
	"context"
	"encoding/json"
	"log"
	"net/http"
)

// Adapter is one instance of the client under test, as the kit drives it: each method
// goes through the client's own code (interceptors, refresh and replay included) and
// returns what the application finally sees. The kit calls the methods concurrently,
// one goroutine per command, so that concurrent commands really are concurrent.
//
// An Adapter that also implements io.Closer is closed when the kit throws it away (a
// restart, the next init, the end of the run), after its Config.Context was cancelled.
type Adapter interface {
	// Login logs in the way the application does (POST /api/auth/login) and keeps the
	// tokens where the client keeps them.
	Login(ctx context.Context, email, password string) (Response, error)
	// Request sends call through the client's normal authenticated path. ctx is
	// cancelled when the harness cancels this very call (feature cancel) and when the
	// instance is thrown away.
	Request(ctx context.Context, call Call) (Response, error)
	// Logout is the application's logout: POST /api/auth/logout, then forget the tokens.
	Logout(ctx context.Context) (Response, error)
}

// NewAdapter builds a fresh instance of the client for cfg. The kit calls it for every
// instance on init and again on restart, with the same cfg.Profile, so that only what
// the profile keeps (cookie jar, storage) survives a restart. It runs on the kit's
// command loop: it must return at once, doing no network call.
type NewAdapter func(cfg Config) Adapter

// Call is one request command: what the application asks its client to send.
type Call struct {
	Method string
	// Path is the request's path and query, relative to Config.BaseURL.
	Path string
	// Body is the command's JSON body, nil when the command has none.
	Body json.RawMessage
	// Headers are the caller's own headers (an Idempotency-Key, say); nil when none.
	Headers map[string]string
}

// Response is the HTTP outcome the application saw. The kit turns Body into the
// reply's body: parsed JSON as it is, other text as a string, an empty body as null.
// A call that got no HTTP response at all returns an error instead.
type Response struct {
	Status int
	Body   []byte
}

// Config is what one instance of the client is built with.
type Config struct {
	// BaseURL is the fake server's origin, without a trailing slash.
	BaseURL string
	// Scenario is the ID of the scenario being played, for logs.
	Scenario string
	// Instance is this instance's number (0-based) and Instances how many init made:
	// the tabs of one browser profile (feature instances).
	Instance, Instances int

	// Context ends when the kit throws this instance away (restart, init, exit). Work
	// that no single caller owns, such as a refresh that several calls wait for, runs
	// under it: a caller's cancel must not abort it, a restart must.
	Context context.Context
	// HTTPClient sends with the profile's cookie jar and through Transport. Build the
	// client on it (or on Transport) and the instance header cannot be forgotten.
	HTTPClient *http.Client
	// Transport tags every request with the X-Tokenclock-Instance header of this
	// instance and aborts whatever is still in flight when the instance is thrown
	// away. For libraries that build their own http.Client: give them this transport
	// and Profile.Jar.
	Transport http.RoundTripper
	// Profile is what the instances share and what survives a restart: the cookie
	// jar, storage and a profile-wide lock. It is new on every init.
	Profile *Profile
	// OAuth2 is the server's profile and, under oauth2, its token endpoint and client
	// credentials.
	OAuth2 OAuth2
	// Clock is the client's clock (feature clock, when Options.Clock announces it):
	// it starts at the server's time on init and the harness sets and ticks it. One
	// clock serves every instance, as one machine's clock serves its tabs.
	Clock *Clock
	// Log writes to stderr, which the harness attaches to the scenario's report.
	Log *log.Logger
}

// Options describe the driver in its hello reply.
type Options struct {
	// Name and Version name the client in reports ("my-client", "resty v2.17.2").
	Name, Version string
	// MaxConcurrency is the most requests the client ever has in flight, when it has
	// such a limit (a pool); 0 for none.
	MaxConcurrency int
	// Clock announces feature clock: set it only when the client reads Config.Clock
	// for every time it takes and every timer it sets. A client that ignores the clock
	// would pass rows it never played.
	Clock bool
	// Profiles are the server profiles the client can log in and refresh under
	// ("cookie", "oauth2"); nil announces cookie alone.
	Profiles []string
	// Log is where the kit and the adapters log; os.Stderr when nil.
	Log *log.Logger
}

// OAuth2 is the server profile an instance runs under (init's profile fields).
type OAuth2 struct {
	// Profile is "cookie" (POST /api/auth/login and /refresh with the refresh cookie)
	// or "oauth2" (the token endpoint below).
	Profile string
	// TokenURL is the OAuth 2 token endpoint (RFC 6749 §3.2); its revocation
	// endpoint (RFC 7009) is TokenURL's sibling /oauth/revoke. Empty under cookie.
	TokenURL string
	// ClientID and ClientSecret authenticate the client at the token endpoint.
	ClientID, ClientSecret string
}
