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

	// ClientGone: the client disconnected while the request was held; the server
	// still handled it on release (a refresh rotated), but nobody read the answer.
	ClientGone bool `json:"clientGone,omitempty"`

	// Pending is true while the request is still being handled or held (a snapshot
	// taken mid-request); Status is then not final.
	Pending bool `json:"pending,omitempty"`

	// Body is the raw request body, kept in memory for checks that compare JSON
	// (RC5), up to Options.JournalBodyBytes (all of it by default; none in serve);
	// never serialised.
	Body []byte `json:"-"`
	// BodyTruncated is true when Body holds less than the request carried: a body
	// longer than JournalBodyBytes, one over MaxBodyBytes (413), one that could not
	// be read, or any body under JournalNoBodies. Never serialised.
	BodyTruncated bool `json:"-"`
}
