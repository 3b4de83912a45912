package reports_test

import (
	"bytes"
	"github.com/tokenclock/tokenclock/conformance"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/net/html"

	"github.com/tokenclock/tokenclock/reports"
)

// page is a parsed report.html with the lookups the specs need.
type page struct {
	root *html.Node
	byID map[string]*html.Node
}

func parsePage(run conformance.RunResult) page {
	root, err := html.Parse(bytes.NewReader(render(reports.WriteHTML, run)))
	Expect(err).NotTo(HaveOccurred())
	p := page{root: root, byID: map[string]*html.Node{}}
	for n := range root.Descendants() {
		if id := attr(n, "id"); id != "" {
			_, dup := p.byID[id]
			Expect(dup).To(BeFalse(), "duplicate id %q", id)
			p.byID[id] = n
		}
	}
	return p
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	return n.Type == html.ElementNode && strings.Contains(" "+attr(n, "class")+" ", " "+class+" ")
}

// within returns the element nodes under n that keep returns true for.
func within(n *html.Node, keep func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && keep(d) {
			out = append(out, d)
		}
	}
	return out
}

func text(n *html.Node) string {
	var b strings.Builder
	for d := range n.Descendants() {
		if d.Type == html.TextNode {
			b.WriteString(d.Data)
		}
	}
	return b.String()
}

// arrowSeqs maps data-seq → class of every diagram arrow in n.
func arrowSeqs(n *html.Node) map[int]string {
	out := map[int]string{}
	for _, a := range within(n, func(d *html.Node) bool { return hasClass(d, "arrow") }) {
		seq, err := strconv.Atoi(attr(a, "data-seq"))
		Expect(err).NotTo(HaveOccurred(), "arrow without a numeric data-seq")
		Expect(out).NotTo(HaveKey(seq), "two arrows for seq %d", seq)
		out[seq] = attr(a, "class")
	}
	return out
}

