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
	Now        string `json:"now"`
	AccessTTL  string `json:"accessTTL"`
	RefreshTTL string `json:"refreshTTL"`
	Rotation   bool   `json:"rotation"`
	ReuseGrace string `json:"reuseGrace"`
	Users      int    `json:"users"`
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
}

// Evicted counts records the bounded stores forgot (Options.MaxUsers, MaxFamilies,
// MaxTokens, MaxIdeas, …) since the last Reset.
type Evicted struct {
	Users    int `json:"users"`
	Families int `json:"families"`
	Tokens   int `json:"tokens"` // access and refresh tokens
	Ideas    int `json:"ideas"`
}
