package fakeserver

// ActionHoldResponse handles the request (a refresh really rotates) and holds the
// response until released (or its hold bound: Rule.HoldFor, else
// Options.HoldBound). Journalled as "hold".
const ActionHoldResponse Action = "hold-response"

// holdResponseKind waits with the handled response buffered; the same release,
// bound and abandon rules as a hold before handling apply.
var holdResponseKind = faultKind{
	action:  ActionHoldResponse,
	journal: "hold",
	holds:   true,
	after:   (*Fault).hold,
	control: holdControl,
}
