package reports

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// oneLine folds whitespace runs (newlines included) into single spaces, so a
// multi-line message cannot break a table row or a console line.
func oneLine(s string) string { return conformance.OneLine(s) }

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

// printable escapes every control character (ESC of an ANSI or OSC sequence, BEL,
// …) as \xNN or \u{NNNN}, so text a driver controls cannot clear a terminal,
// retitle its window or plant a link in it.
func printable(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unicode.IsControl(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u{%04x}`, r)
		}
	}
	return b.String()
}

// shown is the outcome a result is drawn as: an outcome this version does not know
// is drawn as failed, since readers treat it as a failure.
func shown(o conformance.Outcome) conformance.Outcome {
	if o.Known() {
		return o
	}
	return conformance.Failed
}

// interruptedLine is the sentence every report prints for a run a signal stopped
// ("" for one that finished).
func interruptedLine(run conformance.RunResult) string {
	if run.Interrupted == nil {
		return ""
	}
	return fmt.Sprintf("interrupted by %s at %s: %s not run (the scenario in flight is not counted against its client)",
		run.Interrupted.Signal, run.Interrupted.At, plural(len(run.NotRun), "scenario"))
}

// profileNote is " (oauth2 profile)" for a client judged under a profile other than
// the default cookie one, "" otherwise.
func profileNote(c conformance.ClientResult) string {
	if c.ProfileName() == fakeserver.ProfileCookie {
		return ""
	}
	return " (" + c.ProfileName() + " profile)"
}

// shardLine says a run played one shard of its pairs; "" for a whole run.
func shardLine(run conformance.RunResult) string {
	if run.Shard == nil {
		return ""
	}
	return fmt.Sprintf("shard %s: only the (client, scenario) pairs that fall to this shard were played; tokenclock merge joins the shards' report directories", run.Shard)
}

// plainOutcomes counts a client's results by outcome, leaving out expected and stale
// expected failures, which every report counts on their own: "1 failed" then always
// means a failure that counts, in the console, summary.md and report.html alike.
func plainOutcomes(c conformance.ClientResult) map[conformance.Outcome]int {
	byOutcome := map[conformance.Outcome]int{}
	for _, sr := range c.Scenarios {
		if sr.Verdict != conformance.VerdictExpectedFailure && sr.Verdict != conformance.VerdictStaleExpectedFailure {
			byOutcome[sr.Outcome]++
		}
	}
	return byOutcome
}

// countsText is "15 passed, 5 failed, 2 expected failures, 1 stale expected
// failure" for one client. Expected and stale expected failures are counted apart
// from their outcomes, so "1 failed" always means a failure that counts.
func countsText(c conformance.ClientResult) string {
	byOutcome := plainOutcomes(c)
	var parts []string
	for _, o := range conformance.Outcomes {
		if n := byOutcome[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	for o, n := range byOutcome {
		if !o.Known() && n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, oneLine(string(o))))
		}
	}
	if n := c.Counts.Verdicts[conformance.VerdictExpectedFailure]; n > 0 {
		parts = append(parts, plural(n, "expected failure"))
	}
	if n := c.Counts.Verdicts[conformance.VerdictStaleExpectedFailure]; n > 0 {
		parts = append(parts, plural(n, "stale expected failure"))
	}
	if len(parts) == 0 {
		return "no scenarios"
	}
	return strings.Join(parts, ", ")
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