var _ = Describe("WriteHTML", func() {
	It("has a detail section for every scenario of every client, linked from the matrix", func() {
		run := sampleRun()
		p := parsePage(run)
		pairs, results := allScenarios(run)
		for i, pair := range pairs {
			id := "d-" + pair[0] + "-" + pair[1]
			sec := p.byID[id]
			Expect(sec).NotTo(BeNil(), "no detail section %s", id)
			Expect(text(sec)).To(ContainSubstring(string(results[i].Outcome)))
			Expect(text(sec)).To(ContainSubstring(results[i].Title))
		}
		links := within(p.root, func(n *html.Node) bool { return n.Data == "a" && strings.HasPrefix(attr(n, "href"), "#d-") })
		Expect(links).To(HaveLen(len(pairs)))
		for _, a := range links {
			_, ok := p.byID[strings.TrimPrefix(attr(a, "href"), "#")]
			Expect(ok).To(BeTrue(), "dangling link %s", attr(a, "href"))
		}
	})

	It("draws one arrow per journal entry, with refresh, reuse, replay, fault and reset marked", func() {
		run := sampleRun()
		p := parsePage(run)
		for _, c := range run.Clients {
			for _, s := range c.Scenarios {
				got := arrowSeqs(p.byID["d-"+c.Name+"-"+s.ID])
				Expect(got).To(HaveLen(len(s.Journal)), "%s %s", c.Name, s.ID)
				for _, e := range s.Journal {
					Expect(got).To(HaveKey(e.Seq))
				}
			}
		}
		conc := arrowSeqs(p.byID["d-seed-CONC-01"])
		Expect(conc[2]).To(ContainSubstring("fault"))
		Expect(conc[5]).To(ContainSubstring("refresh"))
		Expect(conc[6]).To(ContainSubstring("reuse"))
		Expect(conc[5]).NotTo(ContainSubstring("reuse"))
		Expect(conc[8]).To(ContainSubstring("replay"))
		Expect(arrowSeqs(p.byID["d-seed-LOOP-07"])[2]).To(ContainSubstring("reset"))
		Expect(arrowSeqs(p.byID["d-seed-EXP-ACCESS-01"])[4]).To(ContainSubstring("replay"))
	})

	It("quotes the requirement texts, findings and replies in the detail", func() {
		p := parsePage(sampleRun())
		t := text(p.byID["d-seed-CONC-01"])
		Expect(t).To(ContainSubstring(conformance.RC2.Text()))
		Expect(t).To(ContainSubstring(conformance.RC8.Text())) // named by a finding only
		Expect(t).To(ContainSubstring("R0 presented twice (reuse at seq 6)"))
		Expect(t).To(ContainSubstring("/api/auth/me"))
		Expect(text(p.byID["d-seed-LOOP-07"])).To(ContainSubstring("error: socket hang up"))
		Expect(text(p.byID["c-seed"])).To(ContainSubstring("axios-seed"))
	})

	It("is self-contained: no script, no external resource", func() {
		p := parsePage(sampleRun())
		for n := range p.root.Descendants() {
			if n.Type != html.ElementNode {
				continue
			}
			Expect(n.Data).NotTo(BeElementOf("script", "link", "iframe", "object", "embed", "img"))
			for _, a := range n.Attr {
				if a.Key == "src" || a.Key == "href" || a.Key == "xlink:href" || a.Key == "action" {
					Expect(a.Val).To(HavePrefix("#"), "%s=%q on <%s>", a.Key, a.Val, n.Data)
				}
			}
		}
	})

	It("escapes the driver's stderr and every other run text", func() {
		run := sampleRun()
		run.Clients[0].Scenarios[2].Title = `<img src="http://x/">`
		run.Clients[0].Hello.Name = `"><script>bad()</script>`
		raw := string(render(reports.WriteHTML, run))
		Expect(raw).NotTo(ContainSubstring("<script>"))
		Expect(raw).NotTo(ContainSubstring(`<img src="http`))
		p := parsePage(run)
		pres := within(p.byID["d-seed-CONC-01"], func(n *html.Node) bool { return n.Data == "pre" })
		Expect(pres).To(HaveLen(1))
		Expect(text(pres[0])).To(Equal(evilStderr))
	})

	It("caps the diagram of a flooding client but lists every entry in the table", func() {
		run := sampleRun()
		run.Clients[0].Scenarios[0].Journal = longJournal(2000)
		p := parsePage(run)
		sec := p.byID["d-seed-EXP-ACCESS-01"]
		Expect(arrowSeqs(sec)).To(HaveLen(reports.DiagramCap))
		Expect(text(sec)).To(ContainSubstring("first 500 of 2000"))
		rows := within(sec, func(n *html.Node) bool {
			return n.Data == "tr" && n.Parent != nil && n.Parent.Parent != nil && hasClass(n.Parent.Parent, "journal")
		})
		Expect(rows).To(HaveLen(2000 + 1)) // + header row
	})

	It("draws every entry of a journal under the cap", func() {
		Expect(reports.DiagramCap).To(BeNumerically(">=", 300))
		run := sampleRun()
		run.Clients[0].Scenarios[0].Journal = longJournal(reports.DiagramCap)
		Expect(arrowSeqs(parsePage(run).byID["d-seed-EXP-ACCESS-01"])).To(HaveLen(reports.DiagramCap))
	})

	It("keeps ids unique when names repeat or need sanitising", func() {
		run := sampleRun()
		run.Clients[1].Name = "seed" // two columns with one name
		run.Clients[2].Name = "a b/c"
		p := parsePage(run) // parsePage fails on a duplicate id
		for _, id := range []string{"d-a_b_c-EXP-ACCESS-01", "d-seed-EXP-ACCESS-01-2", "c-seed", "c-seed-2"} {
			_, ok := p.byID[id]
			Expect(ok).To(BeTrue(), "no element with id %s", id)
		}
	})
})
