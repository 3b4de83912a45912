package reports

// RequirementText maps each requirement of the retry contract (scenarios.md,
// "The contract") to its text, so reports can quote what broke.
var RequirementText = map[string]string{
	"RC1":  "Refresh only because a protected resource answered 401. Never on 403, 404, other 4xx, 5xx or a transport error.",
	"RC2":  "At most one refresh in flight per session: 401s that arrive while a refresh is running wait for it (single flight).",
	"RC3":  "Replay a request at most once after a refresh. A 401 on the replay goes back to the caller.",
	"RC4":  "The replay carries exactly one Authorization header, with the new token.",
	"RC5":  "The replay keeps method, path and the identical body; a write is applied exactly once.",
	"RC6":  "Never intercept the refresh call itself: a 401 from /api/auth/refresh is final.",
	"RC7":  "When refresh fails, every waiting request settles promptly with an error the caller can see (the 401, not a fake success, never a hang), and none is sent again with the dead token.",
	"RC8":  "Present the newest refresh token: store the rotated cookie from every refresh.",
	"RC9":  "A 401 for a request sent with an older access token than the one now held is replayed with the current token, without a new refresh.",
	"RC10": "After a terminal refresh failure (401), the session is over: later calls start no new refresh until the next login.",
	"RC11": "A transient refresh failure (5xx, reset) keeps the session: the next call may refresh and succeed.",
	"RC12": "Requests started while a refresh is running use its result (they wait, or join it on their 401).",
	"RC13": "After logout, no request carries the old session's tokens, and a refresh that completes after logout is discarded.",
	"RC14": "A 401 from POST /api/auth/login or /register is a credential error, not an expiry: it starts no refresh.",
}

// RequirementLevel maps each requirement to MUST or SHOULD.
var RequirementLevel = map[string]string{
	"RC1": "MUST", "RC2": "MUST", "RC3": "MUST", "RC4": "MUST", "RC5": "MUST", "RC6": "MUST",
	"RC7": "MUST", "RC8": "MUST", "RC9": "SHOULD", "RC10": "SHOULD", "RC11": "SHOULD",
	"RC12": "SHOULD", "RC13": "SHOULD", "RC14": "SHOULD",
}
