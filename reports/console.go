package reports

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// outcomeWord is the short console word of an outcome; unexpected-looking
// outcomes are upper case so they stand out in a plain log.
var outcomeWord = map[string]string{
	Passed:       "pass",
	Failed:       "FAIL",
	Warned:       "warn",
	Skipped:      "skip",
	Timeout:      "TIMEOUT",
	Crashed:      "CRASH",
	HarnessError: "HARNESS",
}

// consoleWord is a cell of the console matrix: the outcome word, with "(xf)"
// when the scenario is listed as an expected failure.
func consoleWord(sr *ScenarioResult) string {
	if sr == nil {
		return "-"
	}
	w := outcomeWord[countKey(sr.Outcome)]
	if sr.ExpectedFailure {
		w += "(xf)"
	}
	return w
}

// WriteConsoleMatrix writes the scenario × client matrix as aligned text with
// short outcome words, then one line of counts and the verdict per client.
func WriteConsoleMatrix(w io.Writer, run Run) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "scenario\tlevel")
	for _, c := range run.Clients {
		fmt.Fprintf(tw, "\t%s", oneLine(c.Name))
	}
	fmt.Fprintln(tw)
	for _, r := range matrixRows(run) {
		fmt.Fprintf(tw, "%s\t%s", oneLine(r.ID), oneLine(r.Level))
		for _, sr := range r.Cells {
			fmt.Fprintf(tw, "\t%s", consoleWord(sr))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write console matrix: %w", err)
	}
	for _, c := range run.Clients {
		t := tallyClient(c, run.Options.Strict)
		var parts []string
		for _, o := range Outcomes {
			if n := t.byOutcome[o]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, o))
			}
		}
		if t.expected > 0 {
			parts = append(parts, fmt.Sprintf("%d expected failure(s)", t.expected))
		}
		if len(parts) == 0 {
			parts = append(parts, "no scenarios")
		}
		fmt.Fprintf(&b, "%s: %s → %s\n", oneLine(c.Name), strings.Join(parts, ", "), t.verdict())
	}
	for _, e := range run.Errors {
		fmt.Fprintf(&b, "harness error: %s\n", oneLine(e))
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write console matrix: %w", err)
	}
	return nil
}

// ProgressLine is the one console line for a finished scenario: client, ID,
// outcome, duration and message. Any result other than passed or skipped ends
// with the command that reruns just that scenario (results.md).
func ProgressLine(client string, sr ScenarioResult) string {
	outcome := sr.Outcome
	if sr.ExpectedFailure {
		outcome += " (expected)"
	}
	line := fmt.Sprintf("%-12s %-16s %-18s %8s", oneLine(client), oneLine(sr.ID), oneLine(outcome), duration(sr.DurationMs))
	msg := oneLine(sr.Message)
	if msg == "" && (sr.Outcome == Passed && sr.ExpectedFailure || countKey(sr.Outcome) != sr.Outcome) {
		msg = failureMessage(sr)
	}
	if msg != "" {
		line += "  " + msg
	}
	if sr.Rerun != "" && sr.Outcome != Skipped && (sr.Outcome != Passed || sr.ExpectedFailure) {
		line += "  — rerun: " + flat(sr.Rerun)
	}
	return strings.TrimRight(line, " ")
}

// duration formats milliseconds for people: "143ms", "2.50s".
func duration(ms float64) string {
	ms = finite(ms)
	if ms < 1000 {
		return fmt.Sprintf("%.0fms", ms)
	}
	return fmt.Sprintf("%.2fs", ms/1000)
}
