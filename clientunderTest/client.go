package clientundertest

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Client is a client under test, as the scenarios drive it. Implementations: the
// protocol-v1 Process adapter (any language), the in-process Go Reference client,
// and the Mutants. Request may be called concurrently; the others are not called
// concurrently with anything else.
//
// Errors returned by the methods are faults of the client or its driver (protocol
// fault, crash, hang past ctx), never an HTTP outcome: a request that got no HTTP
// response is a Reply with Error set and a nil error.
type Client interface {
	// Hello is what the client announced: name, version, features.
	Hello() Hello
	// Init throws away all client state and binds a fresh client to env.BaseURL.
	Init(ctx context.Context, env Env) error
	// Login logs in through the client's own login path.
	Login(ctx context.Context, email, password string) (Reply, error)
	// Request sends one call through the client's authenticated instance, with all of
	// its refresh and retry logic, and returns what the application code finally sees.
	Request(ctx context.Context, call Call) (Reply, error)
	// Logout is the client's own logout.
	Logout(ctx context.Context) (Reply, error)
	// Close releases the client (for a Process: shutdown, then kill the group).
	Close() error
}

// Env is what a client is told at the start of each scenario (protocol: init).
type Env struct {
	// BaseURL is the fake server's base URL.
	BaseURL string
	// Scenario is the scenario's ID, for the driver's logs.
	Scenario string
	// Now is the fake server's clock at the start: real now on a whole second. A
	// client with feature clock starts its own clock here too.
	Now time.Time
	// Instances is how many client instances share one browser profile (tabs of one
	// cookie jar and storage); 0 and 1 both mean one. Only a client with feature
	// instances is ever asked for more.
	Instances int
}

// Hello is the driver's answer to hello.
type Hello struct {
	Name     string   `json:"name"`
	Version  string   `json:"version"`
	Features []string `json:"features"`
	// MaxConcurrency, when set, is the most requests the client ever has in flight
	// (a browser's six connections per host, a pool's limit): the parallel gate waits
	// for at most that many first sends.
	MaxConcurrency int `json:"maxConcurrency,omitempty"`
}

// Has reports whether the client announced feature f.
func (h Hello) Has(f string) bool {
	for _, x := range h.Features {
		if x == f {
			return true
		}
	}
	return false
}

// Call is one application request.
type Call struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Body    json.RawMessage   `json:"body,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	// Instance is the client instance (tab) that sends the call, 0-based; only a
	// client with feature instances is given one other than 0.
	Instance int `json:"instance,omitempty"`
}

// Reply is what the caller finally saw: an HTTP status and body, or Error when no
// HTTP response arrived (connection reset, timeout, cancelled).
type Reply struct {
	Status int             `json:"status,omitempty"`
	Body   json.RawMessage `json:"body,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// ResponseObserver is implemented by in-process clients that can tell the harness
// when they have acted on a response (decided to join or start a refresh, replay, or
// give up). The parallel gate waits on these reports instead of on a settle window.
type ResponseObserver interface {
	// ObserveResponses sets the hook (nil removes it); it is called once per response
	// to an application call, with the response's status, and must not block. It is
	// also called with status 0 when a call, before it is sent, joins or starts an
	// early refresh (its token is due by the client's clock).
	ObserveResponses(fn func(status int))
}

// StderrSource is implemented by clients that capture a log (Process: the driver's
// stderr). TakeStderr returns what was captured since the last call (bounded to the
// last 64 KiB) and clears it.
type StderrSource interface {
	TakeStderr() string
}

// FeatureCancel is the hello feature of a client whose requests can be cancelled by
// their caller (protocol: the cancel command).
const FeatureCancel = "cancel"

// FeatureRestart is the hello feature of a client that can be reloaded (protocol:
// the restart command): it drops its in-memory state and rebuilds itself from what it
// persists (the cookie jar, storage), as a page reload or an app relaunch does.
const FeatureRestart = "restart"

// Restarter is implemented by clients with feature restart.
type Restarter interface {
	// Restart aborts the client's in-flight work (each such command answers
	// "aborted") and rebuilds it from its persisted state only.
	Restart(ctx context.Context) error
}

// FeatureInstances is the hello feature of a client that can run several instances
// of one session sharing what tabs of one browser profile share: the cookie jar,
// storage and cross-tab primitives (protocol: init.instances and the instance field).
const FeatureInstances = "instances"

// MultiInstance is implemented by clients with feature instances: the per-instance
// forms of Logout and Restart (Request takes Call.Instance; login is always through
// instance 0, the others learn the session from what the profile shares).
type MultiInstance interface {
	LogoutInstance(ctx context.Context, instance int) (Reply, error)
	RestartInstance(ctx context.Context, instance int) error
}

// FeatureClock is the hello feature of a client that runs on a clock the harness
// controls (protocol: the clock command): its notion of now, and its timers.
const FeatureClock = "clock"

// Clocked is implemented by clients with feature clock. The client's clock starts at
// Env.Now and is moved only by these calls, separately from the server's clock.
type Clocked interface {
	// SetClock sets the client's wall clock to now without running any timer: a
	// skewed device clock, or a laptop waking from sleep.
	SetClock(ctx context.Context, now time.Time) error
	// TickClock advances the client's clock by d, running every timer that falls
	// due, in order.
	TickClock(ctx context.Context, d time.Duration) error
}

// ErrCancelled is the cause the harness cancels a request's context with when the
// caller cancels it on purpose (feature cancel), as an AbortController or a context
// cancel would: the client then answers what its caller sees, typically
// Reply{Error: "cancelled"}, and not a fault. Any other end of the context is the
// deadline: a fault.
var ErrCancelled = errors.New("cancelled by its caller")

// Fault sentinels. Adapters wrap them with %w and a message that names what happened.
var (
	// ErrTimeout: a command got no reply before its context ended (the client hangs).
	ErrTimeout = errors.New("no reply before the deadline")
	// ErrCrashed: the driver broke the protocol (not JSON, over-long line, unknown or
	// duplicate id) or exited.
	ErrCrashed = errors.New("driver crashed")
)
