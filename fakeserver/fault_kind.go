package fakeserver

import (
	"context"
	"strings"
	"time"
)

// faultKinds is every fault action the server knows. Each kind declares its Action
// and its faultKind in a file of its own (fault_status.go, fault_delay.go, …); adding
// a kind is that file plus one line here. The pipeline and the control API read only
// this list. The control API names the kinds it offers in this order.
var faultKinds = []*faultKind{
	&statusKind,
	&delayKind,
	&holdBeforeKind,
	&holdResponseKind,
	&resetKind,
	&commit401Kind,
	&corsNoCredentialsKind,
}

// faultKind is what one action does at each step of a request's life; a nil step
// means the kind does nothing there.
type faultKind struct {
	action Action
	// journal is the name a wait by this kind leaves in the entry's fault field.
	journal string
	// holds: the kind holds requests until released, so Rule.ReleaseAfter and
	// Rule.HoldFor apply.
	holds bool
	// before waits before the request is handled (delay, hold). acted is false
	// when it did not act after all (a released hold); ok is false when the
	// request must be abandoned (client gone, server closed).
	before func(f *Fault, ctx context.Context, closing <-chan struct{}) (acted, ok bool)
	// answers says whether, and how, the rule answers instead of the handler.
	answers func(f *Fault, rq *request) answer
	// replaces is what the client gets instead of the handled reply, once the
	// handler has run and committed (commit-401); nil leaves the reply alone.
	replaces func(s *Server, rq *request) reply
	// after waits with the handled reply buffered (hold the response).
	after func(f *Fault, ctx context.Context, closing <-chan struct{}) (acted, ok bool)
	// control takes the kind's own fields from a control API body into r, checking
	// the ones it needs; nil keeps the kind to the Go API only.
	control func(c controlFields, r *Rule) error
}

// answer is how a rule replaces the handler.
type answer int

const (
	answerNone   answer = iota // the handler answers
	answerStatus               // the rule's status, nothing handled (journal "status")
	answerReset                // the connection is reset: nothing handled or written (journal "reset")
)

// controlFields are the fields of a control API fault body that belong to a kind,
// already checked for form: status 0, a nil delay, releaseAfter 0 and holdFor 0
// when absent.
type controlFields struct {
	status       int
	delay        *time.Duration
	releaseAfter int           // 0 or more; only on a kind that holds
	holdFor      time.Duration // 0 or in (0, ControlMaxDelay]; only on a kind that holds
}

// noKind is what a Rule with an action the server does not know does: nothing
// (the Go API takes the rule and counts its matches).
var noKind = faultKind{}

// kindOf finds the kind of an action.
func kindOf(a Action) *faultKind {
	for _, k := range faultKinds {
		if k.action == a {
			return k
		}
	}
	return &noKind
}

// controlActions names the actions the control API offers, for its messages:
// `"status", "delay", "hold", "hold-response" or "reset"`.
func controlActions() string {
	return quotedActions(func(k *faultKind) bool { return k.control != nil })
}

// holdActions names the actions that hold: `"hold" or "hold-response"`.
func holdActions() string {
	return quotedActions(func(k *faultKind) bool { return k.holds })
}

// quotedActions names the kinds that pass keep, quoted, in faultKinds order.
func quotedActions(keep func(*faultKind) bool) string {
	var names []string
	for _, k := range faultKinds {
		if keep(k) {
			names = append(names, `"`+string(k.action)+`"`)
		}
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
