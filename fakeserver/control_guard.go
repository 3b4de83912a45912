package fakeserver

import (
	"net"
	"net/http"
	"strconv"
	"strings"
)

// The control API has no authentication: it trusts whoever can reach it, which on
// loopback is the person at the machine and their scripts. Web pages they visit can
// reach loopback too, so it refuses what only a browser sends on a page's behalf:
//
//   - an Origin that is not the server's own nor one of ControlAllowOrigins (a page
//     elsewhere posting a "simple" text/plain request needs no preflight);
//   - Sec-Fetch-Site: cross-site, unless the Origin is one of ControlAllowOrigins;
//   - a Host that is not a loopback name nor one of ControlAllowHosts (a page on a
//     DNS-rebound name reaches the server under that name, same-origin to itself).
//
// curl, scripts and the harness send no Origin and a loopback Host: accepted,
// whatever their content type.

// controlRefusal says why r may not use the control API, "" when it may, and
// whether its Origin is one of ControlAllowOrigins (it then gets CORS headers).
func (s *Server) controlRefusal(r *http.Request) (refusal string, allowedOrigin bool) {
	if !s.controlHostAllowed(r.Host) {
		return "the control API does not answer to Host " + quoteForMessage(r.Host) +
			": only loopback names (localhost, 127.0.0.1, [::1]) and the listen address" +
			" (serve --allow-host adds others)", false
	}
	origins := r.Header.Values("Origin")
	for _, o := range origins {
		switch {
		case s.originAllowed(o):
			allowedOrigin = true
		case !sameOrigin(r, o):
			return "the control API refuses requests from web pages: Origin " + quoteForMessage(o) +
				" is not this server's (serve --allow-origin allows one)", false
		}
	}
	if len(origins) > 1 {
		allowedOrigin = false // only one Origin gets CORS answers
	}
	if strings.EqualFold(r.Header.Get("Sec-Fetch-Site"), "cross-site") && !allowedOrigin {
		return "the control API refuses cross-site requests from web pages (Sec-Fetch-Site: cross-site)", false
	}
	return "", allowedOrigin
}

// controlHostAllowed: loopback names, and ControlAllowHosts, compared without the
// port and without regard to case. An empty Host (HTTP/1.0) is refused.
func (s *Server) controlHostAllowed(hostport string) bool {
	host := hostOnly(hostport)
	if host == "" {
		return false
	}
	if host == "localhost" {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	for _, h := range s.opts.ControlAllowHosts {
		if hostOnly(h) == host {
			return true
		}
	}
	return false
}

// hostOnly is the host of host[:port] or [v6]:port, lower case, without a
// trailing dot or brackets.
func hostOnly(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.Trim(h, "[]"), ".")
	return strings.ToLower(h)
}

// originAllowed: one of ControlAllowOrigins, exactly (origins are compared without
// regard to case, as browsers send them lower case).
func (s *Server) originAllowed(origin string) bool {
	for _, o := range s.opts.ControlAllowOrigins {
		if strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// sameOrigin: the Origin names the server as the request reached it (scheme and
// Host), e.g. a page the server itself served.
func sameOrigin(r *http.Request, origin string) bool {
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return r.Host != "" && strings.EqualFold(origin, scheme+r.Host)
}

// quoteForMessage quotes a request-supplied value for an error message, cut short,
// with control characters escaped.
func quoteForMessage(v string) string { return strconv.Quote(clipString(v, 200)) }

// controlCORS gives an allowed origin the CORS headers that let its page read
// control answers.
func controlCORS(w http.ResponseWriter, origin string) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
}

// controlPreflight answers an allowed origin's OPTIONS on a known control path.
func controlPreflight(w http.ResponseWriter, allow string) {
	h := w.Header()
	h.Set("Allow", allow+", OPTIONS")
	h.Set("Access-Control-Allow-Methods", allow)
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}
