package reports

import (
	_ "embed"
	"fmt"
	"github.com/tokenclock/tokenclock/conformance"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/tokenclock/tokenclock/fakeserver"
)

//go:embed report.html.tmpl
var reportHTML string

// DiagramCSS is the sequence diagrams' style sheet: report.html inlines it, the
// web console serves it, so both draw each kind of request alike.
//
//go:embed diagram.css
var DiagramCSS string

// reportTemplate is parsed once; the text is a constant of this package, so a
// parse error is a bug caught by every test run.
var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"ms":      func(f float64) string { return fmt.Sprintf("%.1f", finite(f)) },
	"dur":     duration,
	"join":    strings.Join,
	"reqText": func(id conformance.RequirementID) string { return id.Text() },
	// The style sheet is this package's own constant text, not run data.
	"diagramCSS": func() template.CSS { return template.CSS(DiagramCSS) },
}).Parse(reportHTML))

// page is everything report.html shows, computed up front so the template only
// lays it out.
type page struct {
	Run         conformance.RunResult
	ExitText    string
	Interrupted string
	Shard       string // shardLine: "" for a whole run
	Clients     []pageClient
	Rows        []pageRow
	Details     []pageDetail
	// Session, when set, makes the page a recorded session's (WriteSessionHTML):
	// it says what the session was instead of an exit code and a matrix.
	Session string
}

type pageClient struct {
	conformance.ClientResult
	Anchor   string
	Verdict  string
	Counts   []outcomeCount
	Expected int
	Stale    int
}

type outcomeCount struct {
	Outcome conformance.Outcome
	Symbol  string
	N       int
}

type pageRow struct {
	ID, Title    string
	Level        conformance.Level
	Requirements []conformance.RequirementID
	Cells        []pageCell
	// FamilyStart marks the first row of a family (CONC-, LOOP-, …), drawn
	// with a heavier rule so a 28-row matrix reads as a few groups.
	FamilyStart bool
}

type pageCell struct {
	Present  bool
	Href     string
	Outcome  conformance.Outcome
	Symbol   string
	Expected bool
	Stale    bool
}

type pageDetail struct {
	Anchor   string
	Client   string
	S        conformance.ScenarioResult
	Class    string
	Symbol   string
	Verdict  string
	Open     bool
	First    bool // the client's first detail: the page starts a heading for it
	Message  string
	Reqs     []reqText
	Diagram  diagram
	Journal  []journalRow
	Findings []conformance.Finding
}

type reqText struct {
	ID    conformance.RequirementID
	Level conformance.Level
	Text  string
}

type journalRow struct {
	fakeserver.Entry
	Kind string
}

// WriteHTML writes report.html: one self-contained page (inline CSS and SVG, no
// script, no network reference) with the run header, the clients × scenarios
// matrix, each client's hello, and a detail section per client × scenario with
// the requirements, findings, replies, a sequence diagram of the journal, the
// full journal and the driver's stderr. html/template escapes all run text.
func WriteHTML(w io.Writer, run conformance.RunResult) error {
	if err := reportTemplate.Execute(w, buildPage(run)); err != nil {
		return fmt.Errorf("write report.html: %w", err)
	}
	return nil
}

// Session is what a recorded session's report.html says and draws differently
// from a conformance run's (WriteSessionHTML).
type Session struct {
	// Note says what the session was and that nothing is judged; it replaces the
	// run's exit code, options and matrix.
	Note string
	// Origin is virtual time's zero in the diagrams: the server's clock at its
	// start, as the web console counts.
	Origin time.Time
}

