package fakeserver

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"time"
)

// ControlMaxDelay bounds a delay fault added through the control API: delays run on
// real time, and a person at a terminal should not be able to park a request for hours.
const ControlMaxDelay = 5 * time.Minute

// controlFaultBody is the body of POST /_tokenclock/faults: a Rule with the delay and
// holdFor as Go duration strings.
type controlFaultBody struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	After  json.RawMessage `json:"after"` // the numbers: any JSON number that is a whole number (1e3, 503.0)
	Times  json.RawMessage `json:"times"`
	Action Action          `json:"action"`
	Status json.RawMessage `json:"status"`
	Delay  *string         `json:"delay"`
	// ReleaseAfter and HoldFor are for the holding actions only (holdControl).
	ReleaseAfter json.RawMessage `json:"releaseAfter"`
	HoldFor      *string         `json:"holdFor"`
}

// ControlFaultAdded is the answer of POST /_tokenclock/faults.
type ControlFaultAdded struct {
	ID int `json:"id"`
}

// controlAddFault installs a fault rule. A hold ends by POST faults/release,
// releaseAfter, its hold bound (holdFor) or the rule's removal (control_release.go).
func controlAddFault(s *Server, w http.ResponseWriter, r *http.Request) {
	var body controlFaultBody
	if err := decodeControlBody(w, r, &body); err != nil {
		writeControlDecodeError(w, err)
		return
	}
	rule, err := body.rule()
	if err != nil {
		writeControlDecodeError(w, err)
		return
	}
	writeControlJSON(w, http.StatusOK, ControlFaultAdded{ID: s.AddFault(rule).ID()})
}

// rule validates the body and turns it into a Rule. Fields that do not belong to the
// action are dropped (the spec's example carries both status and delay), but a
// present field must still be well formed.
func (b controlFaultBody) rule() (Rule, error) {
	after, err := wholeNumber("after", b.After)
	if err != nil {
		return Rule{}, err
	}
	times, err := wholeNumber("times", b.Times)
	if err != nil {
		return Rule{}, err
	}
	status, err := wholeNumber("status", b.Status)
	if err != nil {
		return Rule{}, err
	}
	releaseAfter, err := wholeNumber("releaseAfter", b.ReleaseAfter)
	if err != nil {
		return Rule{}, err
	}
	r := Rule{Method: b.Method, Path: b.Path, After: after, Times: times, Action: b.Action}
	if r.Method != "" && !isHTTPToken(r.Method) {
		return Rule{}, badControl(`"method" must be an HTTP method such as "POST", or empty for any`)
	}
	if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
		return Rule{}, badControl(`"path" must start with "/", or be empty for any`)
	}
	if r.After < 0 || r.Times < 0 {
		return Rule{}, badControl(`"after" and "times" must be 0 or more (times 0: every match)`)
	}
	if r.Times > math.MaxInt-r.After {
		return Rule{}, badControl(`"after" + "times" must be at most %d: the rule would never end where you expect`, math.MaxInt)
	}
	var c controlFields
	if b.Delay != nil {
		d, err := time.ParseDuration(*b.Delay)
		if err != nil {
			return Rule{}, badControl(`"delay" must be a Go duration such as "2s": %v`, err)
		}
		if d <= 0 || d > ControlMaxDelay {
			return Rule{}, badControl(`"delay" must be more than 0 and at most %v`, ControlMaxDelay)
		}
		c.delay = &d
	}
	if status != 0 && (status < 200 || status > 599) {
		return Rule{}, badControl(`"status" must be between 200 and 599, not %d`, status)
	}
	c.status = status
	if releaseAfter < 0 {
		return Rule{}, badControl(`"releaseAfter" must be 0 or more (0: no self-release), not %d`, releaseAfter)
	}
	c.releaseAfter = releaseAfter
	if b.HoldFor != nil {
		d, err := time.ParseDuration(*b.HoldFor)
		if err != nil {
			return Rule{}, badControl(`"holdFor" must be a Go duration such as "90s": %v`, err)
		}
		// The same ceiling as a delay, for the same reason: real time a request
		// sits, which a person should not stretch to hours.
		if d <= 0 || d > ControlMaxDelay {
			return Rule{}, badControl(`"holdFor" must be more than 0 and at most %v`, ControlMaxDelay)
		}
		c.holdFor = d
	}
	if r.Action == "" {
		return Rule{}, badControl(`"action" is required: %s`, controlActions())
	}
	k := kindOf(r.Action)
	switch {
	case k == &noKind:
		return Rule{}, badControl(`"action" must be %s, not %q`, controlActions(), r.Action)
	case k.control == nil:
		return Rule{}, badControl(`action %q is only available through the Go API`, r.Action)
	case releaseAfter != 0 && !k.holds:
		// Refused rather than ignored like other foreign fields: it reads as a
		// promise to release something, and an action that does not hold keeps none.
		return Rule{}, badControl(`"releaseAfter" is only for the holding actions (%s), not %q`, holdActions(), r.Action)
	case c.holdFor != 0 && !k.holds:
		// Likewise: a bound on how long requests are held, on a rule that holds none.
		return Rule{}, badControl(`"holdFor" is only for the holding actions (%s), not %q`, holdActions(), r.Action)
	}
	if err := k.control(c, &r); err != nil {
		return Rule{}, err
	}
	return r, nil
}

// isHTTPToken reports whether s is an RFC 9110 token (what a method name is made of).
func isHTTPToken(s string) bool {
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("!#$%&'*+-.^_`|~", c):
		default:
			return false
		}
	}
	return s != ""
}
