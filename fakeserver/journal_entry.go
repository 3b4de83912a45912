package fakeserver

// Token states as judged by the server, in the journal's accessState/refreshState.
const (
	StateValid   = "valid"
	StateExpired = "expired"
	StateRevoked = "revoked"
	StateReused  = "reused"
	StateInvalid = "invalid"
	StateNone    = "none"
)

// Entry is one journalled request. The JSON form is the schema shared by the Go API,
// the control API and results.json (fake-server-api.md); fields are only ever added.
type Entry struct {
	Seq          int     `json:"seq"`
	VirtualTime  string  `json:"virtualTime"`  // server clock at arrival, RFC 3339 with nanoseconds
	RealOffsetMs float64 `json:"realOffsetMs"` // real ms since the server started, at arrival
	Method       string  `json:"method"`       // as received, cut to JournalPathBytes with a marker
	Path         string  `json:"path"`         // as received, no query; cut like Method
	AccessToken  string  `json:"accessToken"`  // label A0, A1…; "?" never issued here; "" none
	AccessState  string  `json:"accessState"`
	RefreshToken string  `json:"refreshToken"` // label R0, R1…; "?"; ""
	RefreshState string  `json:"refreshState"`
	Status       int     `json:"status"` // 0: connection reset or nothing written
	BodySha256   string  `json:"bodySha256"`
	Fault        string  `json:"fault"` // hold, delay, status, reset; "" when no rule acted

	// Additions beyond the base schema (readers ignore unknown fields).

	// VirtualOffset is the server clock at arrival as an offset from the clock at
	// New ("T+1m1s"): a scenario's clock starts at real now, so runs on different days
	// compare line by line on this field, not on VirtualTime.
	VirtualOffset string `json:"virtualOffset,omitempty"`
	// RespondedOffsetMs is the real ms since server start when the response was
	// written (or the connection reset). "After X" in scenarios means arrived after this.
	RespondedOffsetMs float64 `json:"respondedOffsetMs"`
	// AuthorizationHeaders counts the Authorization header lines received (RC4: one).
	AuthorizationHeaders int `json:"authorizationHeaders"`
	// IssuedAccess and IssuedRefresh are the labels of tokens this response issued
	// (login, register, refresh), so a reader can follow rotation.
	IssuedAccess  string `json:"issuedAccess,omitempty"`
	IssuedRefresh string `json:"issuedRefresh,omitempty"`

	// Instance is the client instance that sent the request (a browser tab of a
	// driver running several), from the X-Tokenclock-Instance header (InstanceHeader),
	// recorded at arrival; always present. Absent header: 0. Several header lines, or
	// a value that is not one decimal integer in 0..MaxInstance ("-1", "1024", "a",
	// "1, 2"), are recorded as 0 too and never fail the request: the header is the
	// driver's bookkeeping, and a typo in it must not change what the client sees.
	Instance int `json:"instance"`

	// GraceReuse marks a refresh accepted (200) only because its token was the
	// family's immediately previous, already spent one, presented inside the reuse
	// grace window (Options.ReuseGrace): the answer re-sent the family's current
	// refresh token with a new access token, and refreshState is valid. Without it
	// such a refresh would read as an ordinary valid one.
	GraceReuse bool `json:"graceReuse,omitempty"`

	// BodyLength is the bytes of request body received, those read and discarded
	// beyond a limit included (BodySha256 covers them only when the body was read to
	// its end); absent when there was no body. A pending upload's grows as the body
	// streams in (every 64 KiB), so a scenario can act mid-upload.
	BodyLength int `json:"bodyLength,omitempty"`
	// Parts are a multipart upload's parts, in order, when its body was read whole
	// (not over MaxUploadBytes, no read error); BodySha256 stays the raw body's hash.
	Parts []BodyPart `json:"parts,omitempty"`
	// IdempotencyKey labels the Idempotency-Key of a POST PathIdeas: K1, K2, … per
	// distinct key value, in order of first appearance since the last reset (the
	// value itself is never journalled: labels keep reports short, as token labels
	// do); "?" for a header refused with 400; absent when none was sent.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	// IdempotentReplay marks an answer that is the stored response of the first
	// request with the same user and key: nothing was created again.
	IdempotentReplay bool `json:"idempotentReplay,omitempty"`

	// ClientGone: the client disconnected while the request was held; the server
	// still handled it on release (a refresh rotated), but nobody read the answer.
	ClientGone bool `json:"clientGone,omitempty"`

	// Pending is true while the request is still being handled or held (a snapshot
	// taken mid-request); Status is then not final.
	Pending bool `json:"pending,omitempty"`

	// Stream marks a GET PathEvents answered with an event stream (200
	// text/event-stream). Its Status and RespondedOffsetMs are set when the stream
	// opens, but it stays Pending until the stream ends (client gone, DropStreams,
	// Reset, Close): a wait for "no entry pending" must skip Pending entries with
	// Stream set, or it waits as long as the client listens (Journal.InFlight).
	Stream bool `json:"stream,omitempty"`
	// StreamEvents counts the events written on that stream, replayed and live;
	// set when the stream ends.
	StreamEvents int `json:"streamEvents,omitempty"`
	// LastEventID is the Last-Event-ID header of a request to PathEvents as
	// received (cut like Path), whether or not it was a number the server knows.
	LastEventID string `json:"lastEventId,omitempty"`
	// GraphQLOp is the operation a POST PathGraphQL asked for, "me" or "createIdea",
	// recognised from its body on arrival: recorded even when a fault answered
	// instead, so a scenario counts the mutations a client sent. "" when the body
	// is neither.
	GraphQLOp string `json:"graphqlOp,omitempty"`
	// GrantType is the grant_type of a request to the oauth2 profile's PathToken
	// ("password", "refresh_token", or what the client sent, cut like Path), read
	// on arrival; absent elsewhere. Entry.Call names the call it makes.
	GrantType string `json:"grantType,omitempty"`
	// AuthCall is the auth call the request made when its path does not say it
	// (Entry.Call): under oauth2 "/api/auth/refresh" for the token endpoint's
	// refresh_token grant, "/api/auth/login" for its password grant,
	// "/api/auth/logout" for a revocation; NoCall ("-") for an auth endpoint of the
	// other profile, which answers 404 and is no refresh, login or logout. Absent
	// when the path is the call.
	AuthCall string `json:"authCall,omitempty"`
	// AuthFailure marks an answer that is its endpoint's signal that the access
	// token was refused: a 401 with a Bearer WWW-Authenticate challenge (REST, GraphQL in
	// GraphQLAuthStatus mode, a faulted 401 on a protected path), or GraphQL's 200
	// with an UNAUTHENTICATED error (GraphQLAuthErrors). Status alone cannot say it
	// for GraphQL; login's and refresh's 401s are credential answers, not this.
	AuthFailure bool `json:"authFailure,omitempty"`

	// Body is the raw request body, kept in memory for checks that compare JSON
	// (RC5), up to Options.JournalBodyBytes (all of it by default; none in serve);
	// never serialised.
	Body []byte `json:"-"`
	// BodyTruncated is true when Body holds less than the request carried: a body
	// longer than JournalBodyBytes, one over MaxBodyBytes (413), one that could not
	// be read, or any body under JournalNoBodies. Never serialised.
	BodyTruncated bool `json:"-"`
}
