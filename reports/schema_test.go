package reports_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/santhosh-tekuri/jsonschema/v6"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/reports"
	"github.com/tokenclock/tokenclock/scenarios"
)

// schemaPath is the shipped schema of results.json, relative to this package.
const schemaPath = "../docs/results.schema.json"

// compileSchema compiles the shipped schema with format assertions on, so
// startedAt and virtualTime must really be RFC 3339 date-times.
func compileSchema() *jsonschema.Schema {
	GinkgoHelper()
	f, err := os.Open(schemaPath)
	Expect(err).NotTo(HaveOccurred())
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	Expect(err).NotTo(HaveOccurred(), "docs/results.schema.json is not JSON")
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	Expect(c.AddResource(schemaPath, doc)).To(Succeed())
	sch, err := c.Compile(schemaPath)
	Expect(err).NotTo(HaveOccurred(), "docs/results.schema.json does not compile")
	return sch
}

// validate checks one results.json document against the schema.
func validate(sch *jsonschema.Schema, doc []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return sch.Validate(inst)
}

// schemaDoc is the schema as plain JSON, for checks on the schema itself.
func schemaDoc() map[string]any {
	GinkgoHelper()
	b, err := os.ReadFile(schemaPath)
	Expect(err).NotTo(HaveOccurred())
	var doc map[string]any
	Expect(json.Unmarshal(b, &doc)).To(Succeed())
	return doc
}

