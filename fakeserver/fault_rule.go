package fakeserver

import "time"

// Action is what a fault rule does to a matching request. Each action is declared,
// with what it does, in its own fault_*.go file and listed in faultKinds; the
// journal's fault field names the action that acted.
type Action string

// Rule matches requests by method and path and acts on the nth matching calls:
// skip After matches, then act on the next Times (0: every match from then on).
// An empty Method or Path matches any.
//
// ReleaseAfter and HoldFor apply to the holding actions only (ActionHoldBefore,
// ActionHoldResponse); AddFault ignores them on any other action (the control API
// refuses them there).
type Rule struct {
	Method string        `json:"method"`
	Path   string        `json:"path"`
	After  int           `json:"after"`
	Times  int           `json:"times"`
	Action Action        `json:"action"`
	Status int           `json:"status,omitempty"`
	Delay  time.Duration `json:"-"` // control API: "delay": "2s"
	// ReleaseAfter, when more than 0, makes a hold rule release itself, exactly as
	// Release does, as soon as it has held that many requests: K parallel requests
	// are let go together (hold two tabs' refreshes until both have sent theirs, so
	// both present the same token). Fewer stay held until Release, the hold bound,
	// ClearFaults or Close, as without it. 0 or less: no self-release.
	ReleaseAfter int `json:"releaseAfter,omitempty"`
	// HoldFor is the real time a request held by this rule waits before it goes on
	// by itself, when nothing released it first: this rule's own hold bound. 0 or
	// less: the server's Options.HoldBound. A person releasing holds by hand from a
	// browser needs longer than the 2 s default, a test's gate no longer.
	HoldFor time.Duration `json:"-"` // control API: "holdFor": "90s"
}
