package fakeserver

import (
	"net/http"
	"time"

	"github.com/jonboulle/clockwork"
)

// Options configure a Server. They are read once by New; zero values take the
// defaults of the spec (fake-server-api.md) and the documented bounds below.
type Options struct {
	// Clock is the server's notion of "now" for every token decision. The harness
	// passes a clockwork fake clock started on a whole second (ScenarioClockStart),
	// which Advance and the Expire helpers then move themselves: one clock. serve
	// passes the real clock, which cannot be moved: there they add to an offset on
	// top of it. Default: the real clock.
	Clock clockwork.Clock
	// Profile is how clients log in and refresh: ProfileCookie (POST PathLogin and
	// PathRefresh, the refresh token in an HttpOnly cookie) or ProfileOAuth2 (POST
	// PathToken with grant_type password or refresh_token, the refresh token in the
	// form body and the JSON answer). The other profile's auth endpoints answer 404.
	// Tokens, rotation, reuse detection, revocation, faults and the journal work the
	// same under both. Default ProfileCookie.
	Profile string
	// OAuthClientID and OAuthClientSecret are the one client the oauth2 profile's
	// token endpoint accepts. Defaults: DefaultOAuthClientID and a random secret per
	// server, which Secrets lists, so reports scrub it like a token.
	OAuthClientID     string
	OAuthClientSecret string
	// OAuthNoRefreshInAnswer makes a refresh_token grant answer without a
	// refresh_token when the family's refresh token is still the one presented
	// (NoRotation): RFC 6749 §6 lets a server keep the old refresh token valid and say
	// nothing, and the client must keep using it. A rotated or grace-re-sent token is
	// always named. Default false: the answer always carries the family's current
	// refresh token.
	OAuthNoRefreshInAnswer bool
	// AccessTTL is the access token lifetime. Default 1 minute.
	AccessTTL time.Duration
	// RefreshTTL is the refresh token lifetime. Default 7 days.
	RefreshTTL time.Duration
	// NoRotation turns refresh-token rotation off (the seed tutorial's backend):
	// a refresh answers a new access token and the same refresh token stays valid.
	NoRotation bool
	// ReuseGrace lets the immediately previous refresh token of a family be presented
	// again within this long after it was rotated, without counting as reuse. Default 0.
	ReuseGrace time.Duration
	// AuthAfterUploadBody makes an upload (POST PathAttachments) judge its access
	// token after its whole body has arrived, against the clock then, so a token
	// can expire mid-upload (a scenario advances the clock while the body streams)
	// and the client must send the body again after refreshing. Default false: as
	// every protected endpoint, an upload judges its token when it is handled (after
	// any delay or hold), which for an upload is before its first body byte is read.
	// Either way the whole body is read before the answer (a 401 too).
	AuthAfterUploadBody bool
	// HoldBound is the real time after which a held request releases by itself, so
	// nothing can deadlock a run. Default 2 s.
	HoldBound time.Duration
	// RefreshCookieSameSite is the refresh cookie's SameSite attribute. Default
	// http.SameSiteLaxMode (what the browser also assumes for a cookie without one).
	RefreshCookieSameSite http.SameSite
	// RotatedCookiePath, when set, is the Path of the refresh cookie a refresh sets
	// (login and logout keep PathAuthPrefix): a server that gets it wrong. A browser
	// then keeps both cookies, and sends the rotated one to the refresh only when this
	// Path covers PathRefresh.
	RotatedCookiePath string
	// CORSOrigin, when set, is the one exact origin allowed to call the API with
	// credentials (for a SPA dev server).
	CORSOrigin string
	// GraphQLAuthSignal is how POST /graphql answers a refused access token:
	// GraphQLAuthStatus (401 with WWW-Authenticate, as REST does) or GraphQLAuthErrors
	// (200 with an UNAUTHENTICATED error), the two conventions GraphQL servers follow;
	// a scenario picks the one its client must cope with. Default GraphQLAuthStatus.
	GraphQLAuthSignal GraphQLAuthSignal
	// OnRequest, when set, is called once per finished request with its journal entry
	// (serve logs one line per request with it). It must not block.
	OnRequest func(Entry)
	// Page, when set, serves everything under PagePrefix on the API's listener: a
	// browser client's page and scripts, so the page and the API share one origin.
	// Its requests are not journalled and never reach the API or the control API.
	Page http.Handler
	// ExposeControl serves the control API (ControlHandler) under /_tokenclock/ on the
	// same listener as the API. Control requests are not journalled.
	ExposeControl bool
	// SigningKey signs access tokens (HS256). Default: 32 random bytes per server.
	SigningKey []byte

	// Journal bounds. Every bound drops the oldest entries first and counts them
	// (State().JournalDropped).

	// JournalLimit bounds the journal's entries. Default 100 000.
	JournalLimit int
	// JournalMaxBytes bounds the bytes the journal holds: each entry counts
	// JournalEntryOverhead plus its strings (method, path, labels, times, hash) and
	// the body it keeps. Default 48 MiB: about 120 000 entries of short paths
	// without bodies, so JournalLimit binds first in serve.
	JournalMaxBytes int
	// JournalBodyBytes is how many bytes of each request body its entry keeps in
	// Entry.Body (the harness compares bodies for RC5). 0 takes the default,
	// MaxBodyBytes: every body the server accepts is kept whole. A longer body keeps
	// its first JournalBodyBytes bytes and sets Entry.BodyTruncated. JournalNoBodies
	// (any negative value) keeps none: what serve uses. BodySha256 always covers the
	// whole body, kept or not.
	JournalBodyBytes int

	// Store bounds. Beyond a bound the least recently used record is forgotten, as if
	// it had never existed: see the doc of each field for what "used" means and what
	// a client then sees. State().Evicted counts what was forgotten.

	// MaxUsers bounds the users registered over HTTP (used: registered, logged in,
	// refreshed). A forgotten user's ideas go with it, and its sessions end: its
	// refresh and access tokens answer 401 like unknown ones. Users added through the
	// Go API (AddUser: serve's --seed-user, the harness's user) are never forgotten
	// and not counted. Default 10 000.
	MaxUsers int
	// MaxUserBytes bounds the text (name, email, password) of the users counted by
	// MaxUsers, plus an overhead per user for the record. Default 8 MiB.
	MaxUserBytes int
	// MaxFamilies bounds the refresh families (used: started by a login or register,
	// refreshed). A forgotten family's refresh tokens answer 401 like unknown ones
	// (journalled "?" invalid); its access tokens stay valid until they expire, as
	// after a logout. Default 10 000.
	MaxFamilies int
	// MaxTokens bounds the access tokens and, separately, the refresh tokens the
	// server remembers. Access tokens are forgotten in order of issue, refresh tokens
	// least recently issued or used first; a forgotten token answers 401 like an
	// unknown one, and a family whose current refresh token is forgotten is
	// forgotten with it. Default 20 000 of each.
	MaxTokens int
	// MaxIdeas bounds the ideas (used: created or replaced). Default 10 000.
	MaxIdeas int
	// MaxIdeasPerUser bounds the ideas one user owns; a user's least recently used
	// idea makes room for its new one. Default 1 000.
	MaxIdeasPerUser int
	// MaxIdeaBytes bounds the ideas' text (title, summary, description, tags) plus
	// an overhead per idea for the record. Default 16 MiB.
	MaxIdeaBytes int
	// PageSize is the most ideas GET /api/ideas answers: the first PageSize, newest
	// first; a larger ?_limit is capped to it. Default 100.
	PageSize int
	// MaxIdempotencyKeys bounds the Idempotency-Key answers kept (used: kept,
	// answered again) and, separately, the key labels. A forgotten key is new
	// again: the same key then creates a second idea. Default 10 000.
	MaxIdempotencyKeys int
	// MaxIdempotencyBytes bounds the kept answers' bodies plus an overhead per
	// answer. Default 16 MiB.
	MaxIdempotencyBytes int

	// Connection timeouts of Start, StartAt and HTTPServer (real time). Neither cuts
	// a held or delayed request: the body is read before any hold, and the idle
	// timeout runs only between requests. (An upload's body is read when it is
	// handled, after any hold: it must still arrive within ReadTimeout.)

	// ReadTimeout bounds reading one request, headers and body: a client that
	// trickles its body is cut off (journalled 400, "the request body could not be
	// read") and its connection closed. Headers alone are bounded by 10 s (or
	// ReadTimeout when shorter). Default 30 s.
	ReadTimeout time.Duration
	// IdleTimeout closes a keep-alive connection that has not started its next
	// request within this long. Default 60 s.
	IdleTimeout time.Duration

	// Control API: who may call it (it has no authentication). Requests without an
	// Origin header (curl, scripts) are accepted whatever their content type.

	// ControlAllowOrigins are origins (scheme://host[:port], exact) allowed to call
	// the control API from a web page besides the server's own origin; they also get
	// CORS answers. Any other Origin, and Sec-Fetch-Site: cross-site from any other
	// page, is refused with 403.
	ControlAllowOrigins []string
	// ControlAllowHosts are host names (or IPs) the control API accepts in the Host
	// header besides the loopback names (localhost, 127.0.0.0/8, ::1); any other
	// Host is refused with 403, which stops DNS rebinding. serve adds its --addr
	// host and --allow-host.
	ControlAllowHosts []string
}

