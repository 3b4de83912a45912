package fakeserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// controlRuleBody is the body of POST /_tokenclock/faults/release and
// /_tokenclock/faults/remove: the id POST /_tokenclock/faults answered.
type controlRuleBody struct {
	ID json.RawMessage `json:"id"` // any JSON spelling of a whole number, as the fault body's numbers
}

// ControlReleased is the answer of POST /_tokenclock/faults/release: the ids of the
// rules released, in the order they were added.
type ControlReleased struct {
	Released []int `json:"released"`
}

// ControlRemoved is the answer of POST /_tokenclock/faults/remove: the id of the
// rule removed, as a list like ControlReleased's.
type ControlRemoved struct {
	Removed []int `json:"removed"`
}

// controlReleaseFault releases one holding rule ({"id": N}) or every one ({} or
// no body), so a request held over HTTP can be let go over HTTP.
func controlReleaseFault(s *Server, w http.ResponseWriter, r *http.Request) {
	var body controlRuleBody
	if err := decodeOptionalControlBody(w, r, &body); err != nil {
		writeControlDecodeError(w, err)
		return
	}
	if len(body.ID) == 0 {
		out := ControlReleased{Released: []int{}} // [] rather than null: always a list
		for _, f := range s.ReleaseHolds() {
			out.Released = append(out.Released, f.ID())
		}
		writeControlJSON(w, http.StatusOK, out)
		return
	}
	f, ok := faultOfBody(s, w, body)
	if !ok {
		return
	}
	if !f.kind.holds {
		// Refused rather than done: a released status or delay rule acts exactly as
		// before, which the caller surely did not mean.
		writeControlError(w, http.StatusBadRequest, fmt.Sprintf(
			`rule %d is a %q rule: only the holding actions (%s) hold requests to release; POST /_tokenclock/faults/remove removes it`,
			f.ID(), f.rule.Action, holdActions()))
		return
	}
	f.Release()
	writeControlJSON(w, http.StatusOK, ControlReleased{Released: []int{f.ID()}})
}

// controlRemoveFault removes one rule ({"id": N}), releasing what it holds;
// DELETE /_tokenclock/faults removes them all.
func controlRemoveFault(s *Server, w http.ResponseWriter, r *http.Request) {
	var body controlRuleBody
	if err := decodeControlBody(w, r, &body); err != nil {
		writeControlDecodeError(w, err)
		return
	}
	if len(body.ID) == 0 {
		writeControlError(w, http.StatusBadRequest,
			`"id" is required: the id POST /_tokenclock/faults answered (DELETE /_tokenclock/faults removes every rule)`)
		return
	}
	f, ok := faultOfBody(s, w, body)
	if !ok {
		return
	}
	if !s.RemoveFault(f.ID()) {
		// Removed by someone else since it was looked up: the same as never found.
		writeUnknownRule(w, f.ID())
		return
	}
	writeControlJSON(w, http.StatusOK, ControlRemoved{Removed: []int{f.ID()}})
}

// faultOfBody finds the installed rule a body's "id" names, answering 400 for an
// id that is not one and 404 for an id no installed rule has (ok false then).
func faultOfBody(s *Server, w http.ResponseWriter, body controlRuleBody) (f *Fault, ok bool) {
	if strings.TrimSpace(string(body.ID)) == "null" {
		// Not taken as absent: a console whose selection went null must not release
		// every rule.
		writeControlError(w, http.StatusBadRequest, `"id" must be a rule id (what POST /_tokenclock/faults answered), not null`)
		return nil, false
	}
	id, err := wholeNumber("id", body.ID)
	if err != nil {
		writeControlDecodeError(w, err)
		return nil, false
	}
	if id < 1 {
		writeControlError(w, http.StatusBadRequest, fmt.Sprintf(`"id" must be 1 or more (rule ids count from 1), not %d`, id))
		return nil, false
	}
	if f = s.Fault(id); f == nil {
		writeUnknownRule(w, id)
		return nil, false
	}
	return f, true
}

// writeUnknownRule answers 404 for a rule id that is not installed.
func writeUnknownRule(w http.ResponseWriter, id int) {
	writeControlError(w, http.StatusNotFound, fmt.Sprintf(
		`no fault rule with id %d is installed (never added, or removed since; GET /_tokenclock/state lists the rules)`, id))
}
