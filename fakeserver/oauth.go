package fakeserver

import (
	"crypto/subtle"
	"net/http"
	"net/url"
)

// tokenResponse is the token endpoint's success (RFC 6749 §5.1). RefreshToken is
// left out only with Options.OAuthNoRefreshInAnswer when nothing new was issued.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// oauthError is the token endpoint's error body (RFC 6749 §5.2).
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// oauthFailed is an RFC 6749 §5.2 error: 400, or 401 invalid_client with a Basic
// challenge (a client-authentication failure, never a Bearer one: it says nothing
// about the access token).
func oauthFailed(code, desc string) reply {
	if code == "invalid_client" {
		return jsonReply(http.StatusUnauthorized, oauthError{code, desc}).
			with("WWW-Authenticate", `Basic realm="tokenclock"`)
	}
	return jsonReply(http.StatusBadRequest, oauthError{code, desc})
}

// handleToken is POST PathToken: the password grant (login) and the refresh_token
// grant (refresh, with the same rotation, reuse detection and grace as the cookie
// refresh).
func handleToken(s *Server, rq *request) reply {
	if bad, ok := checkForm(rq); !ok {
		return bad
	}
	if bad, ok := s.authenticateClient(rq); !ok {
		return bad
	}
	switch rq.grant {
	case GrantPassword:
		return s.passwordGrant(rq)
	case GrantRefreshToken:
		return s.refreshGrant(rq)
	case "":
		return oauthFailed("invalid_request", "grant_type is missing")
	}
	return oauthFailed("unsupported_grant_type", "grant_type must be password or refresh_token")
}

// authenticateClient checks client_id and client_secret, from HTTP Basic (each
// form-urlencoded, RFC 6749 §2.3.1) or the form body, but not both.
func (s *Server) authenticateClient(rq *request) (reply, bool) {
	id, secret, basic := rq.r.BasicAuth()
	inBody := rq.form.Get("client_secret") != ""
	switch {
	case basic && inBody:
		return oauthFailed("invalid_request", "client credentials in both the Authorization header and the body"), false
	case basic:
		id, secret = formDecoded(id), formDecoded(secret)
	default:
		id, secret = rq.form.Get("client_id"), rq.form.Get("client_secret")
	}
	if id != s.opts.OAuthClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.OAuthClientSecret)) != 1 {
		return oauthFailed("invalid_client", "unknown client or wrong client secret"), false
	}
	return reply{}, true
}

func (s *Server) passwordGrant(rq *request) reply {
	user, ok := s.checkPassword(rq.form.Get("username"), rq.form.Get("password"))
	if !ok {
		return oauthFailed("invalid_grant", "invalid username or password")
	}
	out, err := s.startSession(user.ID)
	if err != nil {
		return messageReply(http.StatusServiceUnavailable, "could not issue tokens")
	}
	rq.issuedAccess, rq.issuedRefresh = out.access.label, out.refresh.label
	return tokenReply(out, true)
}

// refreshGrant judges the refresh token as the cookie refresh does; anything but
// valid is invalid_grant (expired, revoked, reused — whose family is then revoked —
// or unknown).
func (s *Server) refreshGrant(rq *request) reply {
	if !rq.hasCookie {
		return oauthFailed("invalid_request", "refresh_token is missing")
	}
	j, out, err := s.refresh(rq.cookie, true)
	rq.refresh = j
	if err != nil {
		return messageReply(http.StatusServiceUnavailable, "could not issue tokens")
	}
	if j.state != StateValid {
		return oauthFailed("invalid_grant", refreshRejectedMessage(j.state))
	}
	if _, ok := s.useUserByID(out.access.userID); !ok {
		return oauthFailed("invalid_grant", refreshRejectedMessage(StateInvalid))
	}
	rq.issuedAccess = out.access.label
	rq.graceReuse = j.grace
	if out.minted {
		rq.issuedRefresh = out.refresh.label
	}
	// Without OAuthNoRefreshInAnswer the answer always names the family's refresh
	// token; with it, only when that is not the one presented: a grace re-send of the
	// current token must be told, or the client keeps the spent one.
	return tokenReply(out, !s.opts.OAuthNoRefreshInAnswer || out.refresh.secret != rq.cookie)
}

// tokenReply is the 200 of both grants.
func tokenReply(out issued, withRefresh bool) reply {
	body := tokenResponse{AccessToken: out.access.secret, TokenType: "Bearer", ExpiresIn: out.expiresIn()}
	if withRefresh {
		body.RefreshToken = out.refresh.secret
	}
	return jsonReply(http.StatusOK, body).with("Pragma", "no-cache")
}

// handleRevoke is POST PathRevoke (RFC 7009): a refresh token revokes its family,
// as the cookie logout does; an unknown or access token changes nothing; 200 either
// way for an authenticated client.
func handleRevoke(s *Server, rq *request) reply {
	if bad, ok := checkForm(rq); !ok {
		return bad
	}
	if bad, ok := s.authenticateClient(rq); !ok {
		return bad
	}
	if !rq.hasCookie {
		return oauthFailed("invalid_request", "token is missing") // RFC 7009 §2.1
	}
	if rq.hasCookie {
		s.logout(rq.cookie)
	}
	return reply{status: http.StatusOK, header: http.Header{"Cache-Control": {"no-store"}}}
}

// checkForm refuses a body that is no form (or over formPeekBytes) and a parameter
// given twice (RFC 6749 §3.2: "request and response parameters MUST NOT be included
// more than once").
func checkForm(rq *request) (reply, bool) {
	if rq.formBad {
		return oauthFailed("invalid_request", "the body must be a form (application/x-www-form-urlencoded) of at most 16 KiB"), false
	}
	for name, values := range rq.form {
		if len(values) > 1 {
			return oauthFailed("invalid_request", name+" is given more than once"), false
		}
	}
	return reply{}, true
}

// formDecoded undoes the form-urlencoding RFC 6749 §2.3.1 asks of Basic credentials;
// a value that does not decode is taken as it is.
func formDecoded(v string) string {
	if d, err := url.QueryUnescape(v); err == nil {
		return d
	}
	return v
}

// oauthMetadata is the RFC 8414 document, for clients that discover the endpoints.
type oauthMetadata struct {
	Issuer                            string   `json:"issuer"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
}

func handleOAuthMetadata(s *Server, rq *request) reply {
	issuer := s.url // what the client dialled, when it sent a Host
	if rq.r.Host != "" {
		issuer = "http://" + rq.r.Host
	}
	return jsonReply(http.StatusOK, oauthMetadata{
		Issuer: issuer, TokenEndpoint: issuer + PathToken, RevocationEndpoint: issuer + PathRevoke,
		GrantTypesSupported:               []string{GrantPassword, GrantRefreshToken},
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post"},
		ResponseTypesSupported:            []string{},
	})
}
