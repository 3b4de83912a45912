package fakeserver

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// The server profiles (Options.Profile): how a client logs in and refreshes.
const (
	// ProfileCookie: POST PathLogin and PathRefresh, the refresh token in an
	// HttpOnly cookie (the seed tutorial's pattern, and most SPAs').
	ProfileCookie = "cookie"
	// ProfileOAuth2: POST PathToken with grant_type password or refresh_token, the
	// refresh token in the form body and the JSON answer (RFC 6749 §6).
	ProfileOAuth2 = "oauth2"
)

// Profiles are the profile names, in the order the docs list them.
var Profiles = []string{ProfileCookie, ProfileOAuth2}

// ParseProfile checks a profile name ("" is ProfileCookie).
func ParseProfile(name string) (string, error) {
	switch name {
	case "", ProfileCookie:
		return ProfileCookie, nil
	case ProfileOAuth2:
		return ProfileOAuth2, nil
	}
	return "", fmt.Errorf("unknown profile %q (known: %s)", name, strings.Join(Profiles, ", "))
}

// The grant types of PathToken (Entry.GrantType).
const (
	GrantPassword     = "password"
	GrantRefreshToken = "refresh_token"
)

// NoCall is Entry.AuthCall of a request to an auth endpoint of the other profile
// (answered 404): it makes no auth call, so it is no refresh, login or logout.
const NoCall = "-"

// callNames are the auth calls, named by the cookie profile's paths.
var callNames = map[string]bool{PathRegister: true, PathLogin: true, PathRefresh: true, PathLogout: true}

// authCall is the auth call a request to path with that grant makes under profile:
// under oauth2 PathRefresh for the refresh_token grant, PathLogin for the password
// grant, PathLogout for a revocation, and NoCall for a cookie auth path; under
// cookie NoCall for an oauth2 endpoint; path itself for anything else. Fault rules
// and the journal's queries (Entry.Call) use it, so the catalog's rules and checks
// name the refresh call once for both profiles.
func authCall(profile, path, grant string) string {
	if profile == ProfileOAuth2 {
		switch {
		case path == PathToken && grant == GrantRefreshToken:
			return PathRefresh
		case path == PathToken && grant == GrantPassword:
			return PathLogin
		case path == PathRevoke:
			return PathLogout
		case callNames[path]:
			return NoCall
		}
		return path
	}
	if _, oauth := profileRoutes[ProfileOAuth2][path]; oauth {
		return NoCall
	}
	return path
}

// Call is the auth call the entry made: its AuthCall when the server recorded one
// (PathRefresh for the oauth2 refresh_token grant, NoCall for the other profile's
// auth path, …), otherwise its Path — so a refresh is PathRefresh in either profile.
func (e Entry) Call() string {
	if e.AuthCall != "" {
		return e.AuthCall
	}
	return e.Path
}

// IsRefresh reports whether the entry is a refresh call (POST, either profile).
func (e Entry) IsRefresh() bool { return e.Method == http.MethodPost && e.Call() == PathRefresh }

// profileRoutes are each profile's auth endpoints; under one profile the other's
// answer 404, so a client that calls the wrong one shows in the journal.
var profileRoutes = map[string]map[string]endpoint{
	ProfileCookie: {
		PathRegister: newEndpoint(http.MethodPost, handleRegister),
		PathLogin:    newEndpoint(http.MethodPost, handleLogin),
		PathRefresh:  newEndpoint(http.MethodPost, handleRefresh),
		PathLogout:   newEndpoint(http.MethodPost, handleLogout),
	},
	ProfileOAuth2: {
		PathToken:         newEndpoint(http.MethodPost, handleToken),
		PathRevoke:        newEndpoint(http.MethodPost, handleRevoke),
		PathOAuthMetadata: newEndpoint(http.MethodGet, handleOAuthMetadata),
	},
}

// otherProfilePath names the profile that serves path when this server's does not.
func (s *Server) otherProfilePath(path string) (string, bool) {
	for name, routes := range profileRoutes {
		if _, ok := routes[path]; ok && name != s.opts.Profile {
			return name, true
		}
	}
	return "", false
}

// formPeekBytes bounds what peekForm reads of a token request before its journal
// entry exists: a token request is a few hundred bytes; a larger body is left to the
// pipeline's own reading (and its 413).
const formPeekBytes = 16 << 10

// peekForm reads an oauth2 token or revocation request's form body before the
// request is journalled, so its grant names the call the fault rules match (a rule
// on PathRefresh acts on the refresh_token grant), and puts the bytes back for the
// pipeline's reading. Nil for any other request; bad when the body is over
// formPeekBytes or no form (the handler answers invalid_request).
func (s *Server) peekForm(r *http.Request) (form url.Values, bad bool) {
	if s.opts.Profile != ProfileOAuth2 || r.Method != http.MethodPost || (r.URL.Path != PathToken && r.URL.Path != PathRevoke) {
		return nil, false
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, formPeekBytes))
	rest := r.Body
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), rest), rest}
	if err != nil || len(head) == formPeekBytes {
		return url.Values{}, true
	}
	form, err = url.ParseQuery(string(head))
	if err != nil {
		return url.Values{}, true
	}
	for name, values := range form { // an empty parameter is an absent one (RFC 6749 §3.1)
		if len(values) == 1 && values[0] == "" {
			delete(form, name)
		}
	}
	return form, false
}

// OAuthClient is the client the oauth2 token endpoint accepts: what the harness
// gives a client under test at init.
func (s *Server) OAuthClient() (id, secret string) {
	return s.opts.OAuthClientID, s.opts.OAuthClientSecret
}
