package main

import (
	"net"
	"net/url"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// printBanner tells the person at the terminal where to point their client and how
// to move the clock. Browser cookies are per site, so it also names the host to use.
func printBanner(out *requestLog, cfg serveConfig, apiURL, controlURL string) {
	apiURL = dialableURL(apiURL)
	controlURL = dialableURL(controlURL)
	out.Printf("tokenclock serve: API on %s (access TTL %v, refresh TTL %v, rotation %v, reuse grace %v)",
		apiURL, cfg.AccessTTL, cfg.RefreshTTL, cfg.Rotation, cfg.ReuseGrace)
	if cfg.Profile == fakeserver.ProfileOAuth2 {
		secret := "the development default " + DefaultServeClientSecret
		if cfg.ClientSecret != DefaultServeClientSecret {
			secret = "yours (--client-secret)"
		}
		out.Printf("  OAuth 2 profile: token endpoint %s%s (password and refresh_token grants), revocation %s%s",
			apiURL, fakeserver.PathToken, apiURL, fakeserver.PathRevoke)
		out.Printf("  client_id %s, client_secret %s", cfg.ClientID, secret)
	}
	out.Printf("  control API: %s  e.g. curl -X POST %sexpire -d '{\"what\":\"access\"}'", controlURL, controlURL)
	out.Printf("  web console: %sui/  (watch the requests live, expire, revoke, inject faults)", controlURL)
	for _, u := range cfg.SeedUsers {
		out.Printf("  seeded user: %s <%s>", u.Name, u.Email)
	}
	if cfg.CORSOrigin != "" {
		out.Printf("  app at %s: call the API as %s", cfg.CORSOrigin, sameHostURL(apiURL, cfg.CORSOrigin))
	}
	if cfg.Profile != fakeserver.ProfileOAuth2 {
		out.Println("  browsers: serve the app and the API under the same host name (localhost and 127.0.0.1")
		out.Println("  are different sites; the SameSite=Lax refresh cookie set by one is not sent to the other)")
	}
	out.Println("  one line per request follows; Ctrl-C stops")
}

// dialableURL swaps an unspecified listen host (0.0.0.0, ::) for 127.0.0.1, which a
// client can actually dial.
func dialableURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && ip.IsUnspecified() {
		u.Host = net.JoinHostPort("127.0.0.1", u.Port())
	}
	return u.String()
}

// sameHostURL is apiURL with the host name of origin, so a browser app served from
// origin sends the refresh cookie to the API (same site).
func sameHostURL(apiURL, origin string) string {
	api, err1 := url.Parse(apiURL)
	o, err2 := url.Parse(origin)
	if err1 != nil || err2 != nil || api.Port() == "" {
		return apiURL
	}
	api.Host = net.JoinHostPort(o.Hostname(), api.Port())
	return api.String()
}
