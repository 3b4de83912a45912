package clientundertest

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// authWire is how the reference makes its auth calls under the server's profile
// (Env.Profile). Under cookie: JSON login, and refresh and logout carrying the jar's
// HttpOnly cookie. Under oauth2 (RFC 6749): the token endpoint's password grant, the
// refresh_token grant presenting the session's refresh token in the form body, and
// revocation (RFC 7009) at logout; the client authenticates in the body
// (client_secret_post). The retry logic around them is the same for both.
type authWire struct {
	profile                          string
	tokenURL, clientID, clientSecret string
}

func newAuthWire(env Env) authWire {
	if env.Profile != fakeserver.ProfileOAuth2 {
		return authWire{profile: fakeserver.ProfileCookie}
	}
	return authWire{profile: env.Profile, tokenURL: env.TokenURL, clientID: env.ClientID, clientSecret: env.ClientSecret}
}

func (w authWire) oauth() bool { return w.profile == fakeserver.ProfileOAuth2 }

// form is an oauth2 request to endpoint with the client's credentials added.
func (w authWire) form(endpoint string, kv ...string) outgoing {
	v := url.Values{"client_id": {w.clientID}, "client_secret": {w.clientSecret}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return outgoing{method: http.MethodPost, url: endpoint, body: []byte(v.Encode()),
		contentType: "application/x-www-form-urlencoded"}
}

// login is the login request.
func (w authWire) login(base, email, password string) (outgoing, error) {
	if w.oauth() {
		return w.form(w.tokenURL, "grant_type", fakeserver.GrantPassword, "username", email, "password", password), nil
	}
	body, err := json.Marshal(map[string]string{"email": email, "password": password})
	return outgoing{method: http.MethodPost, url: base + fakeserver.PathLogin, body: body}, err
}

// refresh is the refresh request; refreshToken is the session's (oauth2 only).
func (w authWire) refresh(base, refreshToken string) outgoing {
	if w.oauth() {
		return w.form(w.tokenURL, "grant_type", fakeserver.GrantRefreshToken, "refresh_token", refreshToken)
	}
	return outgoing{method: http.MethodPost, url: base + fakeserver.PathRefresh}
}

// logout is the logout request: under oauth2 the revocation of the session's
// refresh token at the token URL's sibling PathRevoke.
func (w authWire) logout(base, refreshToken string) outgoing {
	if w.oauth() {
		revoke := w.tokenURL
		if u, err := url.Parse(w.tokenURL); err == nil {
			revoke = u.ResolveReference(&url.URL{Path: fakeserver.PathRevoke}).String()
		}
		return w.form(revoke, "token", refreshToken, "token_type_hint", "refresh_token")
	}
	return outgoing{method: http.MethodPost, url: base + fakeserver.PathLogout}
}