var _ = Describe("docs/results.schema.json", func() {
	var sch *jsonschema.Schema
	BeforeEach(func() { sch = compileSchema() })

	It("is a draft 2020-12 schema with a URN $id", func() {
		doc := schemaDoc()
		Expect(doc).To(HaveKeyWithValue("$schema", "https://json-schema.org/draft/2020-12/schema"))
		Expect(doc).To(HaveKeyWithValue("$id", "urn:tokenclock:results:1"))
	})

	It("names every field of the result model, requiring exactly those always written", func() {
		// A field added to the model must be added to the schema too; a field
		// without omitempty is always written, so the schema requires it.
		doc := schemaDoc()
		defs := doc["$defs"].(map[string]any)
		for def, model := range map[string]any{
			"":             conformance.RunResult{},
			"options":      conformance.RunOptions{},
			"client":       conformance.ClientResult{},
			"hello":        cut.Hello{},
			"counts":       conformance.Counts{},
			"scenario":     conformance.ScenarioResult{},
			"finding":      conformance.Finding{},
			"reply":        conformance.ReplyRecord{},
			"journalEntry": fakeserver.Entry{},
		} {
			node := doc
			if def != "" {
				Expect(defs).To(HaveKey(def))
				node = defs[def].(map[string]any)
			}
			props, _ := node["properties"].(map[string]any)
			var required []string
			for _, r := range asSlice(node["required"]) {
				required = append(required, r.(string))
			}
			var wantRequired []string
			t := reflect.TypeOf(model)
			for i := range t.NumField() {
				name, opts, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
				if name == "-" || !t.Field(i).IsExported() {
					continue
				}
				Expect(props).To(HaveKey(name), "%s.%s (%q) is missing from $defs/%s", t.Name(), t.Field(i).Name, name, def)
				if !strings.Contains(opts, "omitempty") {
					wantRequired = append(wantRequired, name)
				}
			}
			Expect(required).To(ConsistOf(wantRequired), "required keys of %s ($defs/%s)", t.Name(), def)
		}
	})

	It("accepts results.json of the fixture run", func() {
		Expect(validate(sch, render(reports.WriteJSON, sampleRun()))).To(Succeed())
	})

	It("accepts results.json of a run that could not start (no clients, errors)", func() {
		run := conformance.RunResult{Tool: "tokenclock", Version: "test", StartedAt: "2026-11-26T10:00:00Z",
			Options: conformance.RunOptions{Deadline: "10s", Quiet: "100ms", HoldBound: "2s"},
			Errors:  []string{"--focus: error parsing regexp"}}
		conformance.Judge(&run, nil)
		Expect(validate(sch, render(reports.WriteJSON, run))).To(Succeed())
	})

	It("accepts results.json of a real run against the reference client and a mutant", func() {
		catalog := conformance.Catalog{}
		for _, id := range []string{"EXP-ACCESS-01", "CONC-01", "LOOP-04"} {
			sc, ok := scenarios.Catalog().ByID(id)
			Expect(ok).To(BeTrue(), id)
			catalog = append(catalog, sc)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		run := conformance.Run(ctx, conformance.Options{
			Catalog: catalog,
			Clients: []conformance.ClientSpec{
				{Name: "reference", Command: "go:reference"},
				{Name: "m", Command: "go:mutant:refresh-on-403"},
			},
			Limits:  conformance.Limits{HoldBound: 5 * time.Second},
			Version: "test",
		})
		// The run is real: both clients played every row, and the mutant broke RC1 on
		// LOOP-04, so the document holds findings, replies and journals.
		Expect(run.Clients).To(HaveLen(2))
		for _, c := range run.Clients {
			Expect(c.Scenarios).To(HaveLen(len(catalog)), c.Name)
			for _, sr := range c.Scenarios {
				Expect(sr.Journal).NotTo(BeEmpty(), c.Name+" "+sr.ID)
				Expect(sr.Replies).NotTo(BeEmpty(), c.Name+" "+sr.ID)
			}
		}
		Expect(run.Clients[0].Verdict).To(Equal(conformance.ClientPass), "%+v", run.Clients[0].Counts)
		loop04 := run.Clients[1].Scenarios[2]
		Expect(loop04.ID).To(Equal("LOOP-04"))
		Expect(loop04.Outcome).To(Equal(conformance.Failed))
		Expect(loop04.Findings).To(ContainElement(HaveField("Requirement", conformance.RC1)))

		out := render(reports.WriteJSON, run)
		Expect(validate(sch, out)).To(Succeed(), string(out))
	})

	Describe("rejects a document that breaks it", func() {
		// mutate decodes the fixture's results.json, changes it, and encodes it again.
		mutate := func(change func(doc map[string]any)) []byte {
			var doc map[string]any
			Expect(json.Unmarshal(render(reports.WriteJSON, sampleRun()), &doc)).To(Succeed())
			change(doc)
			b, err := json.Marshal(doc)
			Expect(err).NotTo(HaveOccurred())
			return b
		}
		client := func(doc map[string]any) map[string]any {
			return doc["clients"].([]any)[0].(map[string]any)
		}
		scenario := func(doc map[string]any) map[string]any {
			return client(doc)["scenarios"].([]any)[0].(map[string]any)
		}
		entry := func(doc map[string]any) map[string]any {
			return scenario(doc)["journal"].([]any)[0].(map[string]any)
		}

		It("still accepts the unchanged fixture and fields it does not know", func() {
			Expect(validate(sch, mutate(func(map[string]any) {}))).To(Succeed())
			Expect(validate(sch, mutate(func(doc map[string]any) {
				doc["addedLater"] = true
				client(doc)["addedLater"] = 1
				scenario(doc)["addedLater"] = []any{}
				entry(doc)["addedLater"] = "x"
			}))).To(Succeed())
		})

		DescribeTable("a wrong value or a missing required key",
			func(at string, change func(doc map[string]any)) {
				err := validate(sch, mutate(change))
				Expect(err).To(HaveOccurred())
				Expect(err.Error()).To(ContainSubstring(at))
			},
			Entry("an unknown outcome", "/clients/0/scenarios/0/outcome", func(doc map[string]any) {
				scenario(doc)["outcome"] = "exploded"
			}),
			Entry("an unknown verdict", "/clients/0/scenarios/0/verdict", func(doc map[string]any) {
				scenario(doc)["verdict"] = "maybe"
			}),
			Entry("an unknown client verdict", "/clients/0/verdict", func(doc map[string]any) {
				client(doc)["verdict"] = "expected-failure"
			}),
			Entry("an unknown level", "/clients/0/scenarios/0/level", func(doc map[string]any) {
				scenario(doc)["level"] = "MAY"
			}),
			Entry("a finding's unknown level", "/clients/0/scenarios/2/findings/0/level", func(doc map[string]any) {
				f := client(doc)["scenarios"].([]any)[2].(map[string]any)["findings"].([]any)[0].(map[string]any)
				f["level"] = "must"
			}),
			// (v6.0.3 reports a garbled location for propertyNames; the message names the key.)
			Entry("an outcome counted under an unknown name", "invalid propertyName 'exploded'", func(doc map[string]any) {
				client(doc)["counts"].(map[string]any)["outcomes"].(map[string]any)["exploded"] = 1
			}),
			Entry("a verdict the outcome cannot have", "/clients/0/scenarios/0", func(doc map[string]any) {
				scenario(doc)["verdict"] = "skipped" // the outcome is passed
			}),
			Entry("expectedFailure disagreeing with the verdict", "/clients/0/scenarios/0", func(doc map[string]any) {
				scenario(doc)["expectedFailure"] = true
			}),
			Entry("a missing scenario key (journal)", "/clients/0/scenarios/0", func(doc map[string]any) {
				delete(scenario(doc), "journal")
			}),
			Entry("a missing run key (exitCode)", "missing property 'exitCode'", func(doc map[string]any) {
				delete(doc, "exitCode")
			}),
			Entry("a missing client key (counts)", "/clients/0", func(doc map[string]any) {
				delete(client(doc), "counts")
			}),
			Entry("a missing journal key (accessState)", "/clients/0/scenarios/0/journal/0", func(doc map[string]any) {
				delete(entry(doc), "accessState")
			}),
			Entry("null for a list", "/clients/0/scenarios/0/findings", func(doc map[string]any) {
				scenario(doc)["findings"] = nil
			}),
			Entry("an unknown token state", "/clients/0/scenarios/0/journal/0/refreshState", func(doc map[string]any) {
				entry(doc)["refreshState"] = "stale"
			}),
			Entry("a startedAt that is no date-time", "/startedAt", func(doc map[string]any) {
				doc["startedAt"] = "yesterday"
			}),
			Entry("another schemaVersion", "/schemaVersion", func(doc map[string]any) {
				doc["schemaVersion"] = 2
			}),
		)
	})
})

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