// WriteSessionHTML writes a report.html of something that was not a conformance
// run — a session recorded by tokenclock serve, exported from its web console: the
// same page and diagrams, with the session's note in place of the exit code, the
// options and the matrix; every detail open, without an outcome; each diagram
// drawing the last DiagramCap entries (the incident is at the end of a session).
// run holds one client and its scenario(s), the journal in each.
func WriteSessionHTML(w io.Writer, run conformance.RunResult, s Session) error {
	p := buildPageWith(run, diagramView{Tail: true, Origin: s.Origin})
	p.Session = s.Note
	for i := range p.Details {
		p.Details[i].Open = true
		p.Details[i].Verdict = "not judged: a recorded session, not a conformance run"
	}
	if err := reportTemplate.Execute(w, p); err != nil {
		return fmt.Errorf("write session report.html: %w", err)
	}
	return nil
}

func buildPage(run conformance.RunResult) page { return buildPageWith(run, diagramView{}) }

func buildPageWith(run conformance.RunResult, view diagramView) page {
	p := page{Run: run, ExitText: exitText(run.ExitCode), Interrupted: interruptedLine(run), Shard: shardLine(run)}
	anchors := map[*conformance.ScenarioResult]string{}
	used := map[string]bool{}
	for ci := range run.Clients {
		c := run.Clients[ci]
		pc := pageClient{ClientResult: c, Anchor: uniqueAnchor("c-"+idSafe(c.Name), used),
			Verdict: string(c.Verdict), Expected: c.Counts.Verdicts[conformance.VerdictExpectedFailure],
			Stale: c.Counts.Verdicts[conformance.VerdictStaleExpectedFailure]}
		plain := plainOutcomes(c)
		for _, o := range conformance.Outcomes {
			pc.Counts = append(pc.Counts, outcomeCount{o, htmlSymbol[o], plain[o]})
		}
		p.Clients = append(p.Clients, pc)
		for si := range c.Scenarios {
			sr := &run.Clients[ci].Scenarios[si]
			a := uniqueAnchor(anchorID(c.Name, sr.ID), used)
			anchors[sr] = a
			d := buildDetail(a, c.Name, *sr, view)
			d.First = si == 0
			p.Details = append(p.Details, d)
		}
	}
	prevFamily := ""
	for i, r := range matrixRows(run) {
		pr := pageRow{ID: r.ID, Title: r.Title, Level: r.Level, Requirements: r.Requirements,
			FamilyStart: i > 0 && family(r.ID) != prevFamily}
		prevFamily = family(r.ID)
		for _, sr := range r.Cells {
			if sr == nil {
				pr.Cells = append(pr.Cells, pageCell{})
				continue
			}
			o := shown(sr.Outcome)
			pr.Cells = append(pr.Cells, pageCell{Present: true, Href: "#" + anchors[sr], Outcome: o,
				Symbol: htmlSymbol[o], Expected: sr.Verdict == conformance.VerdictExpectedFailure,
				Stale: sr.Verdict == conformance.VerdictStaleExpectedFailure})
		}
		p.Rows = append(p.Rows, pr)
	}
	return p
}

