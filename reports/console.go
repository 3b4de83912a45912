package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/tokenclock/tokenclock/conformance"
)

// outcomeWord is the short console word of an outcome; unexpected-looking
// outcomes are upper case so they stand out in a plain log.
var outcomeWord = map[conformance.Outcome]string{
	conformance.Passed:       "pass",
	conformance.Failed:       "FAIL",
	conformance.Warned:       "warn",
	conformance.Skipped:      "skip",
	conformance.Inconclusive: "INCONCLUSIVE",
	conformance.Timeout:      "TIMEOUT",
	conformance.Crashed:      "CRASH",
	conformance.HarnessError: "HARNESS",
}

// consoleWord is a cell of the console matrix: the outcome word, with "(xf)" for an
// expected failure and "(stale)" for a listed scenario that passed.
func consoleWord(sr *conformance.ScenarioResult) string {
	if sr == nil {
		return "-"
	}
	w := outcomeWord[shown(sr.Outcome)]
	switch {
	case sr.Verdict == conformance.VerdictExpectedFailure:
		w += "(xf)"
	case sr.Verdict == conformance.VerdictStaleExpectedFailure:
		w += "(stale)"
	case sr.Outcome == conformance.Warned && sr.Verdict == conformance.VerdictFail:
		w = "WARN(strict)" // a warning that fails the run under --strict
	}
	return w
}

// WriteConsoleMatrix writes the scenario × client matrix as aligned text with short
// outcome words, then what to rerun, then one line of counts and the verdict per
// client: the counts agree with every other report because all read Judge's.
func WriteConsoleMatrix(w io.Writer, run conformance.RunResult) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "scenario\tlevel")
	for _, c := range run.Clients {
		fmt.Fprintf(tw, "\t%s", printable(oneLine(c.Name)))
	}
	fmt.Fprintln(tw)
	for _, r := range matrixRows(run) {
		fmt.Fprintf(tw, "%s\t%s", printable(oneLine(r.ID)), printable(oneLine(string(r.Level))))
		for _, sr := range r.Cells {
			fmt.Fprintf(tw, "\t%s", consoleWord(sr))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write console matrix: %w", err)
	}
	writeReruns(&b, run)
	for _, e := range run.Errors {
		fmt.Fprintf(&b, "harness error: %s\n", printable(oneLine(e)))
	}
	if line := interruptedLine(run); line != "" {
		fmt.Fprintln(&b, printable(line))
	}
	if line := shardLine(run); line != "" {
		fmt.Fprintln(&b, printable(line))
	}
	for _, c := range run.Clients {
		fmt.Fprintf(&b, "%s%s: %s → %s\n", printable(oneLine(c.Name)), profileNote(c), countsText(c), c.Verdict)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write console matrix: %w", err)
	}
	return nil
}

// writeReruns lists, for each result that breaks the run, why in one line and the
// command that reruns just that scenario for that client.
func writeReruns(b *strings.Builder, run conformance.RunResult) {
	first := true
	for _, c := range run.Clients {
		if n, why, rerun := sameCrash(c); n > 1 {
			// A driver that cannot start crashes every scenario for one reason: say it
			// once, whole, instead of once per scenario cut to a line.
			if first {
				b.WriteString("\nWhat broke the run, and how to rerun it:\n")
				first = false
			}
			fmt.Fprintf(b, "  %s: all %d scenarios crashed: %s\n", printable(oneLine(c.Name)), n, printable(clip(oneLine(why), 2000)))
			if rerun != "" {
				fmt.Fprintf(b, "    one of them: %s\n", printable(flat(rerun)))
			}
			continue
		}
		for _, sr := range c.Scenarios {
			if !sr.Verdict.Breaks() {
				continue
			}
			if first {
				b.WriteString("\nWhat broke the run, and how to rerun it:\n")
				first = false
			}
			why := string(shown(sr.Outcome))
			if r := reason(sr); r != "" {
				why += ": " + r
			}
			fmt.Fprintf(b, "  %s %s %s\n", printable(oneLine(c.Name)), printable(sr.ID), printable(clip(why, 200)))
			switch {
			case sr.Verdict == conformance.VerdictStaleExpectedFailure && c.ExpectedFailuresFile != "":
				fmt.Fprintf(b, "    it passes now: remove %s from %s\n", printable(sr.ID), printable(flat(c.ExpectedFailuresFile)))
			case sr.Rerun != "":
				fmt.Fprintf(b, "    %s\n", printable(flat(sr.Rerun)))
			}
		}
	}
	b.WriteString("\n")
}

// sameCrash reports whether every result of c that breaks the run crashed for the
// same reason: how many, the reason, and the first rerun line (n is 0 otherwise).
func sameCrash(c conformance.ClientResult) (n int, why, rerun string) {
	for _, sr := range c.Scenarios {
		if !sr.Verdict.Breaks() {
			continue
		}
		if sr.Outcome != conformance.Crashed || (n > 0 && reason(sr) != why) {
			return 0, "", ""
		}
		if n == 0 {
			why, rerun = reason(sr), sr.Rerun
		}
		n++
	}
	return n, why, rerun
}

// ProgressLine is the one console line for a finished scenario: client (padded to
// clientWidth, the longest client name of the run), ID, outcome (with its verdict
// when the expected-failures list or --strict changes its meaning), duration, and
// the first finding or message.
func ProgressLine(clientWidth int, client string, sr conformance.ScenarioResult) string {
	outcome := string(sr.Outcome)
	switch sr.Verdict {
	case conformance.VerdictExpectedFailure:
		outcome += " (expected)"
	case conformance.VerdictStaleExpectedFailure:
		outcome += " (stale)"
	case conformance.VerdictFail:
		if sr.Outcome == conformance.Warned {
			outcome += " (strict)"
		}
	}
	line := fmt.Sprintf("%-*s  %-16s %-20s %8s", clientWidth, oneLine(client), oneLine(sr.ID), oneLine(outcome), duration(sr.DurationMs))
	if sr.Outcome != conformance.Passed || sr.Verdict != conformance.VerdictPass {
		line += "  " + clip(reason(sr), 200)
	}
	return printable(strings.TrimRight(line, " "))
}

// reason is the headline without a leading "outcome:" that the line already shows.
func reason(sr conformance.ScenarioResult) string {
	h := sr.Headline()
	if h == string(sr.Outcome) {
		return ""
	}
	return strings.TrimPrefix(h, string(sr.Outcome)+": ")
}

// duration formats milliseconds for people: "143ms", "2.50s".
func duration(ms float64) string {
	ms = finite(ms)
	if ms < 1000 {
		return fmt.Sprintf("%.0fms", ms)
	}
	return fmt.Sprintf("%.2fs", ms/1000)
}
