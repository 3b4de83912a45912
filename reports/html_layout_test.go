package reports_test

import (
	"github.com/tokenclock/tokenclock/conformance"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/net/html"

	"github.com/tokenclock/tokenclock/reports"
)

// detailsOpen reports whether the <details> of a detail section starts expanded.
func detailsOpen(sec *html.Node) bool {
	ds := within(sec, func(n *html.Node) bool { return n.Data == "details" })
	Expect(ds).To(HaveLen(1))
	for _, a := range ds[0].Attr {
		if a.Key == "open" {
			return true
		}
	}
	return false
}

var _ = Describe("report.html layout", func() {
	It("expands what the client did wrong, expected or not, and collapses passes and skips", func() {
		p := parsePage(sampleRun())
		for id, open := range map[string]bool{
			"d-seed-CONC-01":        true,  // unexpected failure
			"d-seed-CONC-03":        true,  // expected failure: a matrix link must land on its diagram
			"d-seed-EXP-REFRESH-04": true,  // warning
			"d-seed-LOOP-01":        true,  // timeout
			"d-fixed-CONC-01":       true,  // harness error
			"d-crashy-LOOP-07":      true,  // listed but passed: a stale list
			"d-seed-EXP-ACCESS-01":  false, // pass
			"d-seed-CONC-05":        false, // skip
		} {
			Expect(detailsOpen(p.byID[id])).To(Equal(open), id)
		}
	})

	It("uses no emoji, which a machine without an emoji font draws as empty boxes", func() {
		raw := string(render(reports.WriteHTML, sampleRun()))
		for _, r := range raw {
			Expect(r < 0x1F000 && r != 0xFE0F).To(BeTrue(), "emoji %U in report.html", r)
		}
	})

	It("draws a hold as ordering, not as an injected fault, and names the fault at the arrow head", func() {
		p := parsePage(sampleRun())
		conc := p.byID["d-seed-CONC-01"]
		Expect(arrowSeqs(conc)[2]).To(ContainSubstring("fault-hold"))
		var held *html.Node
		for _, g := range within(conc, func(n *html.Node) bool { return hasClass(n, "arrow") }) {
			if attr(g, "data-seq") == "2" {
				held = g
			}
		}
		Expect(held).NotTo(BeNil())
		Expect(text(held)).To(ContainSubstring("401 (hold)"))
		Expect(text(held)).NotTo(ContainSubstring("→ expired"), "a token's state follows its label")
	})

	It("shows the replies and stderr of a scenario that left no journal", func() {
		run := sampleRun()
		s := &run.Clients[0].Scenarios[0]
		s.Journal, s.Outcome, s.Stderr = nil, conformance.Crashed, "boom"
		s.Replies[0].Error = "driver exited"
		t := text(parsePage(run).byID["d-seed-EXP-ACCESS-01"])
		Expect(t).To(ContainSubstring("No journal entries."))
		Expect(t).To(ContainSubstring("error: driver exited"))
		Expect(t).To(ContainSubstring("boom"))
	})

	It("heads each client column with its verdict and marks where a scenario family starts", func() {
		p := parsePage(sampleRun())
		heads := within(p.root, func(n *html.Node) bool { return n.Data == "th" && hasClass(n, "client") })
		Expect(heads).To(HaveLen(3))
		Expect(text(heads[0])).To(ContainSubstring("seed"))
		Expect(text(heads[0])).To(ContainSubstring("fail"))
		Expect(text(heads[1])).To(ContainSubstring("harness-error"))
		starts := within(p.root, func(n *html.Node) bool { return n.Data == "tr" && hasClass(n, "family-start") })
		var ids []string
		for _, tr := range starts {
			ids = append(ids, strings.TrimSpace(text(tr.FirstChild)))
		}
		// Rows: EXP-ACCESS-01, EXP-ACCESS-04, CONC-01, CONC-03, EXP-REFRESH-04, CONC-05, LOOP-01, LOOP-07.
		Expect(ids).To(Equal([]string{"CONC-01", "EXP-REFRESH-04", "CONC-05", "LOOP-01"}))
	})
})

var _ = Describe("report.html detail message", func() {
	It("drops a message that only repeats the findings table, and keeps any other", func() {
		run := sampleRun()
		s := &run.Clients[0].Scenarios[2] // seed CONC-01
		s.Message = "RC2: expected 1 refresh call, observed 3 refresh calls; RC8: expected no reuse detected, observed R0 presented twice (reuse at seq 6)"
		Expect(strings.Count(text(parsePage(run).byID["d-seed-CONC-01"]), "3 refresh calls")).To(Equal(1))
		s.Message = "crashed during request #3: exit 1"
		Expect(text(parsePage(run).byID["d-seed-CONC-01"])).To(ContainSubstring("crashed during request #3"))
		p := parsePage(run)
		Expect(text(p.byID["d-crashy-LOOP-07"])).To(ContainSubstring("the list is stale"))
		Expect(text(p.byID["d-seed-LOOP-01"])).To(ContainSubstring("unanswered at the 10s deadline"))
		Expect(text(p.byID["d-fixed-CONC-01"])).To(ContainSubstring("address already in use"))
	})
})
