package clientundertest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"
)

// issued is what a login or refresh response carries for the client.
type issued struct {
	AccessToken string
	// ExpiresIn is the access token's lifetime in seconds as the server counts it
	// (OAuth 2's expires_in); 0 when the server did not say.
	ExpiresIn int64
	// RefreshToken is an oauth2 answer's refresh_token: "" when it carried none, and
	// then the session keeps the one it has (RFC 6749 §6).
	RefreshToken string
}

// issuedToken reads a 2xx login or refresh response, in the cookie profile's shape
// ({accessToken, expiresIn}) or OAuth 2's ({access_token, expires_in,
// refresh_token}); ok is false without an access token.
func issuedToken(reply Reply) (issued, bool) {
	var doc struct {
		AccessToken       string `json:"accessToken"`
		ExpiresIn         int64  `json:"expiresIn"`
		OAuthAccessToken  string `json:"access_token"`
		OAuthExpiresIn    int64  `json:"expires_in"`
		OAuthRefreshToken string `json:"refresh_token"`
	}
	if reply.Status/100 != 2 || json.Unmarshal(reply.Body, &doc) != nil {
		return issued{}, false
	}
	out := issued{AccessToken: doc.AccessToken, ExpiresIn: doc.ExpiresIn, RefreshToken: doc.OAuthRefreshToken}
	if out.AccessToken == "" {
		out.AccessToken, out.ExpiresIn = doc.OAuthAccessToken, doc.OAuthExpiresIn
	}
	return out, out.AccessToken != ""
}

// renewAfter is how much of a token's lifetime passes before the early refresh: three
// quarters (45 s of a 60 s token), leaving a quarter for the refresh and for requests
// already under way.
func renewAfter(lifetime time.Duration) time.Duration { return lifetime * 3 / 4 }

// setToken makes doc the tab's access token at generation gen and schedules its early
// refresh. The lifetime is doc.ExpiresIn counted from now on the client's own clock:
// a device clock that is minutes off still renews after 45 s of its own time (RC18).
// The previous token's timer is stopped: a timer that fires after its token was
// already renewed would refresh twice for one expiry. The caller holds r.mu.
func (r *Reference) setToken(t *tab, doc issued, gen int) {
	t.token, t.gen = doc.AccessToken, gen
	if r.bug != bugLateTimerRefreshes {
		r.clock.stop(t.timer)
	}
	t.renewAt, t.timer = time.Time{}, nil
	now := r.clock.Now()
	switch {
	case r.bug == bugTrustsDeviceClock:
		// Mutant: the token expires at its JWT exp, read against the device clock; a
		// clock ahead by more than the lifetime sees every new token already due.
		exp, ok := jwtExpiry(doc.AccessToken)
		if !ok || doc.ExpiresIn <= 0 {
			return
		}
		t.renewAt = exp.Add(-time.Duration(doc.ExpiresIn) * time.Second / 4)
	case doc.ExpiresIn > 0:
		t.renewAt = now.Add(renewAfter(time.Duration(doc.ExpiresIn) * time.Second))
	default:
		return // lifetime unknown: only a 401 renews the token
	}
	base := r.base
	t.timer = r.clock.afterFunc(t.renewAt.Sub(now), func() { r.renewOnTimer(base, t, gen) })
}

// jwtExpiry reads the exp claim of a JWT without verifying it (only the mutant that
// trusts the device clock uses it).
func jwtExpiry(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if err != nil || json.Unmarshal(payload, &claims) != nil || claims.Exp == 0 {
		return time.Time{}, false
	}
	return time.Unix(claims.Exp, 0), true
}

// renewOnTimer is the early-refresh timer of generation gen of tab t. It refreshes only
// if that token is still the tab's current one and nothing is renewing it already: a
// timer that fires late, after a request already renewed the token, does nothing.
func (r *Reference) renewOnTimer(base string, t *tab, gen int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stale := t.gen != gen || t.flight != nil
	if r.bug == bugLateTimerRefreshes {
		stale = t.flight != nil // Mutant: renews whatever token the tab holds now (RC18)
	}
	if stale || !r.isCurrentLocked(t) || !t.sess.canRefresh || t.token == "" {
		return
	}
	r.startRefresh(context.Background(), base, t, true)
}

// renewEarly runs before a protected call is sent: when the tab's token is due for
// its early refresh (a timer that has not run yet — a laptop waking from sleep — or
// one that is running), the call joins or starts the tab's refresh and waits for it,
// then goes out with whatever token the tab holds. It reports that decision to the
// response observer as status 0.
func (r *Reference) renewEarly(ctx context.Context, base string, t *tab) error {
	r.mu.Lock()
	due := t.token != "" && !t.renewAt.IsZero() && !r.clock.Now().Before(t.renewAt) &&
		t.sess.canRefresh && r.isCurrentLocked(t)
	if !due {
		r.mu.Unlock()
		return nil
	}
	f := t.flight
	if f == nil || r.bug == bugEarlyRefreshOutsideFlight {
		f = r.startRefresh(ctx, base, t, true)
	}
	r.mu.Unlock()
	r.acted(0)
	return wait(ctx, t.life, f)
}
