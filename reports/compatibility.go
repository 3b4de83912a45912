package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// Library describes one column of the compatibility matrix: which library a bundled
// client drives, and how (the refresh pattern its own documentation recommends).
type Library struct {
	// Client is the client's name in the run.
	Client string
	// Name is the library as people know it ("ky", "requests").
	Name string
	// Runtime says where it runs ("Node 20, JS kit", "Python 3.11", "Go").
	Runtime string
	// Pattern is the documented refresh pattern the driver follows, and where the
	// library's docs show it.
	Pattern string
	// Setting names the option this column runs with, when the library's documented
	// pattern needs one to be correct and the matrix runs it both ways.
	Setting string
	// Command is how to run it from a checkout, as a user would type it.
	Command string
	// Build, when set, is a command to run first (a Go driver's go build).
	Build string
	// Inconclusive pins the rows that cannot judge this client, each with why (one
	// line): the row's precondition never happens with it — its logout waits for the
	// refresh in flight, say. Such a row stays inconclusive (never an expected
	// failure); the page lists it with this reason, and make matrix accepts it.
	Inconclusive map[string]string
	// Notes are what the matrix says plainly about a result: a real bug or limitation
	// of the library (not of our driver), each with the journal of one scenario as its
	// evidence.
	Notes []LibraryNote
}

// LibraryNote is one plain statement about a library, with the scenario whose journal
// shows it.
type LibraryNote struct {
	Text     string
	Scenario string
}

// CompatibilityMarker opens the machine-checked failure list of one client in
// compatibility.md: `<!-- failures: CLIENT rows=N skipped=S -->` (how many rows it ran,
// how many were skipped); each failure follows as
// "- `ID` LEVEL outcome — reason", and the list ends at the next blank line.
const CompatibilityMarker = "<!-- failures: "

// maxExcerpt bounds a journal excerpt: the evidence, not the whole storm.
const maxExcerpt = 20