func buildDetail(anchor, client string, sr conformance.ScenarioResult, view diagramView) pageDetail {
	kinds := entryKinds(sr.Journal)
	d := pageDetail{Anchor: anchor, Client: client, S: sr, Class: "o-" + string(shown(sr.Outcome)),
		Symbol: htmlSymbol[shown(sr.Outcome)], Message: detailMessage(sr),
		Diagram: buildDiagram(sr.Journal, kinds, view), Findings: sr.Findings}
	// Everything the client did wrong starts open, expected failures and
	// warnings included: a matrix link should land on the diagram, not on a
	// collapsed line. Passes and skips stay closed to keep the page short.
	d.Open = sr.Outcome != conformance.Passed && sr.Outcome != conformance.Skipped
	switch sr.Verdict {
	case conformance.VerdictPass:
		d.Verdict = "as required"
	case conformance.VerdictExpectedFailure:
		d.Verdict = "expected failure (listed in the expected-failures file)"
	case conformance.VerdictSkipped:
		d.Verdict = "skipped: not judged"
	case conformance.VerdictHarnessError:
		d.Verdict, d.Open = "the harness could not judge this"+verdictReason(sr), true
	case conformance.VerdictFail:
		if sr.Outcome == conformance.Inconclusive {
			d.Verdict, d.Open = "not judged: what the row needs did not happen — this fails the run", true
			break
		}
		d.Verdict, d.Open = "unexpected result: this fails the run"+verdictReason(sr), true
	default:
		d.Verdict, d.Open = "unexpected result: this fails the run"+verdictReason(sr), true
	}
	seen := map[conformance.RequirementID]bool{}
	for _, f := range sr.Findings {
		seen[f.Requirement] = true
	}
	for _, id := range sr.Requirements {
		d.Reqs = append(d.Reqs, reqText{ID: id, Level: id.Level(), Text: id.Text()})
		delete(seen, id)
	}
	// A finding may name a requirement the row does not list; quote it too.
	for _, f := range sr.Findings {
		if seen[f.Requirement] {
			delete(seen, f.Requirement)
			d.Reqs = append(d.Reqs, reqText{ID: f.Requirement, Level: f.Requirement.Level(), Text: f.Requirement.Text()})
		}
	}
	d.Journal = make([]journalRow, len(sr.Journal))
	for i, e := range sr.Journal {
		d.Journal[i] = journalRow{Entry: e, Kind: kinds[i]}
	}
	return d
}

// detailMessage is the result's message unless it only repeats the findings
// table below it (the engine joins findings as "RC2: expected X, observed Y";
// any other wording, or any extra text, is shown).
func detailMessage(sr conformance.ScenarioResult) string {
	if len(sr.Findings) == 0 {
		return sr.Message
	}
	parts := make([]string, len(sr.Findings))
	for i, f := range sr.Findings {
		parts[i] = fmt.Sprintf("%s: expected %s, observed %s", f.Requirement, f.Expected, f.Actual)
	}
	if sr.Message == strings.Join(parts, "; ") {
		return ""
	}
	return sr.Message
}

// verdictReason is ": " and the failure message when it says something the
// detail does not already show (a stale expected-failures list, an unknown
// outcome); "" when the message paragraph or the findings table says it.
func verdictReason(sr conformance.ScenarioResult) string {
	m := sr.Headline()
	if m == oneLine(sr.Message) || (len(sr.Findings) > 0 && m == sr.Findings[0].Line()) || m == string(sr.Outcome) {
		return ""
	}
	return ": " + m
}

// htmlSymbol is the mark of an outcome in report.html. Unlike summary.md's
// emoji (which a CI page renders with its own fonts), these are plain symbols
// present in common system fonts (DejaVu, Segoe UI Symbol, Apple Symbols), so a
// machine without an emoji font does not show empty boxes.
var htmlSymbol = map[conformance.Outcome]string{
	conformance.Passed:       "✓",
	conformance.Failed:       "✗",
	conformance.Warned:       "⚠",
	conformance.Skipped:      "–",
	conformance.Inconclusive: "?",
	conformance.Timeout:      "◷",
	conformance.Crashed:      "☠",
	conformance.HarnessError: "⚙",
}

// family is a scenario ID without its trailing number: "EXP-ACCESS-01" →
// "EXP-ACCESS".
func family(id string) string {
	i := strings.LastIndexByte(id, '-')
	if i <= 0 {
		return id
	}
	for _, r := range id[i+1:] {
		if r < '0' || r > '9' {
			return id
		}
	}
	return id[:i]
}

// uniqueAnchor keeps ids unique when a name repeats or sanitises to the same id.
func uniqueAnchor(a string, used map[string]bool) string {
	u := a
	for n := 2; used[u]; n++ {
		u = fmt.Sprintf("%s-%d", a, n)
	}
	used[u] = true
	return u
}

func exitText(code int) string {
	switch code {
	case 0:
		return "every selected scenario ended as required or as expected"
	case 1:
		return "an unexpected result"
	case 2:
		return "the harness could not run or judge"
	case 130, 143:
		return "the run was interrupted"
	default:
		return "unknown exit code"
	}
}
