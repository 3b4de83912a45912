package conformance_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/conformance"
)

var _ = Describe("Shards", func() {
	It("parse INDEX/TOTAL and refuse anything else in one line", func() {
		s, err := conformance.ParseShard("2/3")
		Expect(err).NotTo(HaveOccurred())
		Expect(s).To(Equal(conformance.Shard{Index: 2, Total: 3}))
		for _, bad := range []string{"", "3", "0/3", "4/3", "1/0", "a/b", "1/1001", "-1/3"} {
			_, err := conformance.ParseShard(bad)
			Expect(err).To(MatchError(ContainSubstring("want INDEX/TOTAL")), bad)
		}
	})

	It("put every pair in exactly one shard, whatever the total, and keep a pair's shard when rows are added", func() {
		for total := 1; total <= 7; total++ {
			for _, client := range []string{"reference", "app@node20", "app@node22"} {
				for i := range 100 {
					id := fmt.Sprintf("ROW-%02d", i)
					in := 0
					for index := 1; index <= total; index++ {
						if (conformance.Shard{Index: index, Total: total}).Has(client, "cookie", id) {
							in++
						}
					}
					Expect(in).To(Equal(1), "%s %s in %d shards of %d", client, id, in, total)
				}
			}
		}
	})

	It("give a pair the same shard in every version: pinned values of the hash", func() {
		// Changing the hash would move every pair, breaking the comparability of shards
		// across versions: these are the shards of a few pairs, written down once.
		shardOf := func(client, profile, id string) int {
			for i := 1; i <= 3; i++ {
				if (conformance.Shard{Index: i, Total: 3}).Has(client, profile, id) {
					return i
				}
			}
			return 0
		}
		got := []int{shardOf("reference", "cookie", "CONC-01"), shardOf("reference", "cookie", "EXP-ACCESS-01"),
			shardOf("mine@node20", "cookie", "CONC-01"), shardOf("mine@node20", "oauth2", "CONC-01")}
		Expect(got).To(Equal(pinnedShards))
	})

	It("spread a client's 70 rows about evenly over 3 shards: 23 ± 10 each", func() {
		for _, client := range []string{"mine@node20", "mine@node22", "reference"} {
			counts := make([]int, 3)
			for i := range 70 {
				for s := 1; s <= 3; s++ {
					if (conformance.Shard{Index: s, Total: 3}).Has(client, "cookie", fmt.Sprintf("ROW-%02d", i)) {
						counts[s-1]++
					}
				}
			}
			for _, n := range counts {
				Expect(n).To(BeNumerically("~", 70/3, 10), "%s: %v", client, counts)
			}
		}
	})
})

// pinnedShards are the shards (of 3) of four pairs: reference CONC-01, reference
// EXP-ACCESS-01, mine@node20 CONC-01, and the same under oauth2.
var pinnedShards = []int{3, 3, 2, 2}

