// Command matrix is `make matrix`: it runs the whole catalog against every bundled
// client (the kits' examples and one driver per real library, manifest.go), writes
// the run's reports (report.html, results.json, junit.xml, summary.md) to
// -report-dir, and rewrites docs/compatibility.md and the README's summary of it from
// the results. Its exit status is the run's: 0 when every client passed or failed
// exactly as its expected-failures file says.
//
// Run it from the repository root (the manifest's paths are relative to it), after
// `make node-deps python-deps`.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/reports"
	"github.com/tokenclock/tokenclock/scenarios"
)

func main() {
	reportDir := flag.String("report-dir", "", "where the run's reports go (default reports/matrix, reports/matrix-focus with -focus)")
	docPath := flag.String("doc", compatibilityDoc, "the compatibility page to rewrite")
	readmePath := flag.String("readme", readme, "the README whose summary section to rewrite")
	focus := flag.String("focus", "", "run only scenario IDs matching this regular expression (the page is then not written)")
	from := flag.String("from", "", "write the page from this results.json of an earlier whole matrix run instead of running")
	force := flag.Bool("force", false, "write the page even when the run has results the manifest does not account for")
	flag.Parse()
	if *reportDir == "" {
		// A focused run must not overwrite the whole run's results.json that -from reuses.
		*reportDir = map[bool]string{false: "reports/matrix", true: "reports/matrix-focus"}[*focus != ""]
	}
	if *from != "" {
		rewriteFrom(*from, *docPath, *readmePath)
		return
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	catalog, err := scenarios.Catalog().Select(*focus)
	if err != nil {
		fail(2, "--focus: %v", err)
	}
	bin, err := os.MkdirTemp("", "tokenclock-matrix-")
	if err != nil {
		fail(2, "%v", err)
	}
	defer os.RemoveAll(bin)
	clients, expected, err := clientSpecs(ctx, bin)
	if err != nil {
		fail(2, "%v", err)
	}
	fmt.Printf("matrix: %d scenarios × %d bundled clients\n", len(catalog), len(clients))
	run := conformance.Run(ctx, conformance.Options{Catalog: catalog, Focus: *focus, Clients: clients,
		Version: "matrix", Progress: progress})
	if err := reports.WriteAll(*reportDir, run); err != nil {
		fail(2, "writing the reports: %v", err)
	}
	for _, c := range run.Clients {
		note := ""
		if n := pinnedSeen(c); n > 0 {
			note = fmt.Sprintf(" (%d inconclusive rows pinned in the manifest: accepted here)", n)
		}
		fmt.Printf("%-28s %s%s\n", c.Name, c.Verdict, note)
	}
	code := 0
	if off := offManifest(run); len(off) > 0 || run.ExitCode == 2 || run.Interrupted != nil {
		code = max(1, run.ExitCode)
		fmt.Println("matrix: results the manifest and the expected-failures files do not account for:")
		for _, line := range off {
			fmt.Println("  " + line)
		}
	}
	fmt.Printf("reports: %s/report.html (run exit code %d; matrix exit code %d)\n", *reportDir, run.ExitCode, code)
	if *focus != "" || run.Interrupted != nil {
		fmt.Println("matrix: a partial run; docs/compatibility.md is left as it is")
		os.Exit(code)
	}
	if code != 0 && !*force {
		fmt.Println("matrix: docs/compatibility.md is left as it is (fix the drivers or their lists, or pass -force to publish these results)")
		os.Exit(code)
	}
	page, summary, err := render(run, expected)
	if err != nil {
		fail(2, "%v", err)
	}
	if err := os.WriteFile(*docPath, page, 0o644); err != nil {
		fail(2, "%v", err)
	}
	if err := rewriteReadme(*readmePath, summary); err != nil {
		fail(2, "%v", err)
	}
	fmt.Printf("wrote %s and the summary in %s\n", *docPath, *readmePath)
	os.Exit(code)
}

// pinnedSeen counts c's inconclusive rows that the manifest pins (whatever their message:
// offManifest judges that).
func pinnedSeen(c conformance.ClientResult) int {
	n := 0
	for _, b := range manifest {
		if b.Client != c.Name {
			continue
		}
		for _, sr := range c.Scenarios {
			if sr.Outcome == conformance.Inconclusive && b.Inconclusive[sr.ID] != "" {
				n++
			}
		}
	}
	return n
}

// offManifest lists the results neither a client's expected-failures file nor the
// manifest's pinned inconclusive rows account for ("CLIENT ID outcome: message"). The
// run's own verdict counts every inconclusive row against it, as it must; the matrix
// asks a narrower question — did each client behave as documented?
func offManifest(run conformance.RunResult) []string {
	pins := map[string]map[string]string{}
	for _, b := range manifest {
		pins[b.Client] = b.Inconclusive
	}
	var off []string
	for _, c := range run.Clients {
		for _, sr := range c.Scenarios {
			switch {
			case sr.Verdict == conformance.VerdictPass, sr.Verdict == conformance.VerdictExpectedFailure,
				sr.Verdict == conformance.VerdictSkipped:
			case sr.Outcome == conformance.Inconclusive && pins[c.Name][sr.ID] != "" &&
				acceptedFragment(sr.ID, pins[c.Name][sr.ID]) != "" && strings.Contains(sr.Message, acceptedFragment(sr.ID, pins[c.Name][sr.ID])):
			default:
				off = append(off, fmt.Sprintf("%s %s %s: %s", c.Name, sr.ID, sr.Outcome, sr.Message))
			}
		}
	}
	return off
}

// rewriteFrom writes the page and the README summary from an earlier run's
// results.json (a change to the page's wording needs no new run).
func rewriteFrom(results, docPath, readmePath string) {
	b, err := os.ReadFile(results)
	if err != nil {
		fail(2, "%v", err)
	}
	var run conformance.RunResult
	if err := json.Unmarshal(b, &run); err != nil {
		fail(2, "%s: %v", results, err)
	}
	if err := wholeRun(run); err != nil {
		fail(2, "%s: %v: the page is written only from a whole matrix run of this catalog", results, err)
	}
	_, expected, err := clientSpecs(context.Background(), "")
	if err != nil {
		fail(2, "%v", err)
	}
	page, summary, err := render(run, expected)
	if err != nil {
		fail(2, "%v", err)
	}
	if err := os.WriteFile(docPath, page, 0o644); err != nil {
		fail(2, "%v", err)
	}
	if err := rewriteReadme(readmePath, summary); err != nil {
		fail(2, "%v", err)
	}
	fmt.Printf("wrote %s and the summary in %s from %s\n", docPath, readmePath, results)
}

// wholeRun refuses results that are not one whole, unfocused, uninterrupted run of
// today's catalog against every bundled client.
func wholeRun(run conformance.RunResult) error {
	catalog := scenarios.Catalog()
	switch {
	case run.Options.Focus != "":
		return fmt.Errorf("a focused run (--focus %q)", run.Options.Focus)
	case run.Interrupted != nil:
		return fmt.Errorf("an interrupted run")
	case len(run.NotRun) > 0:
		return fmt.Errorf("%d scenarios were not run", len(run.NotRun))
	case run.CatalogDigest != catalog.Digest():
		return fmt.Errorf("another catalog (digest %s, today's %s)", run.CatalogDigest, catalog.Digest())
	}
	for _, c := range run.Clients {
		if len(c.Scenarios) != len(catalog) {
			return fmt.Errorf("client %s ran %d scenarios of %d", c.Name, len(c.Scenarios), len(catalog))
		}
	}
	return nil
}

// progress prints one line per scenario that did not pass, so a long run shows life.
func progress(client string, res conformance.ScenarioResult) {
	if res.Outcome != conformance.Passed && res.Outcome != conformance.Skipped {
		fmt.Println(reports.ProgressLine(28, client, res))
	}
}

func fail(code int, format string, args ...any) {
	fmt.Fprintf(os.Stderr, "matrix: "+format+"\n", args...)
	os.Exit(code)
}

// render is the whole compatibility page, and the summary table the README repeats.
func render(run conformance.RunResult, expected map[string]conformance.ExpectedFailures) (page, summary []byte, err error) {
	var body bytes.Buffer
	if err := reports.WriteCompatibility(&body, run, libraries(), expected); err != nil {
		return nil, nil, err
	}
	text := body.String()
	return []byte(pageHead + verdictLead(run) + text + pageTail), []byte(readmeSummary(text)), nil
}

// verdictLead is the page's first answer for someone choosing a library: which
// libraries pass as their docs recommend (usually none), which fail least, and which
// examples to copy instead.
func verdictLead(run conformance.RunResult) string {
	byName := map[string]conformance.ClientResult{}
	for _, c := range run.Clients {
		byName[c.Name] = c
	}
	type lib struct {
		name   string
		failed int
	}
	var libs []lib
	var passing, examples []string
	for _, b := range manifest {
		c := byName[b.Client]
		if b.example {
			examples = append(examples, b.Client)
			continue
		}
		failed := reports.CompatibilityTally(c, "").Failed
		if failed == 0 {
			passing = append(passing, b.Client)
		}
		libs = append(libs, lib{b.Client, failed})
	}
	sort.SliceStable(libs, func(i, j int) bool { return libs[i].failed < libs[j].failed })
	var b strings.Builder
	if len(passing) == 0 {
		b.WriteString("**In short: no library passes as its documentation recommends.** ")
	} else {
		fmt.Fprintf(&b, "**In short: %s pass as their documentation recommends.** ", strings.Join(passing, ", "))
	}
	var least []string
	for _, l := range libs {
		if l.failed == libs[0].failed {
			least = append(least, l.name)
		}
	}
	fmt.Fprintf(&b, "Fewest failed rows: %s (%d each; read their lists below before you rely on them). ", strings.Join(least, ", "), libs[0].failed)
	fmt.Fprintf(&b, "The first %d clients (%s) are examples written to pass, not libraries: "+
		"copy one, or wrap your library the way it does.\n\n", len(examples), strings.Join(examples, ", "))
	return b.String()
}

// readmeSummary is the README's short form of the page's summary table (the page's
// text from that table on): client, library, version and the counts, each client
// linked to its section of the page.
func readmeSummary(page string) string {
	table, _, _ := strings.Cut(page[strings.Index(page, "| client |"):], "\n\n")
	keep := []int{0, 1, 2, 5, 6, 7, 8, 9} // client, library, version, the counts, verdict
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(table), "\n") {
		cells := splitRow(line)
		kept := make([]string, 0, len(keep))
		for _, i := range keep {
			if i < len(cells) {
				kept = append(kept, strings.ReplaceAll(cells[i], "](#", "](docs/compatibility.md#"))
			}
		}
		if strings.HasPrefix(line, "|---") {
			b.WriteString("|" + strings.Join(kept, "|") + "|\n")
		} else {
			b.WriteString("| " + strings.Join(kept, " | ") + " |\n")
		}
	}
	return b.String()
}

// splitRow splits a Markdown table row into its trimmed cells; an escaped \| stays
// inside its cell.
func splitRow(line string) []string {
	var cells []string
	var cur strings.Builder
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(strings.TrimSuffix(line, "|"), "|")
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
			cur.WriteString("\\|")
			i++
		case line[i] == '|':
			cells = append(cells, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(line[i])
		}
	}
	return append(cells, strings.TrimSpace(cur.String()))
}

// rewriteReadme replaces the README's generated summary section with summary.
func rewriteReadme(path string, summary []byte) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := replaceSection(string(b), string(summary))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

// replaceSection puts body between the README's summary markers.
func replaceSection(doc, body string) (string, error) {
	start := strings.Index(doc, readmeBegin)
	end := strings.Index(doc, readmeEnd)
	if start < 0 || end < start {
		return "", fmt.Errorf("no %q … %q section", readmeBegin, readmeEnd)
	}
	return doc[:start+len(readmeBegin)] + "\n" + body + doc[end:], nil
}
