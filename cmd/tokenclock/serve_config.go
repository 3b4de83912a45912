package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// DefaultServeClientSecret is serve's oauth2 client_secret unless --client-secret
// says otherwise: a fixed, documented development value, so a client under
// development can be configured once (a scenario's server makes a random one).
const DefaultServeClientSecret = "tokenclock-dev-secret"

// maxTTL bounds the TTL flags: JWT times and RFC 3339 stop making sense far out.
const maxTTL = 100 * 365 * 24 * time.Hour

// seedUser is one --seed-user name:email:password.
type seedUser struct {
	Name, Email, Password string
}

// serveConfig is everything `tokenclock serve` reads from its command line.
type serveConfig struct {
	Addr         string
	ControlAddr  string // "": control API under /_tokenclock/ on Addr
	AccessTTL    time.Duration
	RefreshTTL   time.Duration
	Rotation     bool
	ReuseGrace   time.Duration
	GraphQLAuth  string // --graphql-auth: how POST /graphql signals a refused token
	Profile      string // --profile: cookie or oauth2
	ClientID     string // --client-id, --client-secret: the oauth2 profile's one client
	ClientSecret string
	CORSOrigin   string
	SeedUsers    []seedUser
	AllowOrigins []string // --allow-origin: web pages that may call the control API
	AllowHosts   []string // --allow-host: Host names the control API answers besides loopback
	Limits       serveLimits
}

// serveLimits are the bounds on what a long serve session keeps, and its
// connection timeouts (fakeserver.Options; docs/fake-server-api.md lists them).
type serveLimits struct {
	JournalLimit, JournalMaxBytes                  int
	MaxUsers, MaxUserBytes, MaxFamilies, MaxTokens int
	MaxIdeas, MaxIdeasPerUser, MaxIdeaBytes        int
	PageSize                                       int
	ReadTimeout, IdleTimeout                       time.Duration
	MemoryLimit                                    int64 // bytes; 0: defaultMemoryLimit
}

// defaultMemoryLimit is serve's soft memory limit (runtime/debug.SetMemoryLimit):
// with the default bounds the live heap stays under about 95 MB, and Go's collector
// would otherwise let the heap grow to twice the live size between collections.
const defaultMemoryLimit = 128 << 20

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// seedUsers is the repeatable --seed-user flag.
type seedUsers []seedUser

func (s *seedUsers) String() string {
	if s == nil {
		return ""
	}
	emails := make([]string, len(*s))
	for i, u := range *s {
		emails[i] = u.Email
	}
	return strings.Join(emails, ",")
}

// Set parses name:email:password. The password is everything after the second
// colon, so it may itself contain colons.
func (s *seedUsers) Set(v string) error {
	parts := strings.SplitN(v, ":", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return errors.New(`want name:email:password, e.g. "Ada:ada@example.test:correct horse"`)
	}
	u := seedUser{Name: parts[0], Email: parts[1], Password: parts[2]}
	if !strings.Contains(u.Email, "@") {
		return fmt.Errorf("%q is not an email address", u.Email)
	}
	for _, seen := range *s {
		if strings.EqualFold(seen.Email, u.Email) {
			return fmt.Errorf("%s is seeded twice", u.Email)
		}
	}
	*s = append(*s, u)
	return nil
}

