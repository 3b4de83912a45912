package conformance

import (
	"fmt"
	"strings"
)

// Verdict is how one scenario result counts toward the run, once the client's
// expected-failures list and --strict are applied. Judge sets it; every report and
// the console read it and never recompute it.
type Verdict string

// Scenario verdicts.
const (
	// VerdictPass: passed, or warned without --strict.
	VerdictPass Verdict = "pass"
	// VerdictExpectedFailure: listed in the expected-failures file and ended as listed.
	VerdictExpectedFailure Verdict = "expected-failure"
	// VerdictStaleExpectedFailure: listed in the expected-failures file, but passed:
	// the list is stale (exit 1).
	VerdictStaleExpectedFailure Verdict = "stale-expected-failure"
	// VerdictFail: an unexpected result (exit 1): failed, warned under --strict,
	// inconclusive, timeout, crashed, or an outcome this version does not know.
	VerdictFail Verdict = "fail"
	// VerdictSkipped: the client lacks a feature the row needs; never a pass.
	VerdictSkipped Verdict = "skipped"
	// VerdictHarnessError: the harness could not judge (exit 2); never the client's.
	VerdictHarnessError Verdict = "harness-error"
)

// ClientVerdict is a client's one-word result.
type ClientVerdict string

// Client verdicts: an unexpected failure outranks a harness error because it is the
// client's own; a harness error is never counted against the client.
const (
	ClientPass         ClientVerdict = "pass"
	ClientFail         ClientVerdict = "fail"
	ClientHarnessError ClientVerdict = "harness-error"
	// ClientNotRun: no scenario was played for the client (an interrupt came first).
	ClientNotRun ClientVerdict = "not-run"
)

// Exit codes of a conformance run, whichever entry point ran it.
const (
	ExitOK           = 0 // every scenario passed or ended as its expected-failures list says
	ExitUnexpected   = 1 // an unexpected result (see VerdictFail, VerdictStaleExpectedFailure)
	ExitHarnessError = 2 // the harness could not run or judge: bad flags, empty selection, harness-error
)

// Counts are one client's results counted by outcome and by verdict.
type Counts struct {
	Total    int             `json:"total"`
	Outcomes map[Outcome]int `json:"outcomes"`
	Verdicts map[Verdict]int `json:"verdicts"`
}

// ScenarioVerdict is the one rule that turns an outcome into a verdict: listed is
// whether the client's expected-failures file lists the scenario.
func ScenarioVerdict(outcome Outcome, listed, strict bool) Verdict {
	switch outcome {
	case Passed:
		if listed {
			return VerdictStaleExpectedFailure
		}
		return VerdictPass
	case Warned:
		if listed {
			return VerdictExpectedFailure
		}
		if strict {
			return VerdictFail
		}
		return VerdictPass
	case Failed, Timeout, Crashed:
		if listed {
			return VerdictExpectedFailure
		}
		return VerdictFail
	case Skipped:
		return VerdictSkipped // a listed scenario that is skipped stays skipped
	case HarnessError:
		return VerdictHarnessError
	default: // inconclusive (never an expected failure), and any outcome this version does not know
		return VerdictFail
	}
}

// Judge sets every scenario's verdict, every client's counts and verdict, and the
// run's exit code, from the outcomes, each client's expected-failures list (by client
// name) and strict. It is the only place the verdict is computed.
func Judge(run *RunResult, expected map[string]ExpectedFailures) {
	unexpected, harmed, played := false, len(run.Errors) > 0, 0
	for ci := range run.Clients {
		c := &run.Clients[ci]
		c.Counts = Counts{Outcomes: map[Outcome]int{}, Verdicts: map[Verdict]int{}}
		list := expected[c.Name]
		for si := range c.Scenarios {
			sr := &c.Scenarios[si]
			_, listed := list[sr.ID]
			sr.Verdict = ScenarioVerdict(sr.Outcome, listed, run.Options.Strict)
			sr.ExpectedFailure = sr.Verdict == VerdictExpectedFailure
			c.Counts.Total++
			c.Counts.Outcomes[sr.Outcome]++
			c.Counts.Verdicts[sr.Verdict]++
		}
		played += c.Counts.Total
		switch {
		case c.Counts.Verdicts[VerdictFail]+c.Counts.Verdicts[VerdictStaleExpectedFailure] > 0:
			c.Verdict, unexpected = ClientFail, true
		case c.Counts.Verdicts[VerdictHarnessError] > 0:
			c.Verdict, harmed = ClientHarnessError, true
		case c.Counts.Total == 0:
			c.Verdict = ClientNotRun
		default:
			c.Verdict = ClientPass
		}
		harmed = harmed || c.Counts.Verdicts[VerdictHarnessError] > 0
	}
	switch {
	case run.Interrupted != nil:
		run.ExitCode = Interrupt{Signal: run.Interrupted.Signal}.ExitCode()
	case harmed, played == 0 && run.Shard == nil: // a shard may hold no pair: nothing to do is no failure
		run.ExitCode = ExitHarnessError
	case unexpected:
		run.ExitCode = ExitUnexpected
	default:
		run.ExitCode = ExitOK
	}
}

// Breaks reports whether the verdict breaks the run (exit 1 or 2).
func (v Verdict) Breaks() bool {
	return v == VerdictFail || v == VerdictStaleExpectedFailure || v == VerdictHarnessError
}

// Headline is the one-line reason a result is what it is, leading with the
// requirement as findings do; every report prints this line for a result that
// breaks the run.
func (sr ScenarioResult) Headline() string {
	switch {
	case sr.Verdict == VerdictStaleExpectedFailure:
		return "listed in the expected-failures file but passed: the list is stale"
	case !sr.Outcome.Known():
		return fmt.Sprintf("unknown outcome %q", sr.Outcome)
	}
	if m := OneLine(sr.Message); m != "" {
		return m
	}
	if len(sr.Findings) > 0 {
		return sr.Findings[0].Line()
	}
	return string(sr.Outcome)
}

// Line renders a finding as "RC2 (MUST): expected X, actual Y".
func (f Finding) Line() string {
	req := string(f.Requirement)
	if f.Level != "" {
		req += " (" + string(f.Level) + ")"
	}
	return OneLine(fmt.Sprintf("%s: expected %s, actual %s", req, f.Expected, f.Actual))
}

// OneLine folds whitespace runs (newlines included) into single spaces, so a
// multi-line message cannot break a table row or a console line.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
