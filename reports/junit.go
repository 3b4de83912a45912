package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/tokenclock/tokenclock/conformance"
)

// The JUnit XML shapes CI systems read (the common Jenkins/Surefire subset).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties *junitProps     `xml:"properties,omitempty"`
	Cases      []junitTestCase `xml:"testcase"`
}

type junitProps struct {
	Props []junitProp `xml:"property"`
}

type junitProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitTestCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
	SystemErr *junitText    `xml:"system-err,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// junitText is free text kept readable as CDATA (encoding/xml would turn every
// newline of a character-data body into &#xA;).
type junitText struct {
	Text string `xml:",cdata"`
}

// cdata makes s safe for a CDATA section: encoding/xml splits "]]>" itself,
// but writes CDATA unchecked, so characters XML forbids (NUL, most C0 controls,
// invalid UTF-8) become U+FFFD here. Empty text is omitted.
func cdata(s string) *junitText {
	if s == "" {
		return nil
	}
	return &junitText{Text: xmlSafe(s)}
}

func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r == utf8.RuneError, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes junit.xml: one <testsuite> per client, one <testcase> per
// scenario. Unexpected results (failed, timeout, warned under --strict, a stale
// expected failure) are <failure>s carrying the findings and the rerun command;
// crashed and harness-error are <error>s; an expected failure passes with a
// note in <system-out>. Run-level errors (run.Errors) get a suite of their own,
// "tokenclock", so CI shows why the harness could not run.
func WriteJUnit(w io.Writer, run conformance.RunResult) error {
	doc := junitSuites{Name: run.Tool}
	var totalMs float64
	for _, c := range run.Clients {
		s := junitSuite{Name: c.Name, Timestamp: run.StartedAt, Properties: clientProps(run, c)}
		for _, sr := range c.Scenarios {
			tc := junitCase(c.Name, sr)
			switch {
			case tc.Failure != nil:
				s.Failures++
			case tc.Error != nil:
				s.Errors++
			case tc.Skipped != nil:
				s.Skipped++
			}
			s.Cases = append(s.Cases, tc)
		}
		durMs := 0.0
		for _, sr := range c.Scenarios {
			durMs += finite(sr.DurationMs)
		}
		s.Tests, s.Time = len(s.Cases), seconds(durMs)
		totalMs += durMs
		doc.Suites = append(doc.Suites, s)
	}
	if len(run.Errors) > 0 || run.Interrupted != nil {
		s := junitSuite{Name: "tokenclock", Timestamp: run.StartedAt, Time: seconds(0)}
		if line := interruptedLine(run); line != "" {
			s.Cases = append(s.Cases, junitTestCase{Name: "interrupted", Classname: "tokenclock.harness", Time: seconds(0),
				Error: &junitProblem{Message: line, Type: "interrupted", Text: xmlSafe(line)}})
		}
		for i, e := range run.Errors {
			s.Cases = append(s.Cases, junitTestCase{
				Name: fmt.Sprintf("harness error %d", i+1), Classname: "tokenclock.harness", Time: seconds(0),
				Error: &junitProblem{Message: oneLine(e), Type: string(conformance.HarnessError), Text: xmlSafe(e)},
			})
		}
		s.Tests, s.Errors = len(s.Cases), len(s.Cases)
		doc.Suites = append(doc.Suites, s)
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
	}
	doc.Time = seconds(totalMs)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return fmt.Errorf("write junit.xml: %w", err)
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write junit.xml: %w", err)
	}
	if _, err := io.WriteString(w, "\n"); err != nil {
		return fmt.Errorf("write junit.xml: %w", err)
	}
	return nil
}

// clientProps are a suite's properties: the client, the profile it was judged
// under, and the shard when the run was one (results.json's "shard"), so a CI
// that shows one shard's junit.xml says which part of the catalog it holds.
func clientProps(run conformance.RunResult, c conformance.ClientResult) *junitProps {
	props := []junitProp{
		{Name: "command", Value: c.Command},
		{Name: "hello.name", Value: c.Hello.Name},
		{Name: "hello.version", Value: c.Hello.Version},
		{Name: "hello.features", Value: strings.Join(c.Hello.Features, ",")},
		{Name: "profile", Value: c.ProfileName()},
	}
	if run.Shard != nil {
		props = append(props, junitProp{Name: "shard", Value: run.Shard.String()})
	}
	return &junitProps{Props: props}
}

// junitCase turns one scenario result into a testcase.
func junitCase(client string, sr conformance.ScenarioResult) junitTestCase {
	tc := junitTestCase{
		Name:      strings.TrimSpace(sr.ID + " " + sr.Title),
		Classname: "tokenclock." + client,
		Time:      seconds(finite(sr.DurationMs)),
		SystemErr: cdata(sr.Stderr),
	}
	switch sr.Verdict {
	case conformance.VerdictFail, conformance.VerdictStaleExpectedFailure:
		kind := string(sr.Outcome)
		if sr.Verdict == conformance.VerdictStaleExpectedFailure {
			kind = string(conformance.VerdictStaleExpectedFailure)
		}
		p := &junitProblem{Message: sr.Headline(), Type: kind, Text: xmlSafe(problemText(sr))}
		if sr.Outcome == conformance.Crashed || sr.Outcome == conformance.Inconclusive {
			tc.Error = p // not a judgement of the client's behaviour: the row could not be judged
		} else {
			tc.Failure = p
		}
	case conformance.VerdictHarnessError:
		tc.Error = &junitProblem{Message: sr.Headline(), Type: string(conformance.HarnessError), Text: xmlSafe(problemText(sr))}
	case conformance.VerdictSkipped:
		tc.Skipped = &junitSkipped{Message: oneLine(sr.Message)}
	case conformance.VerdictExpectedFailure:
		tc.SystemOut = cdata("expected failure (listed in the expected-failures file)\n" + problemText(sr))
	default:
		if sr.Outcome == conformance.Warned {
			tc.SystemOut = cdata("warned (SHOULD requirements broke; fails only under --strict)\n" + problemText(sr))
		}
	}
	return tc
}

// problemText is the body of a failure: outcome, message, each finding as
// expected vs actual, and the command that reruns just this scenario.
func problemText(sr conformance.ScenarioResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "outcome: %s (verdict: %s)\n", sr.Outcome, sr.Verdict)
	if sr.Message != "" {
		fmt.Fprintf(&b, "message: %s\n", sr.Message)
	}
	for _, f := range sr.Findings {
		fmt.Fprintf(&b, "%s\n", f.Line())
	}
	if sr.Rerun != "" {
		fmt.Fprintf(&b, "rerun: %s\n", sr.Rerun)
	}
	return b.String()
}

// seconds formats milliseconds as JUnit's decimal seconds.
func seconds(ms float64) string {
	return fmt.Sprintf("%.3f", finite(ms)/1000)
}