// parseServeFlags reads serve's flags. -h answers flag.ErrHelp; any other error is a
// usage error, already explained on stderr with the flag list.
func parseServeFlags(args []string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	var users seedUsers
	fs := flag.NewFlagSet("tokenclock serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8088", "`host:port` to serve the API on (loopback unless you say otherwise; port 0 picks a free one)")
	fs.StringVar(&c.ControlAddr, "control-addr", "", "`host:port` for the control API on its own listener; default: under "+fakeserver.ControlPrefix+" on --addr")
	fs.DurationVar(&c.AccessTTL, "access-ttl", time.Minute, "access token lifetime")
	fs.DurationVar(&c.RefreshTTL, "refresh-ttl", 168*time.Hour, "refresh token lifetime")
	fs.BoolVar(&c.Rotation, "rotation", true, "rotate the refresh token on each refresh (false: the seed's backend)")
	fs.DurationVar(&c.ReuseGrace, "reuse-grace", 0, "how long the previous refresh token may be presented again without counting as reuse")
	fs.StringVar(&c.GraphQLAuth, "graphql-auth", string(fakeserver.GraphQLAuthStatus),
		"how POST /graphql signals a refused access token: `status` (401, as REST) or errors (200 with an UNAUTHENTICATED error)")
	fs.StringVar(&c.Profile, "profile", fakeserver.ProfileCookie, "how clients log in and refresh: cookie (POST /api/auth/login and /refresh, an HttpOnly cookie) or oauth2 (POST "+fakeserver.PathToken+", password and refresh_token grants)")
	fs.StringVar(&c.ClientID, "client-id", fakeserver.DefaultOAuthClientID, "the oauth2 profile's client_id")
	fs.StringVar(&c.ClientSecret, "client-secret", DefaultServeClientSecret, "the oauth2 profile's client_secret (a development value: serve is for your machine)")
	fs.StringVar(&c.CORSOrigin, "cors-origin", "", "the one exact `origin` allowed to call with credentials, e.g. http://localhost:5173")
	fs.Var(&users, "seed-user", "`name:email:password` to register at start (repeatable)")
	var origins, hosts stringList
	fs.Var(&origins, "allow-origin", "an `origin` whose web pages may call the control API, e.g. http://localhost:5173 (repeatable)")
	fs.Var(&hosts, "allow-host", "a `host` name the control API answers to besides loopback and the --addr host (repeatable)")
	l := &c.Limits
	// The bounds default to 0, which fakeserver reads as its documented default (the
	// usage text names it), so a config parsed from no flags stays the zero value.
	bound := func(v *int, name string, def int, usage string) {
		fs.IntVar(v, name, 0, fmt.Sprintf("%s (default %d)", usage, def))
	}
	bound(&l.JournalLimit, "journal-limit", fakeserver.DefaultJournalLimit, "journal entries kept (the oldest are dropped)")
	bound(&l.JournalMaxBytes, "journal-max-bytes", fakeserver.DefaultJournalMaxBytes, "`bytes` the journal keeps (serve keeps no request bodies)")
	bound(&l.MaxUsers, "max-users", fakeserver.DefaultMaxUsers, "users registered over HTTP kept, least recently used forgotten (--seed-user users stay)")
	bound(&l.MaxUserBytes, "max-user-bytes", fakeserver.DefaultMaxUserBytes, "`bytes` of those users' names, emails and passwords kept")
	bound(&l.MaxFamilies, "max-families", fakeserver.DefaultMaxFamilies, "refresh families (sessions) kept, least recently used forgotten")
	bound(&l.MaxTokens, "max-tokens", fakeserver.DefaultMaxTokens, "access tokens kept, and as many refresh tokens")
	bound(&l.MaxIdeas, "max-ideas", fakeserver.DefaultMaxIdeas, "ideas kept, least recently used forgotten")
	bound(&l.MaxIdeasPerUser, "max-ideas-per-user", fakeserver.DefaultMaxIdeasPerUser, "ideas kept per user")
	bound(&l.MaxIdeaBytes, "max-idea-bytes", fakeserver.DefaultMaxIdeaBytes, "`bytes` of idea text kept")
	bound(&l.PageSize, "page-size", fakeserver.DefaultPageSize, "most ideas GET /api/ideas answers (?_limit is capped to it)")
	fs.DurationVar(&l.ReadTimeout, "read-timeout", 0, fmt.Sprintf("time to read one request, headers and body (default %v)", fakeserver.DefaultReadTimeout))
	fs.Int64Var(&l.MemoryLimit, "memory-limit", 0, fmt.Sprintf("soft memory limit of the process in `bytes`: the garbage collector works harder near it (default %d; GOMEMLIMIT takes precedence over the default)", defaultMemoryLimit))
	fs.DurationVar(&l.IdleTimeout, "idle-timeout", 0, fmt.Sprintf("time an idle keep-alive connection stays open (default %v)", fakeserver.DefaultIdleTimeout))
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: tokenclock serve [flags]\n\n"+
			"Runs the fake auth + ideas server on real time plus an offset that the\n"+
			"control API moves (POST "+fakeserver.ControlPrefix+"clock/advance, /expire, ...).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	c.SeedUsers = users
	c.AllowOrigins, c.AllowHosts = origins, hosts
	if err := c.check(fs.Args()); err != nil {
		fmt.Fprintf(stderr, "tokenclock serve: %v\n", err)
		fs.Usage()
		return c, err
	}
	return c, nil
}

