package reports_test

import (
	"encoding/xml"
	"github.com/tokenclock/tokenclock/conformance"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/reports"
)

// Test-side JUnit shapes, written independently of the package's own, so the
// round trip checks the XML a CI system would read.
type xSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []xSuite `xml:"testsuite"`
}

type xSuite struct {
	Name     string  `xml:"name,attr"`
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Errors   int     `xml:"errors,attr"`
	Skipped  int     `xml:"skipped,attr"`
	Time     string  `xml:"time,attr"`
	Props    []xProp `xml:"properties>property"`
	Cases    []xCase `xml:"testcase"`
}

type xProp struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// propsOf is a suite's properties by name.
func propsOf(s xSuite) map[string]string {
	m := map[string]string{}
	for _, p := range s.Props {
		m[p.Name] = p.Value
	}
	return m
}

type xCase struct {
	Name      string    `xml:"name,attr"`
	Classname string    `xml:"classname,attr"`
	Failure   *xProblem `xml:"failure"`
	Error     *xProblem `xml:"error"`
	Skipped   *xProblem `xml:"skipped"`
	SystemOut string    `xml:"system-out"`
	SystemErr string    `xml:"system-err"`
}

type xProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func parseJUnit(run conformance.RunResult) xSuites {
	var doc xSuites
	Expect(xml.Unmarshal(render(reports.WriteJUnit, run), &doc)).To(Succeed())
	return doc
}

func findCase(s xSuite, id string) xCase {
	for _, c := range s.Cases {
		if strings.HasPrefix(c.Name, id+" ") {
			return c
		}
	}
	Fail("no testcase " + id + " in suite " + s.Name)
	return xCase{}
}

