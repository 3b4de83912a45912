package clientundertest

import (
	"fmt"
	"net/http"
	"strings"
)

// loopCap bounds every loop a mutant adds, so a looping mutant is caught by the
// journal but can never run away (the harness floods out at 2 000 requests anyway).
const loopCap = 20

// bug is the one defect a mutant switches on in the reference code; bugNone is the
// reference itself. Keeping mutants as switches on the same code keeps each exactly
// one bug away from the correct client.
type bug int

const (
	bugNone bug = iota
	bugRefreshOn403
	bugRefreshOn5xx
	bugNoSingleFlight
	bugUnboundedRetry
	bugStaleHeader
	bugDuplicateAuthorization
	bugDropsBody
	bugInterceptsRefresh401
	bugWaitersHang
	bugIgnoresRotatedCookie
	bugRefreshBoundToCaller
	bugAppliesLateRefresh
	bugTrustsDeviceClock
	bugLateTimerRefreshes
	bugEarlyRefreshOutsideFlight
	bugTabsUncoordinated
	bugGraphQLOnly401
	bugNoIdempotencyKey
	bugReplayDropsIdempotencyKey
	bugStreamStaleToken
	bugRetriesInvalidGrant
	bugDropsAbsentRefreshToken
)

// MutantInfo describes one known-buggy client: its name (also its Hello name after
// "go-mutant:"), the requirements its bug breaks, and what the bug is.
type MutantInfo struct {
	Name   string   `json:"name"`
	Breaks []string `json:"breaks"`
	Doc    string   `json:"doc"`
	// Profile, when set, is the only server profile the bug shows under (its code
	// path exists only there); "" for a bug every profile shows.
	Profile string `json:"profile,omitempty"`
}

type mutant struct {
	MutantInfo
	bug bug
}

// mutants is the catalog, in its stable order: at least one per MUST requirement.
var mutants = []mutant{
	{MutantInfo{"refresh-on-403", []string{"RC1"},
		"Treats 403 Forbidden like 401: refreshes and replays a request the server refused for lack of permission.", ""}, bugRefreshOn403},
	{MutantInfo{"refresh-on-5xx", []string{"RC1"},
		"Treats a 5xx server error like 401: refreshes and replays after an outage answer.", ""}, bugRefreshOn5xx},
	{MutantInfo{"no-single-flight", []string{"RC2"},
		"Every 401 starts its own refresh instead of joining the one in flight, so parallel 401s race the rotating refresh token.", ""}, bugNoSingleFlight},
	{MutantInfo{"unbounded-retry", []string{"RC3"},
		fmt.Sprintf("Refreshes and replays again on every 401, not once (capped at %d replays).", loopCap), ""}, bugUnboundedRetry},
	{MutantInfo{"stale-header-on-replay", []string{"RC4"},
		"Replays with the Authorization header the request was first sent with, not the new token.", ""}, bugStaleHeader},
	{MutantInfo{"duplicate-authorization", []string{"RC4"},
		"Adds the new token as a second Authorization header on replay instead of replacing the old one.", ""}, bugDuplicateAuthorization},
	{MutantInfo{"drops-body-on-replay", []string{"RC5"},
		"Replays without the request body (the consumed-stream bug).", ""}, bugDropsBody},
	{MutantInfo{"intercepts-refresh-401", []string{"RC6"},
		fmt.Sprintf("Treats a 401 from the refresh call (POST /api/auth/refresh, or the token endpoint's invalid_client) as an expiry and refreshes again (capped at %d attempts).", loopCap), ""}, bugInterceptsRefresh401},
	{MutantInfo{"waiters-hang-on-refresh-failure", []string{"RC7"},
		"Never settles the requests waiting on a refresh that failed: they hang until their deadline.", ""}, bugWaitersHang},
	{MutantInfo{"ignores-rotated-cookie", []string{"RC8"},
		"Keeps presenting the first refresh cookie and ignores the rotated one each refresh sets, so the second refresh is reuse.", ""}, bugIgnoresRotatedCookie},
	{MutantInfo{"refresh-bound-to-caller", []string{"RC16"},
		"Runs the shared refresh under the context of the request that started it: when that caller cancels, the refresh is aborted for every waiter, and the rotated cookie the server still sends is lost.", ""}, bugRefreshBoundToCaller},
	{MutantInfo{"applies-late-refresh", []string{"RC17"},
		"Uses a refresh that completes after logout: the request waiting on it is replayed with the token the logged-out session was just issued.", ""}, bugAppliesLateRefresh},
	{MutantInfo{"trusts-device-clock", []string{"RC18"},
		"Judges the access token's expiry from its JWT exp against the device clock: a clock ahead by more than the token's lifetime sees every new token already due and refreshes before every call.", ""}, bugTrustsDeviceClock},
	{MutantInfo{"late-timer-refreshes", []string{"RC18"},
		"Never cancels the early-refresh timer of a token that was renewed some other way: after a sleep, the old timer fires late and refreshes a second time for one expiry.", ""}, bugLateTimerRefreshes},
	{MutantInfo{"early-refresh-outside-flight", []string{"RC2"},
		"Runs the early (clock-driven) refresh outside the single flight: parallel callers each renew the due token, and a 401 arriving during an early refresh starts a second one.", ""}, bugEarlyRefreshOutsideFlight},
	{MutantInfo{"tabs-uncoordinated", []string{"RC19"},
		"Takes no cross-tab lock around the refresh: tabs that meet the expiry together each present the same refresh token, and reuse detection revokes the session.", ""}, bugTabsUncoordinated},
	{MutantInfo{"graphql-only-401", []string{"RC1"},
		"Knows only HTTP 401 as the auth-failure signal: a GraphQL API answering 200 with an UNAUTHENTICATED error is handed to the caller, never refreshed.", ""}, bugGraphQLOnly401},
	{MutantInfo{"no-idempotency-key", []string{"RC20"},
		"Sends no Idempotency-Key of its own on a POST: a write the server applied before answering 401 is applied again by the replay.", ""}, bugNoIdempotencyKey},
	{MutantInfo{"replay-drops-idempotency-key", []string{"RC15"},
		"Replays a POST without the Idempotency-Key its first send carried: the server cannot tell the replay from a new write.", ""}, bugReplayDropsIdempotencyKey},
	{MutantInfo{"stream-stale-token", []string{"RC21"},
		"Reconnects its event stream with the access token it captured when the stream started: after the token expires every reconnect is refused, and the events sent meanwhile never arrive.", ""}, bugStreamStaleToken},
	{MutantInfo{"retries-invalid-grant", []string{"RC23"},
		"Takes an OAuth 2 refresh answered 400 invalid_grant for a transient failure (only a 401 ends its session): the caller gets the 400, and every later call refreshes again with the dead token.", "oauth2"}, bugRetriesInvalidGrant},
	{MutantInfo{"drops-absent-refresh-token", []string{"RC24"},
		"Overwrites its refresh token with the answer's refresh_token even when an OAuth 2 refresh answer carries none: the next refresh presents no token and the session ends.", "oauth2"}, bugDropsAbsentRefreshToken},
}

