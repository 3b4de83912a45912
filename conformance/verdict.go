package reports

import (
	"fmt"
	"strings"
)

// Outcomes lists every outcome in the order reports count and show them.
var Outcomes = []string{Passed, Failed, Warned, Skipped, Timeout, Crashed, HarnessError}

// class is how one scenario result counts toward the run once the client's
// expected-failures list and --strict are applied (results.md, "Exit status").
type class int

const (
	classOK       class = iota // passed, or warned without --strict
	classExpected              // ended as the client's expected-failures file says
	classSkipped               // the driver lacks a feature; never a pass
	classFailure               // an unexpected result: exit 1
	classError                 // the harness could not judge: exit 2
)

// classify reads ExpectedFailure as "listed in the client's expected-failures
// file": a listed scenario that passes is a failure (the list is stale), and a
// listed one that is skipped stays skipped.
func classify(sr ScenarioResult, strict bool) class {
	switch sr.Outcome {
	case Passed:
		if sr.ExpectedFailure {
			return classFailure
		}
		return classOK
	case Warned:
		if sr.ExpectedFailure {
			return classExpected
		}
		if strict {
			return classFailure
		}
		return classOK
	case Failed, Timeout, Crashed:
		if sr.ExpectedFailure {
			return classExpected
		}
		return classFailure
	case Skipped:
		return classSkipped
	default: // harness-error, and any outcome this version does not know
		return classError
	}
}

// countKey is the outcome a result is counted under: an unknown outcome counts
// as a harness error, since nobody could judge it.
func countKey(outcome string) string {
	for _, o := range Outcomes {
		if o == outcome {
			return o
		}
	}
	return HarnessError
}

// tally is one client's counts, by outcome and by class.
type tally struct {
	byOutcome map[string]int
	expected  int
	failures  int
	errors    int
	skipped   int
	total     int
	durMs     float64
}

func tallyClient(c ClientResult, strict bool) tally {
	t := tally{byOutcome: map[string]int{}}
	for _, sr := range c.Scenarios {
		t.total++
		t.byOutcome[countKey(sr.Outcome)]++
		t.durMs += finite(sr.DurationMs)
		switch classify(sr, strict) {
		case classExpected:
			t.expected++
		case classFailure:
			t.failures++
		case classError:
			t.errors++
		case classSkipped:
			t.skipped++
		}
	}
	return t
}

// verdict is the client's one-word result: an unexpected failure outranks a
// harness error because it is the client's own; a harness error is never
// counted against the client but still means the run could not judge it.
func (t tally) verdict() string {
	switch {
	case t.failures > 0:
		return "fail"
	case t.errors > 0:
		return "harness-error"
	default:
		return "pass"
	}
}

// failureMessage is the one-line reason a result is unexpected or an error,
// leading with the requirement as the findings do.
func failureMessage(sr ScenarioResult) string {
	if sr.Outcome == Passed && sr.ExpectedFailure {
		return "listed in the expected-failures file but passed: the list is stale"
	}
	if countKey(sr.Outcome) != sr.Outcome {
		return fmt.Sprintf("unknown outcome %q", sr.Outcome)
	}
	if m := oneLine(sr.Message); m != "" {
		return m
	}
	if len(sr.Findings) > 0 {
		return findingLine(sr.Findings[0])
	}
	return sr.Outcome
}

// findingLine renders a finding as "RC2 (MUST): expected X, actual Y".
func findingLine(f Finding) string {
	req := f.Requirement
	if f.Level != "" {
		req += " (" + f.Level + ")"
	}
	return oneLine(fmt.Sprintf("%s: expected %s, actual %s", req, f.Expected, f.Actual))
}

// oneLine folds whitespace runs (newlines included) into single spaces, so a
// multi-line message cannot break a table row or a console line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// flat puts s on one line without touching its spacing: a rerun command must
// stay exactly as given, quotes and all.
func flat(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// clip shortens s to at most n runes, marking the cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
