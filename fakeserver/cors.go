package fakeserver

import "net/http"

// CORS is on only when Options.CORSOrigin is set, and only for that exact origin,
// with credentials (the SPA's refresh cookie); no wildcard ever.

// applyCORS adds the CORS response headers when the request comes from the
// allowed origin; credentials false leaves out Access-Control-Allow-Credentials
// (the cors-no-credentials fault).
func (s *Server) applyCORS(r *http.Request, h http.Header, credentials bool) {
	if s.opts.CORSOrigin == "" {
		return
	}
	h.Add("Vary", "Origin")
	if r.Header.Get("Origin") != s.opts.CORSOrigin {
		return
	}
	h.Set("Access-Control-Allow-Origin", s.opts.CORSOrigin)
	if credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Expose-Headers", "WWW-Authenticate")
}

// preflight answers OPTIONS on a known path: 204 with the path's methods and the
// headers the client may send. A foreign origin gets no allow headers.
func (s *Server) preflight(r *http.Request, allow string) reply {
	rp := reply{status: http.StatusNoContent, header: http.Header{}}
	rp.header.Set("Allow", allow+", OPTIONS")
	if r.Header.Get("Origin") == s.opts.CORSOrigin {
		rp.header.Set("Access-Control-Allow-Methods", allow)
		headers := "Authorization, Content-Type, " + InstanceHeader
		if r.URL.Path == PathEvents {
			headers += ", Last-Event-ID" // a fetch-based stream resumes with it; not CORS-safelisted
		}
		if r.URL.Path == PathIdeas {
			headers += ", " + IdempotencyKeyHeader // a page's create may carry one; not CORS-safelisted
		}
		rp.header.Set("Access-Control-Allow-Headers", headers)
		rp.header.Set("Access-Control-Max-Age", "600")
	}
	return rp
}