// Defaults used when an Options field is zero (or, for counts, bytes and timeouts,
// not positive).
const (
	DefaultOAuthClientID   = "tokenclock-app"
	DefaultAccessTTL       = time.Minute
	DefaultRefreshTTL      = 7 * 24 * time.Hour
	DefaultHoldBound       = 2 * time.Second
	DefaultJournalLimit    = 100_000
	DefaultJournalMaxBytes = 48 << 20
	DefaultMaxUsers        = 10_000
	DefaultMaxUserBytes    = 8 << 20
	DefaultMaxFamilies     = 10_000
	DefaultMaxTokens       = 20_000
	DefaultMaxIdeas        = 10_000
	DefaultMaxIdeasPerUser = 1_000
	DefaultMaxIdeaBytes    = 16 << 20
	DefaultPageSize        = 100
	DefaultReadTimeout     = 30 * time.Second
	DefaultIdleTimeout     = 60 * time.Second
	// MaxBodyBytes is the largest request body the server reads; larger is 413. It is
	// also the default of JournalBodyBytes.
	MaxBodyBytes = 1 << 20
	// JournalNoBodies as Options.JournalBodyBytes keeps no request body in the journal.
	JournalNoBodies = -1
	// JournalPathBytes is the longest method or path an entry keeps: a longer one is
	// cut to this many bytes and marked "…[truncated: N bytes]" (N the whole length).
	JournalPathBytes = 2048
	// JournalEntryOverhead is what JournalMaxBytes counts for one entry besides its
	// strings and body: what the Entry and its allocations cost in memory (a
	// journalled GET measures about 370 bytes in all).
	JournalEntryOverhead = 320
	// readHeaderTimeout bounds how long a connection may dribble its headers.
	readHeaderTimeout = 10 * time.Second

	// DefaultMaxIdempotencyKeys and DefaultMaxIdempotencyBytes bound the
	// Idempotency-Key store: far beyond a scenario's 2000 requests.
	DefaultMaxIdempotencyKeys  = 10_000
	DefaultMaxIdempotencyBytes = 16 << 20
)