// check rejects values the server could only misbehave with.
func (c serveConfig) check(rest []string) error {
	switch {
	case len(rest) > 0:
		return fmt.Errorf("unexpected argument %q (serve takes only flags)", rest[0])
	case c.Addr == "":
		return errors.New("--addr must not be empty")
	case c.AccessTTL <= 0 || c.AccessTTL > maxTTL:
		return fmt.Errorf("--access-ttl must be more than 0 and at most %v", maxTTL)
	case c.RefreshTTL <= 0 || c.RefreshTTL > maxTTL:
		return fmt.Errorf("--refresh-ttl must be more than 0 and at most %v", maxTTL)
	case c.ReuseGrace < 0 || c.ReuseGrace > c.RefreshTTL:
		return errors.New("--reuse-grace must be 0 or more and at most --refresh-ttl")
	case c.Profile != fakeserver.ProfileCookie && c.Profile != fakeserver.ProfileOAuth2:
		return fmt.Errorf("--profile must be %s, not %q", strings.Join(fakeserver.Profiles, " or "), c.Profile)
	case c.Profile == fakeserver.ProfileOAuth2 && (c.ClientID == "" || c.ClientSecret == ""):
		return errors.New("--client-id and --client-secret must not be empty")
	case c.GraphQLAuth != string(fakeserver.GraphQLAuthStatus) && c.GraphQLAuth != string(fakeserver.GraphQLAuthErrors):
		return fmt.Errorf("--graphql-auth must be %s or %s, not %q", fakeserver.GraphQLAuthStatus, fakeserver.GraphQLAuthErrors, c.GraphQLAuth)
	case c.ControlAddr != "" && c.ControlAddr == c.Addr && !strings.HasSuffix(c.Addr, ":0"):
		return errors.New("--control-addr must differ from --addr (leave it out to share the listener)")
	}
	if c.CORSOrigin != "" {
		if err := checkOrigin(c.CORSOrigin); err != nil {
			return fmt.Errorf("--cors-origin: %w", err)
		}
	}
	for _, o := range c.AllowOrigins {
		if err := checkOrigin(o); err != nil {
			return fmt.Errorf("--allow-origin: %w", err)
		}
	}
	for _, h := range c.AllowHosts {
		if h == "" || strings.ContainsAny(h, "/?#@ ") {
			return fmt.Errorf("--allow-host: %q is not a host name such as tokenclock.internal", h)
		}
	}
	return c.Limits.check()
}

// check: no bound or timeout may be negative (0 is the default).
func (l serveLimits) check() error {
	for _, v := range []struct {
		flag string
		n    int64
	}{
		{"--journal-limit", int64(l.JournalLimit)}, {"--journal-max-bytes", int64(l.JournalMaxBytes)},
		{"--max-users", int64(l.MaxUsers)}, {"--max-user-bytes", int64(l.MaxUserBytes)},
		{"--max-families", int64(l.MaxFamilies)}, {"--max-tokens", int64(l.MaxTokens)},
		{"--max-ideas", int64(l.MaxIdeas)}, {"--max-ideas-per-user", int64(l.MaxIdeasPerUser)},
		{"--max-idea-bytes", int64(l.MaxIdeaBytes)}, {"--page-size", int64(l.PageSize)},
		{"--read-timeout", int64(l.ReadTimeout)}, {"--idle-timeout", int64(l.IdleTimeout)},
		{"--memory-limit", l.MemoryLimit},
	} {
		if v.n < 0 {
			return fmt.Errorf("%s must not be negative (0 or absent: the default)", v.flag)
		}
	}
	return nil
}

// controlHosts are the Host names the control API answers to besides loopback:
// the --addr and --control-addr hosts (when they name one) and --allow-host.
func (c serveConfig) controlHosts() []string {
	hosts := append([]string(nil), c.AllowHosts...)
	for _, addr := range []string{c.Addr, c.ControlAddr} {
		if host, _, err := net.SplitHostPort(addr); err == nil && host != "" {
			hosts = append(hosts, host)
		}
	}
	return hosts
}

// checkOrigin accepts exactly an origin: scheme://host[:port], nothing after it,
// since browsers compare the Origin header byte for byte.
func checkOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", o, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q is not an origin like http://localhost:5173", o)
	}
	if u.Path == "/" {
		return fmt.Errorf("%q: an origin has no trailing slash (try %s://%s)", o, u.Scheme, u.Host)
	}
	return nil
}
