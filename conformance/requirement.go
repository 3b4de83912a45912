package scenarios

// Level is how binding a requirement or scenario is.
type Level string

// The two levels of the contract.
const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
)

// Requirement is one row of the retry contract.
type Requirement struct {
	ID    string
	Level Level
	Text  string
}

// Contract is the retry contract of spec/scenarios.md, in order.
var Contract = []Requirement{
	{"RC1", Must, "Refresh only because a protected resource answered 401. Never on 403, 404, other 4xx, 5xx or a transport error."},
	{"RC2", Must, "At most one refresh in flight per session: 401s that arrive while a refresh is running wait for it (single flight)."},
	{"RC3", Must, "Replay a request at most once after a refresh. A 401 on the replay goes back to the caller."},
	{"RC4", Must, "The replay carries exactly one Authorization header, with the new token."},
	{"RC5", Must, "The replay keeps method, path and the identical body; a write is applied exactly once."},
	{"RC6", Must, "Never intercept the refresh call itself: a 401 from /api/auth/refresh is final."},
	{"RC7", Must, "When refresh fails, every waiting request settles promptly with an error the caller can see (the 401, not a fake success, never a hang), and none is sent again with the dead token."},
	{"RC8", Must, "Present the newest refresh token: store the rotated cookie from every refresh."},
	{"RC9", Should, "A 401 for a request sent with an older access token than the one now held is replayed with the current token, without a new refresh."},
	{"RC10", Should, "After a terminal refresh failure (401), the session is over: later calls start no new refresh until the next login."},
	{"RC11", Should, "A transient refresh failure (5xx, reset) keeps the session: the next call may refresh and succeed."},
	{"RC12", Should, "Requests started while a refresh is running use its result (they wait, or join it on their 401)."},
	{"RC13", Should, "After logout, no request carries the old session's tokens, and a refresh that completes after logout is discarded."},
	{"RC14", Should, "A 401 from POST /api/auth/login or /register is a credential error, not an expiry: it starts no refresh."},
}

// RequirementByID finds a contract row; ok is false for an unknown ID.
func RequirementByID(id string) (Requirement, bool) {
	for _, r := range Contract {
		if r.ID == id {
			return r, true
		}
	}
	return Requirement{}, false
}

// LevelOf is the level of requirement id (MUST for an unknown one, so nothing
// unknown is ever softened into a warning).
func LevelOf(id string) Level {
	if r, ok := RequirementByID(id); ok {
		return r.Level
	}
	return Must
}
