package fakeserver

import "time"

// Action is what a fault rule does to a matching request.
type Action string

// Fault actions. The journal's fault field names the action that acted.
const (
	// ActionStatus answers Status instead of handling the request (nothing handled:
	// a refresh answered 503 rotates nothing). A faulted 401 carries the same headers
	// and body as a real one.
	ActionStatus Action = "status"
	// ActionDelay waits Delay (real time) before handling.
	ActionDelay Action = "delay"
	// ActionHoldBefore holds the request unhandled until released (or HoldBound).
	// With Status set, the held request is then answered Status instead of handled.
	ActionHoldBefore Action = "hold"
	// ActionHoldResponse handles the request (a refresh really rotates) and holds the
	// response until released (or HoldBound). Journalled as "hold".
	ActionHoldResponse Action = "hold-response"
	// ActionReset hijacks and closes the connection (RST): nothing handled, nothing written.
	ActionReset Action = "reset"
)

// Rule matches requests by method and path and acts on the nth matching calls:
// skip After matches, then act on the next Times (0: every match from then on).
// An empty Method or Path matches any.
type Rule struct {
	Method string        `json:"method"`
	Path   string        `json:"path"`
	After  int           `json:"after"`
	Times  int           `json:"times"`
	Action Action        `json:"action"`
	Status int           `json:"status,omitempty"`
	Delay  time.Duration `json:"-"` // control API: "delay": "2s"
}
