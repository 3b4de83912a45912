package conformance

// Level is how binding a requirement or scenario is.
type Level string

// The two levels of the contract.
const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
)

// RequirementID names one row of the retry contract. Scenario authors use the typed
// constants below; a finding naming an ID the contract does not have (a string
// converted by hand) ends its scenario as a harness error, never a silent MUST.
type RequirementID string

// The rows of the retry contract.
const (
	RC1  RequirementID = "RC1"
	RC2  RequirementID = "RC2"
	RC3  RequirementID = "RC3"
	RC4  RequirementID = "RC4"
	RC5  RequirementID = "RC5"
	RC6  RequirementID = "RC6"
	RC7  RequirementID = "RC7"
	RC8  RequirementID = "RC8"
	RC9  RequirementID = "RC9"
	RC10 RequirementID = "RC10"
	RC11 RequirementID = "RC11"
	RC12 RequirementID = "RC12"
	RC13 RequirementID = "RC13"
	RC14 RequirementID = "RC14"
	RC15 RequirementID = "RC15"
	RC16 RequirementID = "RC16"
	RC17 RequirementID = "RC17"
	RC18 RequirementID = "RC18"
	RC19 RequirementID = "RC19"
	RC20 RequirementID = "RC20"
	RC21 RequirementID = "RC21"
	RC22 RequirementID = "RC22"
	RC23 RequirementID = "RC23"
	RC24 RequirementID = "RC24"
)

// LoginPrecondition labels the finding when the client's own login fails: every row
// needs a logged-in client, so it is judged as MUST, but it is no row of the contract.
const LoginPrecondition RequirementID = "login"

// Requirement is one row of the retry contract.
type Requirement struct {
	ID    RequirementID `json:"id"`
	Level Level         `json:"level"`
	Text  string        `json:"text"`
}

// contract is the retry contract in order: the one place each requirement's text
// and level are written. docs/conformance.md is generated from it.
var contract = []Requirement{
	{RC1, Must, "Refresh only because a protected resource answered with its auth-failure signal: HTTP 401, or for GraphQL a 200 whose errors carry the code UNAUTHENTICATED. Never on 403, 404, other 4xx, 5xx or a transport error."},
	{RC2, Must, "At most one refresh in flight per session: 401s that arrive while a refresh is running wait for it (single flight)."},
	{RC3, Must, "Replay a request at most once after a refresh. An auth failure (401 or UNAUTHENTICATED) on the replay goes back to the caller."},
	{RC4, Must, "The replay carries exactly one Authorization header, with the new token."},
	{RC5, Must, "The replay keeps method, path and the identical body; a write is applied exactly once."},
	{RC6, Must, "Never intercept the refresh call itself: a 401 from it is final (the cookie profile's POST /api/auth/refresh, or the OAuth 2 token endpoint's invalid_client)."},
	{RC7, Must, "When refresh fails, every waiting request settles promptly with an error the caller can see (the 401, not a fake success, never a hang), and none is sent again with the dead token."},
	{RC8, Must, "Present the newest refresh token: store the rotated one from every refresh (the cookie it sets, or the refresh_token of an OAuth 2 answer)."},
	{RC9, Should, "A 401 for a request sent with an older access token than the one now held is replayed with the current token, without a new refresh."},
	{RC10, Should, "After a terminal refresh failure (401, or an OAuth 2 error), the session is over: later calls start no new refresh until the next login."},
	{RC11, Should, "A transient refresh failure (5xx, reset) keeps the session: the next call may refresh and succeed."},
	{RC12, Should, "Requests started while a refresh is running use its result (they wait, or join it on their 401)."},
	{RC13, Should, "After logout, no request carries the old session's tokens."},
	{RC14, Should, "A refused login (401 from POST /api/auth/login or /register, or OAuth 2's password grant answered invalid_grant) is a credential error, not an expiry: it starts no refresh."},
	{RC15, Must, "A replay keeps the Idempotency-Key its first send carried, so the server can tell it from a new write."},
	{RC16, Must, "A caller that cancels its request is answered at once and cancels only its own wait: the shared refresh goes on, every other waiter is replayed with its result, and the session stays intact."},
	{RC17, Must, "A refresh that completes after logout (through this instance or another tab of the session) is discarded: no request carries a token it issued, and no caller gets a success from it."},
	{RC18, Must, "The client's own clock never causes extra refreshes: whatever its offset from the server's clock, or a sleep it woke from, it renews a token at most once and not before half the lifetime the server gave (expiresIn) has passed; a 401 for a token it believed fresh is still answered by one refresh and a replay."},
	{RC19, Must, "When several instances of one session (tabs sharing the cookie jar or storage) meet an expiry together, the session survives: no refresh is refused as reuse of a token another tab already spent, and every caller gets its answer."},
	{RC20, Should, "Send an Idempotency-Key on a POST that may be replayed: a write the server applied before it answered 401 is then not applied twice."},
	{RC21, Must, "A long-lived stream (Server-Sent Events) reconnects with the current access token and the last event id it saw: after a refresh no event is lost, a reconnect answered 401 gets one refresh, reconnects stay under 3 per second, and a refused refresh ends the stream with an error the caller sees."},
	{RC22, Must, "A page whose API is on another origin makes every auth call with credentials (fetch's credentials: 'include', XMLHttpRequest's withCredentials), so the browser stores the refresh cookie the API sets and sends it back: an expiry ends in one refresh and a replay, as on one origin."},
	{RC23, Must, "An OAuth 2 refresh refused with an error (400 invalid_grant for an expired, revoked or reused refresh token; 401 invalid_client) is terminal, whatever its status: every waiting caller gets its own 401, the refresh is not retried, and no later call refreshes until the next login."},
	{RC24, Must, "An OAuth 2 refresh answer without a refresh_token leaves the refresh token as it was (RFC 6749 §6): the next refresh presents the one the client already holds."},
}

// Contract returns the retry contract, in order.
func Contract() []Requirement { return append([]Requirement(nil), contract...) }

// Lookup finds a contract row; ok is false for an ID the contract does not have.
func (id RequirementID) Lookup() (Requirement, bool) {
	for _, r := range contract {
		if r.ID == id {
			return r, true
		}
	}
	return Requirement{}, false
}

// Level is the requirement's level. The login precondition, and any ID the contract
// does not have, are MUST: nothing unknown is ever softened into a warning.
func (id RequirementID) Level() Level {
	if r, ok := id.Lookup(); ok {
		return r.Level
	}
	return Must
}

// Text is the requirement's text ("" for an ID the contract does not have).
func (id RequirementID) Text() string {
	r, _ := id.Lookup()
	return r.Text
}