var _ = Describe("Merge", func() {
	catalog := conformance.Catalog{
		{ID: "M-01", Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1}},
		{ID: "M-02", Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC2}},
		{ID: "M-03", Level: conformance.Should, Requirements: []conformance.RequirementID{conformance.RC9}},
	}
	result := func(id string, outcome conformance.Outcome, verdict conformance.Verdict) conformance.ScenarioResult {
		return conformance.ScenarioResult{ID: id, Outcome: outcome, Verdict: verdict, Findings: []conformance.Finding{}}
	}
	run := func(shard *conformance.Shard, clients ...conformance.ClientResult) conformance.RunResult {
		return conformance.RunResult{SchemaVersion: conformance.SchemaVersion, Tool: "tokenclock", CatalogDigest: catalog.Digest(),
			Shard: shard, Clients: clients}
	}
	client := func(name string, results ...conformance.ScenarioResult) conformance.ClientResult {
		return conformance.ClientResult{Name: name, Profile: "cookie", Scenarios: results}
	}

	It("joins shards in catalog order and judges again: an expected failure stays one, a stale one breaks the run", func() {
		one := run(&conformance.Shard{Index: 1, Total: 2},
			client("a", result("M-02", conformance.Failed, conformance.VerdictExpectedFailure)),
			client("b", result("M-01", conformance.Passed, conformance.VerdictStaleExpectedFailure)))
		two := run(&conformance.Shard{Index: 2, Total: 2},
			client("a", result("M-01", conformance.Passed, conformance.VerdictPass), result("M-03", conformance.Warned, conformance.VerdictPass)),
			client("b"))
		merged, err := conformance.Merge([]conformance.MergeInput{{Source: "s2", Run: two}, {Source: "s1", Run: one}}, catalog)
		Expect(err).NotTo(HaveOccurred())
		Expect(merged.Shard).To(BeNil())
		var ids []string
		for _, sr := range merged.Clients[0].Scenarios {
			ids = append(ids, sr.ID+" "+string(sr.Verdict))
		}
		Expect(ids).To(Equal([]string{"M-01 pass", "M-02 expected-failure", "M-03 pass"}))
		Expect(merged.Clients[0].Verdict).To(Equal(conformance.ClientPass))
		Expect(merged.Clients[1].Verdict).To(Equal(conformance.ClientFail))
		Expect(merged.ExitCode).To(Equal(conformance.ExitUnexpected))
	})

	It("groups the shards of one run whatever order each lists its clients in, and lists notRun as a run does", func() {
		one := run(&conformance.Shard{Index: 1, Total: 2}, client("a", result("M-01", conformance.Passed, conformance.VerdictPass)), client("b"))
		one.NotRun = []conformance.NotRun{{Client: "b", ID: "M-03"}}
		two := run(&conformance.Shard{Index: 2, Total: 2}, client("b"), client("a"))
		two.NotRun = []conformance.NotRun{{Client: "a", ID: "M-02"}, {Client: "b", ID: "M-01"}}
		merged, err := conformance.Merge([]conformance.MergeInput{{Source: "s1", Run: one}, {Source: "s2", Run: two}}, catalog)
		Expect(err).NotTo(HaveOccurred())
		Expect(merged.NotRun).To(Equal([]conformance.NotRun{{Client: "a", ID: "M-02"}, {Client: "b", ID: "M-01"}, {Client: "b", ID: "M-03"}}))
	})

	It("lets a shard with no pair exit 0, and merges runs of other clients (one client on two runtimes)", func() {
		empty := run(&conformance.Shard{Index: 2, Total: 2}, client("a"))
		conformance.Judge(&empty, nil)
		Expect(empty.ExitCode).To(Equal(conformance.ExitOK))

		node20 := run(nil, client("app@node20", result("M-01", conformance.Passed, conformance.VerdictPass)))
		node22 := run(nil, client("app@node22", result("M-01", conformance.Failed, conformance.VerdictFail)))
		merged, err := conformance.Merge([]conformance.MergeInput{{Source: "n20", Run: node20}, {Source: "n22", Run: node22}}, catalog)
		Expect(err).NotTo(HaveOccurred())
		Expect(merged.Clients).To(HaveLen(2))
		Expect(merged.ExitCode).To(Equal(conformance.ExitUnexpected))
	})

	DescribeTable("refuses inputs that do not make one run",
		func(want string, inputs func() []conformance.RunResult) {
			var in []conformance.MergeInput
			for i, r := range inputs() {
				in = append(in, conformance.MergeInput{Source: fmt.Sprintf("dir%d", i+1), Run: r})
			}
			_, err := conformance.Merge(in, catalog)
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("nothing", "nothing to merge", func() []conformance.RunResult { return nil }),
		Entry("a pair twice", "dir2: client a's M-01 is also in dir1", func() []conformance.RunResult {
			r := run(nil, client("a", result("M-01", conformance.Passed, conformance.VerdictPass)))
			return []conformance.RunResult{r, r}
		}),
		Entry("a client under two profiles", "client a runs under the oauth2 profile there and under cookie", func() []conformance.RunResult {
			o := client("a", result("M-02", conformance.Passed, conformance.VerdictPass))
			o.Profile = "oauth2"
			return []conformance.RunResult{run(nil, client("a", result("M-01", conformance.Passed, conformance.VerdictPass))), run(nil, o)}
		}),
		Entry("strict and not", "--strict differs", func() []conformance.RunResult {
			strict := run(nil, client("b"))
			strict.Options.Strict = true
			return []conformance.RunResult{run(nil, client("a")), strict}
		}),
		Entry("another catalog", "judged by another catalog", func() []conformance.RunResult {
			r := run(nil, client("a"))
			r.CatalogDigest = "sha256:0000000000000000"
			return []conformance.RunResult{r}
		}),
		Entry("another schema version", "results.json schema version 0", func() []conformance.RunResult {
			r := run(nil, client("a"))
			r.SchemaVersion = 0
			return []conformance.RunResult{r}
		}),
		Entry("a missing shard", "shard 2/3 of clients a is missing", func() []conformance.RunResult {
			return []conformance.RunResult{run(&conformance.Shard{Index: 1, Total: 3}, client("a")), run(&conformance.Shard{Index: 3, Total: 3}, client("a"))}
		}),
		Entry("another --focus", `--focus "M-0[12]" differs`, func() []conformance.RunResult {
			focused := run(&conformance.Shard{Index: 2, Total: 2}, client("a"))
			focused.Options.Focus = "M-0[12]"
			sel, _ := catalog.Select("M-0[12]")
			focused.CatalogDigest = sel.Digest()
			return []conformance.RunResult{run(&conformance.Shard{Index: 1, Total: 2}, client("a")), focused}
		}),
		Entry("a run that could not start", "the run could not start: --parallel must be from 1 to 64", func() []conformance.RunResult {
			early := conformance.RunResult{SchemaVersion: conformance.SchemaVersion, Tool: "tokenclock", Errors: []string{"--parallel must be from 1 to 64, not 0"}}
			return []conformance.RunResult{early}
		}),
		Entry("a shard that is none", "shard 5/3 is no shard", func() []conformance.RunResult {
			return []conformance.RunResult{run(&conformance.Shard{Index: 5, Total: 3}, client("a"))}
		}),
		Entry("a row the catalog lacks", "client a played X-09, which the catalog does not have", func() []conformance.RunResult {
			return []conformance.RunResult{run(nil, client("a", result("X-09", conformance.Passed, conformance.VerdictPass)))}
		}),
	)
})