// WriteCompatibility writes docs/compatibility.md from a run of the bundled clients:
// the summary table (library, version, pattern, verdict), a family × client table,
// and per client every row it did not pass, each in one line with its reason (the
// expected-failures file's, or the run's message for an unexpected one), then the
// notes on real library bugs with their journal excerpts. expected holds each
// client's expected-failures list (the reasons). Everything comes from the run, libs
// and expected, so the page is the same for the same results.
func WriteCompatibility(w io.Writer, run conformance.RunResult, libs []Library, expected map[string]conformance.ExpectedFailures) error {
	byClient := map[string]conformance.ClientResult{}
	for _, c := range run.Clients {
		byClient[c.Name] = c
	}
	var b strings.Builder
	b.WriteString("| client | library | version | runtime | documented pattern | failed | warned | inconclusive | skipped | verdict |\n")
	b.WriteString("|---|---|---|---|---|--:|--:|--:|--:|---|\n")
	for _, l := range libs {
		c, ok := byClient[l.Client]
		if !ok {
			return fmt.Errorf("compatibility: client %q is not in the run", l.Client)
		}
		t := CompatibilityTally(c, "")
		pattern := l.Pattern
		if l.Setting != "" {
			pattern += " — " + l.Setting
		}
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s | %s | %d | %d | %d | %d | %s |\n", mdText(l.Client), idSafe(l.Client),
			mdText(l.Name), mdText(c.Hello.Version), mdText(runtimeOf(l, c)), mdText(pattern), t.Failed, t.Warned, t.Inconclusive, t.Skipped,
			compatVerdict(t.Failed, t.Warned, t.Inconclusive))
	}

	b.WriteString("\n### By family\n\n")
	b.WriteString("✅ every row it ran passed · ❌ n: n rows failed (or timed out, crashed) · ⚠️ n: n SHOULD rows warned · ❔ n: n rows inconclusive · ⏭ every row skipped (a feature the client lacks)\n\n")
	b.WriteString("| family |")
	for _, l := range libs {
		fmt.Fprintf(&b, " %s |", mdText(l.Client))
	}
	b.WriteString("\n|---|" + strings.Repeat(":-:|", len(libs)) + "\n")
	for _, fam := range families(run) {
		fmt.Fprintf(&b, "| %s |", fam)
		for _, l := range libs {
			fmt.Fprintf(&b, " %s |", familyCell(byClient[l.Client], fam))
		}
		b.WriteString("\n")
	}

	for _, l := range libs {
		c := byClient[l.Client]
		fmt.Fprintf(&b, "\n### %s\n\n", mdText(l.Client))
		fmt.Fprintf(&b, "- **Library:** %s — %s, on %s\n- **Documented pattern:** %s\n", mdText(l.Name), mdText(c.Hello.Version),
			mdText(runtimeOf(l, c)), mdText(l.Pattern))
		if l.Setting != "" {
			fmt.Fprintf(&b, "- **Setting:** %s\n", mdText(l.Setting))
		}
		b.WriteString("\n```sh\n")
		if l.Build != "" {
			b.WriteString(l.Build + "\n")
		}
		fmt.Fprintf(&b, "tokenclock run --client '%s=%s'", l.Client, l.Command)
		if c.Profile == fakeserver.ProfileOAuth2 {
			b.WriteString(" --profile oauth2")
		}
		if c.ExpectedFailuresFile != "" {
			fmt.Fprintf(&b, " \\\n  --expect-failures %s=%s", l.Client, c.ExpectedFailuresFile)
		}
		b.WriteString("\n```\n\n")
		writeCompatFailures(&b, c, expected[c.Name], l.Inconclusive)
		for _, n := range l.Notes {
			writeLibraryNote(&b, c, n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// runtimeOf is the runtime cell: the library's runtime, and the server profile when
// it is not the default cookie one.
func runtimeOf(l Library, c conformance.ClientResult) string {
	if c.Profile == fakeserver.ProfileOAuth2 {
		return l.Runtime + "; OAuth 2 profile"
	}
	return l.Runtime
}

// Tally is how a client's rows ended, as the compatibility page counts them.
type Tally struct {
	// Failed counts every row that neither passed, warned, was skipped nor ended
	// inconclusive: failed, timeout, crashed, harness-error.
	Failed, Warned, Inconclusive, Skipped, Rows int
}

// CompatibilityTally counts c's rows of family fam ("" for all of them): the one rule
// behind the page's summary, its family cells and its opening verdict.
func CompatibilityTally(c conformance.ClientResult, fam string) Tally {
	var t Tally
	for _, sr := range c.Scenarios {
		if fam != "" && family(sr.ID) != fam {
			continue
		}
		t.Rows++
		switch sr.Outcome {
		case conformance.Passed:
		case conformance.Skipped:
			t.Skipped++
		case conformance.Warned:
			t.Warned++
		case conformance.Inconclusive:
			t.Inconclusive++
		default:
			t.Failed++
		}
	}
	return t
}

// compatVerdict is the summary's one word: MUST failures make a client fail.
func compatVerdict(must, should, inconclusive int) string {
	switch {
	case must > 0:
		return "❌ fails"
	case inconclusive > 0:
		return "❔ passes what could be judged"
	case should > 0:
		return "⚠️ passes, with warnings"
	default:
		return "✅ passes"
	}
}

// families lists the scenario families in catalog order.
func families(run conformance.RunResult) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range run.Clients {
		for _, sr := range c.Scenarios {
			if f := family(sr.ID); !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// familyCell summarises one client's rows of one family.
func familyCell(c conformance.ClientResult, fam string) string {
	t := CompatibilityTally(c, fam)
	failed, warned, inconclusive := t.Failed, t.Warned, t.Inconclusive
	var parts []string
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("❌ %d", failed))
	}
	if inconclusive > 0 {
		parts = append(parts, fmt.Sprintf("❔ %d", inconclusive))
	}
	if warned > 0 {
		parts = append(parts, fmt.Sprintf("⚠️ %d", warned))
	}
	switch {
	case t.Rows == 0:
		return "—" // not in this run
	case t.Rows == t.Skipped:
		return "⏭"
	case len(parts) == 0:
		return "✅"
	}
	return strings.Join(parts, " ")
}

// writeCompatFailures lists every row c did not pass, in catalog order, one line each:
// the reason its expected-failures file gives, the pinned reason of an inconclusive
// row, or the run's own message for a result neither expects (marked: the matrix is
// then out of date).
func writeCompatFailures(b *strings.Builder, c conformance.ClientResult, reasons conformance.ExpectedFailures, inconclusive map[string]string) {
	_, skippedN := skippedRows(c)
	fmt.Fprintf(b, "%s%s rows=%d skipped=%d -->\n", CompatibilityMarker, c.Name, len(c.Scenarios), skippedN)
	any := false
	for _, sr := range c.Scenarios {
		if sr.Outcome == conformance.Passed {
			continue
		}
		if sr.Outcome == conformance.Skipped {
			// A row the file lists for another runtime (a browser-only failure, say) is
			// shown as listed, its outcome saying it did not run here.
			if reason, listed := reasons[sr.ID]; listed {
				any = true
				fmt.Fprintf(b, "- `%s` %s %s — %s\n", sr.ID, sr.Level, sr.Outcome, CompatibilityReason(reason))
			}
			continue
		}
		any = true
		reason, listed := reasons[sr.ID]
		if pinned, ok := inconclusive[sr.ID]; ok && sr.Outcome == conformance.Inconclusive {
			reason, listed = pinned, true
		} else if !sr.ExpectedFailure {
			listed = false
		}
		if !listed {
			reason = "UNEXPECTED (not in its expected-failures file): " + sr.Message
		}
		fmt.Fprintf(b, "- `%s` %s %s — %s\n", sr.ID, sr.Level, sr.Outcome, CompatibilityReason(reason))
	}
	if !any {
		b.WriteString("- every row it ran passed\n")
	}
	if skipped, n := skippedRows(c); n > 0 {
		fmt.Fprintf(b, "\nSkipped (%d): %s.\n", n, strings.Join(skipped, ", "))
	}
}

// CompatibilityReason is a failure's reason as compatibility.md prints it: one line,
// escaped for Markdown, at most 400 characters.
func CompatibilityReason(reason string) string { return mdText(clip(reason, 400)) }

// skippedRows names the skipped rows, their IDs grouped by family, and counts them.
func skippedRows(c conformance.ClientResult) ([]string, int) {
	byFam := map[string][]string{}
	var order []string
	for _, sr := range c.Scenarios {
		if sr.Outcome != conformance.Skipped {
			continue
		}
		f := family(sr.ID)
		if _, ok := byFam[f]; !ok {
			order = append(order, f)
		}
		byFam[f] = append(byFam[f], strings.TrimPrefix(sr.ID, f+"-"))
	}
	out, n := make([]string, 0, len(order)), 0
	for _, f := range order {
		out = append(out, f+"-"+strings.Join(byFam[f], "/"))
		n += len(byFam[f])
	}
	return out, n
}

// writeLibraryNote states a library bug plainly, with the scenario's journal as
// evidence: one line per request, as report.html's sequence diagram labels them.
func writeLibraryNote(b *strings.Builder, c conformance.ClientResult, n LibraryNote) {
	fmt.Fprintf(b, "\n**Library note (%s):** %s\n", n.Scenario, mdText(n.Text))
	for _, sr := range c.Scenarios {
		if sr.ID != n.Scenario {
			continue
		}
		b.WriteString("\n```\n")
		b.WriteString(journalExcerpt(sr.Journal))
		b.WriteString("```\n")
	}
}

// journalExcerpt renders a journal as text, at most maxExcerpt lines.
func journalExcerpt(j fakeserver.Journal) string {
	var b strings.Builder
	kinds := entryKinds(j)
	tabs := severalInstances(j)
	for i, e := range j {
		if i == maxExcerpt {
			fmt.Fprintf(&b, "… %d more requests\n", len(j)-maxExcerpt)
			break
		}
		fmt.Fprintf(&b, "#%-3d %s\n", e.Seq, printable(tabPrefix(e, tabs)+arrowLabel(e, kinds[i])+" → "+statusLabel(e)))
	}
	return b.String()
}

// CompatibilityList is one client's failure list as compatibility.md prints it.
type CompatibilityList struct {
	// Rows and Skipped are how many rows the client ran in all, and how many of them
	// were skipped.
	Rows, Skipped int
	// Listed are the rows it did not pass (and the skipped rows its file lists), by ID.
	Listed map[string]CompatibilityRow
}

// CompatibilityRow is one listed row: its level and outcome words and its reason.
type CompatibilityRow struct{ Level, Outcome, Reason string }

// ParseCompatibility reads back, from a compatibility.md, each client's failure list
// (the lists WriteCompatibility marks). It is how a test holds the committed page to
// the expected-failures files without running anything.
func ParseCompatibility(doc string) map[string]CompatibilityList {
	out := map[string]CompatibilityList{}
	for _, block := range strings.Split(doc, CompatibilityMarker)[1:] {
		head, rest, ok := strings.Cut(block, " -->")
		if !ok {
			continue
		}
		var l CompatibilityList
		var client string
		if _, err := fmt.Sscanf(head, "%s rows=%d skipped=%d", &client, &l.Rows, &l.Skipped); err != nil {
			continue
		}
		l.Listed = map[string]CompatibilityRow{}
		for _, line := range strings.Split(rest, "\n")[1:] {
			if !strings.HasPrefix(line, "- `") {
				break
			}
			id, tail, _ := strings.Cut(strings.TrimPrefix(line, "- `"), "` ")
			words, reason, _ := strings.Cut(tail, " — ")
			level, outcome, _ := strings.Cut(words, " ")
			l.Listed[id] = CompatibilityRow{Level: level, Outcome: outcome, Reason: reason}
		}
		out[client] = l
	}
	return out
}