// Mutants lists the known-buggy clients in a stable order.
func Mutants() []MutantInfo {
	out := make([]MutantInfo, len(mutants))
	for i, m := range mutants {
		out[i] = m.MutantInfo
		out[i].Breaks = append([]string(nil), m.Breaks...)
	}
	return out
}

// NewMutant returns the reference client with the one bug named name switched on.
func NewMutant(name string) (*Reference, error) {
	for _, m := range mutants {
		if m.Name == name {
			return newClient(m.bug, "go-mutant:"+m.Name), nil
		}
	}
	return nil, fmt.Errorf("unknown mutant %q (known: %s)", name, strings.Join(mutantNames(), ", "))
}

func mutantNames() []string {
	names := make([]string, len(mutants))
	for i, m := range mutants {
		names[i] = m.Name
	}
	return names
}

// isExpiry reports whether a response from a protected path means "refresh the
// token": only the endpoint's auth-failure signal does — a 401, or GraphQL's
// UNAUTHENTICATED error (RC1).
func (b bug) isExpiry(path string, r Reply) bool {
	switch {
	case r.Error != "":
		return false
	case b == bugGraphQLOnly401:
		return r.Status == http.StatusUnauthorized
	case IsAuthFailure(path, r):
		return true
	case b == bugRefreshOn403:
		return r.Status == http.StatusForbidden
	case b == bugRefreshOn5xx:
		return r.Status >= 500
	}
	return false
}

// maxReplays is how many times one call may be replayed after a refresh: once (RC3).
func (b bug) maxReplays() int {
	if b == bugUnboundedRetry {
		return loopCap
	}
	return 1
}

// replay turns a sent request into its replay after a refresh: the same method, path
// and body bytes with exactly one Authorization header carrying the fresh token (RC4,
// RC5). It returns the replay and the tokens it carries.
func (b bug) replay(o outgoing, sentWith, fresh string) (outgoing, []string) {
	switch b {
	case bugStaleHeader:
		return o, tokens(sentWith)
	case bugDuplicateAuthorization:
		return o, append(tokens(sentWith), tokens(fresh)...)
	case bugDropsBody:
		o.body, o.stream = nil, nil
	case bugReplayDropsIdempotencyKey:
		kept := map[string]string{}
		for k, v := range o.headers {
			if http.CanonicalHeaderKey(k) != "Idempotency-Key" {
				kept[k] = v
			}
		}
		o.headers = kept
	}
	return o, tokens(fresh)
}