var _ = Describe("WriteJUnit", func() {
	It("has one suite per client and one case per scenario, named and counted", func() {
		run := sampleRun()
		doc := parseJUnit(run)
		Expect(doc.Suites).To(HaveLen(len(run.Clients)))
		for i, c := range run.Clients {
			s := doc.Suites[i]
			Expect(s.Name).To(Equal(c.Name))
			Expect(s.Tests).To(Equal(len(c.Scenarios)))
			Expect(s.Cases).To(HaveLen(len(c.Scenarios)))
			for j, sc := range c.Scenarios {
				Expect(s.Cases[j].Classname).To(Equal("tokenclock." + c.Name))
				Expect(s.Cases[j].Name).To(Equal(sc.ID + " " + sc.Title))
			}
		}
		// seed: CONC-01 failed + LOOP-01 timeout; CONC-03 is an expected failure; warned passes (not strict).
		Expect([]int{doc.Suites[0].Failures, doc.Suites[0].Errors, doc.Suites[0].Skipped}).To(Equal([]int{2, 0, 1}))
		// fixed: one harness error.
		Expect([]int{doc.Suites[1].Failures, doc.Suites[1].Errors, doc.Suites[1].Skipped}).To(Equal([]int{0, 1, 0}))
		// crashy: crashed is an error, the stale expected failure a failure.
		Expect([]int{doc.Suites[2].Failures, doc.Suites[2].Errors, doc.Suites[2].Skipped}).To(Equal([]int{1, 1, 0}))
		Expect([]int{doc.Tests, doc.Failures, doc.Errors, doc.Skipped}).To(Equal([]int{14, 3, 2, 1}))
		Expect(doc.Suites[0].Time).To(Equal("10.349")) // 5×12.5 + 2×143 + 10000.5 ms
	})

	It("names each suite's profile, and the shard when the run was one", func() {
		run := sampleRun()
		run.Clients[1].Profile = "oauth2"
		doc := parseJUnit(run)
		Expect(propsOf(doc.Suites[0])).To(And(HaveKeyWithValue("profile", "cookie"), Not(HaveKey("shard"))))
		Expect(propsOf(doc.Suites[1])).To(HaveKeyWithValue("profile", "oauth2"))
		run.Shard = &conformance.Shard{Index: 2, Total: 3}
		for _, s := range parseJUnit(run).Suites {
			Expect(propsOf(s)).To(HaveKeyWithValue("shard", "2/3"), s.Name)
		}
	})

	It("puts the findings, expected vs actual, and the rerun command in the failure", func() {
		f := findCase(parseJUnit(sampleRun()).Suites[0], "CONC-01").Failure
		Expect(f).NotTo(BeNil())
		Expect(f.Message).To(Equal("RC2: expected exactly 1 refresh call, observed 3"))
		Expect(f.Type).To(Equal(string(conformance.Failed)))
		Expect(f.Text).To(ContainSubstring("RC2 (MUST): expected 1 refresh call, actual 3 refresh calls"))
		Expect(f.Text).To(ContainSubstring("RC8 (MUST): expected no reuse detected, actual R0 presented twice"))
		Expect(f.Text).To(ContainSubstring("rerun: make conformance CLIENT='seed=node d.mjs' FOCUS='^CONC-01$'"))
	})

	It("keeps the driver's stderr verbatim in system-err", func() {
		c := findCase(parseJUnit(sampleRun()).Suites[0], "CONC-01")
		Expect(c.SystemErr).To(Equal(evilStderr))
	})

	It("passes an expected failure with a note, and fails a stale one", func() {
		doc := parseJUnit(sampleRun())
		x := findCase(doc.Suites[0], "CONC-03")
		Expect(x.Failure).To(BeNil())
		Expect(x.Error).To(BeNil())
		Expect(x.SystemOut).To(ContainSubstring("expected failure"))
		Expect(x.SystemOut).To(ContainSubstring("RC2 (MUST)"))
		stale := findCase(doc.Suites[2], "LOOP-07")
		Expect(stale.Failure).NotTo(BeNil())
		Expect(stale.Failure.Message).To(ContainSubstring("stale"))
	})

	It("marks timeout as failure, crashed and harness-error as errors, skipped as skipped", func() {
		doc := parseJUnit(sampleRun())
		Expect(findCase(doc.Suites[0], "LOOP-01").Failure.Type).To(Equal(string(conformance.Timeout)))
		Expect(findCase(doc.Suites[0], "CONC-05").Skipped.Message).To(ContainSubstring("cancel"))
		Expect(findCase(doc.Suites[1], "CONC-01").Error.Type).To(Equal(string(conformance.HarnessError)))
		crash := findCase(doc.Suites[2], "EXP-ACCESS-01").Error
		Expect(crash.Type).To(Equal(string(conformance.Crashed)))
		Expect(crash.Message).To(ContainSubstring("driver exited"))
	})

	It("passes warned without --strict and fails it under --strict", func() {
		run := sampleRun()
		w := findCase(parseJUnit(run).Suites[0], "EXP-REFRESH-04")
		Expect(w.Failure).To(BeNil())
		Expect(w.SystemOut).To(ContainSubstring("RC11"))
		run.Options.Strict = true
		conformance.Judge(&run, sampleExpected())
		w = findCase(parseJUnit(run).Suites[0], "EXP-REFRESH-04")
		Expect(w.Failure).NotTo(BeNil())
		Expect(w.Failure.Message).To(HavePrefix("RC11:"))
	})

	It("adds a tokenclock suite for run-level harness errors", func() {
		run := conformance.RunResult{Tool: "tokenclock", ExitCode: 2, Errors: []string{"empty selection: --focus 'NOPE' matched no scenario"}}
		doc := parseJUnit(run)
		Expect(doc.Suites).To(HaveLen(1))
		Expect(doc.Suites[0].Name).To(Equal("tokenclock"))
		Expect(doc.Suites[0].Cases[0].Error.Message).To(ContainSubstring("empty selection"))
		Expect(doc.Errors).To(Equal(1))
	})

	It("stays well-formed XML whatever bytes the driver wrote", func() {
		run := sampleRun()
		run.Clients[0].Name = `se"ed<&>`
		run.Clients[0].Scenarios[2].Stderr = "nul\x00 bell\x07 bad utf8 \xff ]]> end"
		run.Clients[0].Scenarios[2].Message = "<failure message=\"x\">"
		doc := parseJUnit(run)
		Expect(doc.Suites[0].Name).To(Equal(`se"ed<&>`))
		c := findCase(doc.Suites[0], "CONC-01")
		Expect(c.Failure.Message).To(Equal("<failure message=\"x\">"))
		Expect(c.SystemErr).To(Equal("nul\uFFFD bell\uFFFD bad utf8 \uFFFD ]]> end"))
	})
})
