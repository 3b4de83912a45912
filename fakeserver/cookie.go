package fakeserver

import (
	"math"
	"net/http"
	"time"
)

// refreshCookieName is the spec's cookie name; clients depend on it.
const refreshCookieName = "refreshToken"

// setRefreshCookie adds the refresh cookie: HttpOnly, Path=PathAuthPrefix (for a
// refresh, Options.RotatedCookiePath when set), SameSite (Options.RefreshCookieSameSite,
// default Lax), Secure over TLS, Max-Age the token's remaining lifetime in whole
// seconds, rounded down: a freshly minted token gets exactly the refresh TTL even
// though its expiry was stamped a moment after now was read, and a browser never
// keeps a cookie past the server's own expiry.
func (s *Server) setRefreshCookie(rp reply, r *http.Request, rec *refreshRecord, now time.Time) reply {
	maxAge := int(math.Floor(rec.exp.Sub(now).Seconds()))
	if maxAge < 1 {
		maxAge = 1
	}
	path := PathAuthPrefix
	if r.URL.Path == PathRefresh && s.opts.RotatedCookiePath != "" {
		path = s.opts.RotatedCookiePath
	}
	c := &http.Cookie{
		Name: refreshCookieName, Value: rec.secret, Path: path,
		HttpOnly: true, SameSite: s.cookieSameSite(), Secure: r.TLS != nil, MaxAge: maxAge,
	}
	rp.header.Add("Set-Cookie", c.String())
	return rp
}

// clearRefreshCookie expires the cookie (Max-Age=0 and an Expires in the past).
func (s *Server) clearRefreshCookie(rp reply, r *http.Request) reply {
	c := &http.Cookie{
		Name: refreshCookieName, Value: "", Path: PathAuthPrefix, HttpOnly: true,
		SameSite: s.cookieSameSite(), Secure: r.TLS != nil, MaxAge: -1, Expires: time.Unix(0, 0),
	}
	rp.header.Add("Set-Cookie", c.String())
	return rp
}

// cookieSameSite is the refresh cookie's SameSite attribute (Lax unless set).
func (s *Server) cookieSameSite() http.SameSite {
	if s.opts.RefreshCookieSameSite == 0 || s.opts.RefreshCookieSameSite == http.SameSiteDefaultMode {
		return http.SameSiteLaxMode
	}
	return s.opts.RefreshCookieSameSite
}
