package reports_test

import (
	"encoding/json"
	"github.com/tokenclock/tokenclock/conformance"
	"math"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/reports"
)

var _ = Describe("WriteJSON", func() {
	It("round-trips into the same Run", func() {
		run := sampleRun()
		var back conformance.RunResult
		Expect(json.Unmarshal(render(reports.WriteJSON, run), &back)).To(Succeed())
		Expect(back).To(Equal(run))
	})

	It("writes the schema's field names, indented", func() {
		out := string(render(reports.WriteJSON, sampleRun()))
		Expect(out).To(HavePrefix("{\n  \"schemaVersion\": 1,\n  \"tool\": \"tokenclock\","))
		var doc map[string]any
		Expect(json.Unmarshal([]byte(out), &doc)).To(Succeed())
		Expect(doc).To(HaveKeyWithValue("exitCode", BeNumerically("==", 2)))
		sc := doc["clients"].([]any)[0].(map[string]any)["scenarios"].([]any)[2].(map[string]any)
		Expect(sc).To(HaveKey("expectedFailure"))
		Expect(sc).To(HaveKey("durationMs"))
		entry := sc["journal"].([]any)[0].(map[string]any)
		Expect(entry).To(HaveKey("realOffsetMs"))
		Expect(entry).To(HaveKey("bodySha256"))
	})

	It("writes arrays for nil lists, 0 for non-finite numbers and schemaVersion 1 by default", func() {
		run := conformance.RunResult{Tool: "tokenclock", Clients: []conformance.ClientResult{{Name: "c",
			Scenarios: []conformance.ScenarioResult{{ID: "X-01", Outcome: conformance.Passed, DurationMs: math.NaN(),
				Replies: []conformance.ReplyRecord{{ID: 1, SentMs: math.Inf(1)}}}}}}}
		run.Clients[0].Scenarios[0].Journal = longJournal(3)
		run.Clients[0].Scenarios[0].Journal[2].RealOffsetMs = math.Inf(-1)
		out := string(render(reports.WriteJSON, run))
		Expect(out).NotTo(ContainSubstring("null"))
		for _, k := range []string{"features", "requirements", "findings"} {
			Expect(out).To(ContainSubstring(`"` + k + `": []`))
		}
		var back conformance.RunResult
		Expect(json.Unmarshal([]byte(out), &back)).To(Succeed())
		Expect(back.SchemaVersion).To(Equal(1))
		Expect(back.Clients[0].Scenarios[0].DurationMs).To(BeZero())
		Expect(back.Clients[0].Scenarios[0].Replies[0].SentMs).To(BeZero())
		Expect(back.Clients[0].Scenarios[0].Journal[2].RealOffsetMs).To(BeZero())
		// The caller's run is not modified.
		Expect(math.IsInf(run.Clients[0].Scenarios[0].Journal[2].RealOffsetMs, -1)).To(BeTrue())
		Expect(run.Clients[0].Scenarios[0].Findings).To(BeNil())
	})

	It("keeps an empty run valid JSON", func() {
		out := render(reports.WriteJSON, conformance.RunResult{})
		Expect(strings.TrimSpace(string(out))).To(HaveSuffix("}"))
		var back conformance.RunResult
		Expect(json.Unmarshal(out, &back)).To(Succeed())
		Expect(back.Clients).To(BeEmpty())
	})
})