// withDefaults fills what was left zero.
func (o Options) withDefaults() Options {
	if o.Clock == nil {
		o.Clock = clockwork.NewRealClock()
	}
	orDuration := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	orInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	orDuration(&o.AccessTTL, DefaultAccessTTL)
	orDuration(&o.RefreshTTL, DefaultRefreshTTL)
	orDuration(&o.HoldBound, DefaultHoldBound)
	orDuration(&o.ReadTimeout, DefaultReadTimeout)
	orDuration(&o.IdleTimeout, DefaultIdleTimeout)
	orInt(&o.JournalLimit, DefaultJournalLimit)
	orInt(&o.JournalMaxBytes, DefaultJournalMaxBytes)
	orInt(&o.MaxUsers, DefaultMaxUsers)
	orInt(&o.MaxUserBytes, DefaultMaxUserBytes)
	orInt(&o.MaxFamilies, DefaultMaxFamilies)
	orInt(&o.MaxTokens, DefaultMaxTokens)
	orInt(&o.MaxIdeas, DefaultMaxIdeas)
	orInt(&o.MaxIdeasPerUser, DefaultMaxIdeasPerUser)
	orInt(&o.MaxIdeaBytes, DefaultMaxIdeaBytes)
	orInt(&o.PageSize, DefaultPageSize)
	orInt(&o.MaxIdempotencyKeys, DefaultMaxIdempotencyKeys)
	orInt(&o.MaxIdempotencyBytes, DefaultMaxIdempotencyBytes)
	switch {
	case o.JournalBodyBytes == 0 || o.JournalBodyBytes > MaxBodyBytes:
		o.JournalBodyBytes = MaxBodyBytes
	case o.JournalBodyBytes < 0:
		o.JournalBodyBytes = 0
	}
	if o.Profile != ProfileOAuth2 {
		o.Profile = ProfileCookie // "" and any unknown value: callers check with ParseProfile
	}
	if o.OAuthClientID == "" {
		o.OAuthClientID = DefaultOAuthClientID
	}
	if o.OAuthClientSecret == "" {
		o.OAuthClientSecret = randomString(24)
	}
	if o.GraphQLAuthSignal != GraphQLAuthErrors {
		o.GraphQLAuthSignal = GraphQLAuthStatus // "" and any unknown value
	}
	if o.ReuseGrace < 0 {
		o.ReuseGrace = 0
	}
	o.ControlAllowOrigins = append([]string(nil), o.ControlAllowOrigins...)
	o.ControlAllowHosts = append([]string(nil), o.ControlAllowHosts...)
	return o
}
