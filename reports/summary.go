package reports

import (
	"fmt"
	"github.com/tokenclock/tokenclock/conformance"
	"io"
	"strings"
)

// outcomeSymbol is the short mark of an outcome in summary.md (report.html uses
// htmlSymbol).
var outcomeSymbol = map[conformance.Outcome]string{
	conformance.Passed:       "✅",
	conformance.Failed:       "❌",
	conformance.Warned:       "⚠️",
	conformance.Skipped:      "⏭",
	conformance.Inconclusive: "❔",
	conformance.Timeout:      "⏱",
	conformance.Crashed:      "💥",
	conformance.HarnessError: "🛠",
}

// maxSummaryFindings caps the findings list: a CI job summary should stay short,
// and report.html holds everything.
const maxSummaryFindings = 30

// WriteSummary writes summary.md: per client the counts by outcome and a verdict,
// the scenario × client matrix in symbols, then the unexpected results with
// their findings. Text from the run is escaped so it cannot break the tables or
// inject HTML into the CI page.
func WriteSummary(w io.Writer, run conformance.RunResult) error {
	var b strings.Builder
	strict := run.Options.Strict
	fmt.Fprintf(&b, "## %s %s — exit %d\n\n", mdText(orDefault(run.Tool, "tokenclock")), mdText(run.Version), run.ExitCode)
	fmt.Fprintf(&b, "Started %s · strict %t", mdText(run.StartedAt), strict)
	if run.Options.Focus != "" {
		fmt.Fprintf(&b, " · focus `%s`", mdCode(run.Options.Focus))
	}
	b.WriteString("\n\n")
	for _, e := range run.Errors {
		fmt.Fprintf(&b, "- 🛠 harness: %s\n", mdText(oneLine(e)))
	}
	if line := interruptedLine(run); line != "" {
		fmt.Fprintf(&b, "- ⏹ %s\n", mdText(line))
	}
	if line := shardLine(run); line != "" {
		fmt.Fprintf(&b, "- 🧩 %s\n", mdText(line))
	}
	if len(run.Errors) > 0 || run.Interrupted != nil || run.Shard != nil {
		b.WriteString("\n")
	}

	b.WriteString("| client |")
	for _, o := range conformance.Outcomes {
		fmt.Fprintf(&b, " %s %s |", outcomeSymbol[o], o)
	}
	b.WriteString(" expected failures | verdict |\n|---|")
	b.WriteString(strings.Repeat("--:|", len(conformance.Outcomes)+1))
	b.WriteString("---|\n")
	for _, c := range run.Clients {
		fmt.Fprintf(&b, "| %s |", mdText(c.Name+profileNote(c)))
		plain := plainOutcomes(c)
		for _, o := range conformance.Outcomes {
			fmt.Fprintf(&b, " %d |", plain[o])
		}
		fmt.Fprintf(&b, " %s | %s |\n", expectedCell(c), verdictMark(c.Verdict))
	}

	rows := matrixRows(run)
	if len(rows) > 0 {
		b.WriteString("\n| scenario | level |")
		for _, c := range run.Clients {
			fmt.Fprintf(&b, " %s |", mdText(c.Name))
		}
		b.WriteString("\n|---|---|" + strings.Repeat(":-:|", len(run.Clients)) + "\n")
		for _, r := range rows {
			fmt.Fprintf(&b, "| %s | %s |", mdText(r.ID), mdText(string(r.Level)))
			for _, sr := range r.Cells {
				fmt.Fprintf(&b, " %s |", cellMark(sr))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n✅ passed · ❌ failed · ⚠️ warned · ⏭ skipped · ❔ inconclusive · ⏱ timeout · 💥 crashed · 🛠 harness-error · *xfail* = an expected failure · *stale* = listed as an expected failure but passed\n")
	}

	writeSummaryFindings(&b, run)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write summary.md: %w", err)
	}
	return nil
}

// writeSummaryFindings lists every unexpected result (client, ID, message) and,
// under it, its findings.
func writeSummaryFindings(b *strings.Builder, run conformance.RunResult) {
	n := 0
	for _, c := range run.Clients {
		for _, sr := range c.Scenarios {
			if !sr.Verdict.Breaks() {
				continue
			}
			if n == 0 {
				b.WriteString("\n### Unexpected results\n\n")
			}
			n++
			if n > maxSummaryFindings {
				continue
			}
			fmt.Fprintf(b, "- **%s** `%s` %s: %s\n", mdText(c.Name), mdCode(sr.ID), outcomeSymbol[shown(sr.Outcome)],
				mdText(clip(sr.Headline(), 300)))
			for _, f := range sr.Findings {
				fmt.Fprintf(b, "  - %s\n", mdText(clip(f.Line(), 300)))
			}
		}
	}
	if n > maxSummaryFindings {
		fmt.Fprintf(b, "- … and %d more (see report.html)\n", n-maxSummaryFindings)
	}
}

func cellMark(sr *conformance.ScenarioResult) string {
	if sr == nil {
		return "—"
	}
	mark := outcomeSymbol[shown(sr.Outcome)]
	switch sr.Verdict {
	case conformance.VerdictExpectedFailure:
		mark += " *xfail*"
	case conformance.VerdictStaleExpectedFailure:
		mark += " *stale*"
	}
	return mark
}

// expectedCell is the expected-failures count, naming stale entries: a listed
// scenario that passed means the list must be updated.
func expectedCell(c conformance.ClientResult) string {
	cell := fmt.Sprint(c.Counts.Verdicts[conformance.VerdictExpectedFailure])
	if n := c.Counts.Verdicts[conformance.VerdictStaleExpectedFailure]; n > 0 {
		cell += fmt.Sprintf(" (%d stale: the list is out of date)", n)
	}
	return cell
}

func verdictMark(v conformance.ClientVerdict) string {
	switch v {
	case conformance.ClientFail:
		return "❌ fail"
	case conformance.ClientNotRun:
		return "⏹ not run"
	case conformance.ClientHarnessError:
		return "🛠 harness error"
	default:
		return "✅ pass"
	}
}

// mdText escapes run text for a Markdown table cell or list item: HTML
// specials become entities, Markdown specials get a backslash, and newlines
// become spaces.
func mdText(s string) string {
	s = oneLine(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '|', '\\', '`', '*', '_', '[', ']', '#', '~':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode makes s safe inside a single-backtick code span (no escapes work there).
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "|", "¦").Replace(oneLine(s))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
