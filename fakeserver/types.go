package fakeserver

// User is the public user document {id, name, email}.
type User struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// IdeaInput is the writable part of an idea.
type IdeaInput struct {
	Title       string   `json:"title"`
	Summary     string   `json:"summary"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
}

// Idea is the public idea document.
type Idea struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Summary     string   `json:"summary"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	User        string   `json:"user"`
	CreatedAt   string   `json:"createdAt"`
}

// State is the control API's view of the server.
type State struct {
	// Profile is Options.Profile: cookie or oauth2.
	Profile string `json:"profile"`
	// OAuthClientID is the client the oauth2 token endpoint accepts (its secret is
	// never shown); absent under cookie.
	OAuthClientID string `json:"oauthClientId,omitempty"`
	Now           string `json:"now"`
	AccessTTL     string `json:"accessTTL"`
	RefreshTTL    string `json:"refreshTTL"`
	Rotation      bool   `json:"rotation"`
	ReuseGrace    string `json:"reuseGrace"`
	Users         int    `json:"users"`
	// Families counts every refresh family ever started (one per login/register)
	// since the last Reset, revoked, forgotten or not.
	Families int `json:"families"`
	Faults   int `json:"faults"`
	// JournalDropped counts entries dropped because the journal is bounded.
	JournalDropped int `json:"journalDropped"`
	// LiveFamilies counts the families neither revoked nor forgotten (a scenario's
	// "family alive").
	LiveFamilies int `json:"liveFamilies"`
	// Requests is the seq of the last journalled request (0 when none).
	Requests int `json:"requests"`
	// Evicted counts what the bounded stores forgot since the last Reset.
	Evicted Evicted `json:"evicted"`

	// ClockOffset is Now as an offset from the server's clock at New, "T+1m1s",
	// as the journal's virtualOffset: how far Advance and the Expire helpers (and,
	// on a real clock, time itself) have moved it.
	ClockOffset string `json:"clockOffset"`
	// HoldBound is Options.HoldBound, a Go duration: how long a request held by a
	// rule without its own HoldFor waits before going on by itself.
	HoldBound string `json:"holdBound"`
	// AccessTokens counts the remembered access tokens by their state now.
	AccessTokens AccessTokenCounts `json:"accessTokens"`
	// RefreshFamilies is the StateFamilyLimit most recently used refresh families
	// (started or refreshed), newest first; Families counts them all. Never nil.
	RefreshFamilies []FamilyState `json:"refreshFamilies"`
	// Rules is every installed fault rule, in the order added. Never nil.
	Rules []RuleState `json:"rules"`
}

// StateFamilyLimit is how many refresh families State lists: enough for a person
// to find the sessions they are working with, few enough to poll several times a
// second.
const StateFamilyLimit = 50

// AccessTokenCounts counts the remembered access tokens (at most Options.MaxTokens)
// by their state against the server clock now, judged as a request would be:
// revoked before expired.
type AccessTokenCounts struct {
	Valid   int `json:"valid"`
	Expired int `json:"expired"`
	Revoked int `json:"revoked"`
}

// FamilyState is one refresh family (one login or register and its refreshes) in
// State.
type FamilyState struct {
	// First is the label of the family's first refresh token (R0, R1…), which
	// names the family; Current the label of its newest. Either names it to
	// RevokeFamily while the family is remembered.
	First   string `json:"first"`
	Current string `json:"current"`
	// Tokens is how many refresh tokens the family was issued.
	Tokens int `json:"tokens"`
	// Email is the family's user's, or "" when the server no longer knows the
	// user (forgotten by MaxUsers).
	Email string `json:"email"`
	// State is FamilyLive, FamilyRevoked, FamilyExpired or FamilyForgotten.
	State string `json:"state"`
}

// The states of a FamilyState, in the order they take precedence, as when its
// current token is presented: a forgotten family's tokens are unknown, a revoked
// family's refused whatever their exp.
const (
	FamilyForgotten = "forgotten" // forgotten by a bound (MaxFamilies, MaxTokens, MaxUsers)
	FamilyRevoked   = "revoked"   // by reuse, logout or the control API
	FamilyExpired   = "expired"   // its current token's exp has passed
	FamilyLive      = "live"      // its current token refreshes
)

// RuleState is one installed fault rule in State: the rule as installed, with its
// counters. Durations are Go duration strings; a field the rule leaves at its zero
// value (method or path matching any, no status, …) is left out.
type RuleState struct {
	ID           int    `json:"id"`
	Method       string `json:"method,omitempty"`
	Path         string `json:"path,omitempty"`
	Action       Action `json:"action"`
	After        int    `json:"after"`
	Times        int    `json:"times"`
	Status       int    `json:"status,omitempty"`
	Delay        string `json:"delay,omitempty"`
	ReleaseAfter int    `json:"releaseAfter,omitempty"`
	HoldFor      string `json:"holdFor,omitempty"` // absent: the server's holdBound
	// Matched, Held, Waiting and Released are Fault's counters and flag.
	Matched  int  `json:"matched"`
	Held     int  `json:"held"`
	Waiting  int  `json:"waiting"`
	Released bool `json:"released"`
}

// Evicted counts records the bounded stores forgot (Options.MaxUsers, MaxFamilies,
// MaxTokens, MaxIdeas, …) since the last Reset.
type Evicted struct {
	Users    int `json:"users"`
	Families int `json:"families"`
	Tokens   int `json:"tokens"` // access and refresh tokens
	Ideas    int `json:"ideas"`
}
