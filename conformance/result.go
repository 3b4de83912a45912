package conformance

import (
	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// SchemaVersion is the version of results.json (docs/results.schema.json). Fields
// are only ever added; readers ignore fields they do not know.
const SchemaVersion = 1

// RunResult is the one result model of a conformance run: results.json is its JSON
// form and every report is drawn from it. Judge fills its verdicts and exit code;
// nothing downstream recomputes them.
type RunResult struct {
	SchemaVersion int    `json:"schemaVersion"`
	Tool          string `json:"tool"`
	Version       string `json:"version"`
	StartedAt     string `json:"startedAt"`
	ExitCode      int    `json:"exitCode"`
	CatalogDigest string `json:"catalogDigest,omitempty"`
	// Shard is set on a run that played one shard (--shard INDEX/TOTAL) of the pairs.
	Shard   *Shard         `json:"shard,omitempty"`
	Options RunOptions     `json:"options"`
	Clients []ClientResult `json:"clients"`
	// Errors lists harness-level problems (bad flags, unknown IDs in an
	// expected-failures file, empty selection) behind exit code 2.
	Errors []string `json:"errors,omitempty"`
	// Interrupted is set when a signal stopped the run (exit 130 or 143).
	Interrupted *Interruption `json:"interrupted,omitempty"`
	// NotRun lists the scenarios an interrupt kept from being judged: the one in
	// flight and every one after it. They are never counted against the client.
	NotRun []NotRun `json:"notRun,omitempty"`
}

// Interruption records the signal that stopped a run and when.
type Interruption struct {
	Signal string `json:"signal"` // SIGINT or SIGTERM
	At     string `json:"at"`     // RFC 3339
}

// NotRun is one scenario a client did not get judged on.
type NotRun struct {
	Client string `json:"client"`
	ID     string `json:"id"`
}

// RunOptions echo the options the run used.
type RunOptions struct {
	Strict    bool   `json:"strict"`
	Focus     string `json:"focus"`
	Deadline  string `json:"deadline"`
	Quiet     string `json:"quiet"` // the quiet period (--quiet-period); the key predates the flag's name
	HoldBound string `json:"holdBound"`
	// SettleWindow and HelloTimeout complete the limits a rerun needs.
	SettleWindow string `json:"settleWindow,omitempty"`
	HelloTimeout string `json:"helloTimeout,omitempty"`
}

// ClientResult is one column of the matrix.
type ClientResult struct {
	Name    string    `json:"name"`
	Command string    `json:"command"`
	Hello   cut.Hello `json:"hello"`
	// Profile is the server profile the client was judged under: cookie or oauth2
	// (Run always sets it; absent only in results from before profiles existed).
	Profile string `json:"profile,omitempty"`
	// ExpectedFailuresFile is the client's --expect-failures file, if any.
	ExpectedFailuresFile string `json:"expectedFailuresFile,omitempty"`
	// Verdict and Counts are set by Judge.
	Verdict   ClientVerdict    `json:"verdict"`
	Counts    Counts           `json:"counts"`
	Scenarios []ScenarioResult `json:"scenarios"`
}

// ScenarioResult is one cell of the matrix.
type ScenarioResult struct {
	ID           string          `json:"id"`
	Title        string          `json:"title"`
	Level        Level           `json:"level"`
	Requirements []RequirementID `json:"requirements"`
	Outcome      Outcome         `json:"outcome"`
	// ExpectedFailure: listed in the client's expected-failures file and ended as
	// listed (failed, warned, timeout or crashed). Set by Judge.
	ExpectedFailure bool `json:"expectedFailure"`
	// Verdict is how this result counts toward the run. Set by Judge.
	Verdict    Verdict            `json:"verdict"`
	Message    string             `json:"message"`
	Findings   []Finding          `json:"findings"`
	DurationMs float64            `json:"durationMs"`
	Replies    []ReplyRecord      `json:"replies"`
	Journal    fakeserver.Journal `json:"journal"`
	Stderr     string             `json:"stderr"`
	// Rerun is the exact command line that reruns just this scenario for this client.
	Rerun string `json:"rerun,omitempty"`
}

// Finding is one broken check: which requirement, what was expected, what happened.
type Finding struct {
	Requirement RequirementID `json:"requirement"`
	Expected    string        `json:"expected"`
	Actual      string        `json:"actual"`
	// Level is MUST or SHOULD: the level of the requirement that broke.
	Level Level `json:"level,omitempty"`
}

// ReplyRecord is one command the harness sent during the scenario and what came back.
type ReplyRecord struct {
	ID     int    `json:"id"`
	Cmd    string `json:"cmd"`
	Method string `json:"method,omitempty"`
	Path   string `json:"path,omitempty"`
	Status int    `json:"status,omitempty"`
	Error  string `json:"error,omitempty"`
	// Body is the reply body as the caller saw it, with token secrets replaced by labels.
	Body string `json:"body,omitempty"`
	// Cancelled: the harness cancelled this request as its caller (feature cancel).
	Cancelled bool `json:"cancelled,omitempty"`
	// Instance is the client instance (tab) the command went to (feature instances).
	Instance int `json:"instance,omitempty"`
	// SentMs and RepliedMs are real ms since the scenario started.
	SentMs    float64 `json:"sentMs"`
	RepliedMs float64 `json:"repliedMs"`
}
