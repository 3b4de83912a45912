package scenarios_test

import (
	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/scenarios"
)

var _ = Describe("the catalog", func() {
	It("has every row of the spec once, with stable IDs, in spec order", func() {
		var ids []string
		for _, sc := range scenarios.Catalog() {
			ids = append(ids, sc.ID)
			Expect(sc.Play).NotTo(BeNil(), sc.ID)
			Expect(sc.Requirements).NotTo(BeEmpty(), sc.ID)
			for _, r := range sc.Requirements {
				_, ok := r.Lookup()
				Expect(ok).To(BeTrue(), sc.ID+" names unknown requirement "+string(r))
			}
		}
		Expect(ids).To(Equal(strings.Fields(`EXP-ACCESS-01 EXP-ACCESS-02 EXP-ACCESS-03 EXP-ACCESS-04 EXP-ACCESS-05
			EXP-REFRESH-01 EXP-REFRESH-02 EXP-REFRESH-03 EXP-REFRESH-04 EXP-REFRESH-05 EXP-REFRESH-06 EXP-REFRESH-07
			CONC-01 CONC-02 CONC-03 CONC-04 CONC-05 CONC-06 CONC-07
			LOOP-01 LOOP-02 LOOP-03 LOOP-04 LOOP-05 LOOP-06 LOOP-07 ROT-01 SESSION-01 CANCEL-01 CANCEL-02 RESTART-01 RESTART-02 RESTART-03
			SKEW-01 SKEW-02 SKEW-03 SLEEP-01 SLEEP-02 PROACTIVE-01 PROACTIVE-02 TABS-01 TABS-02 TABS-03 TABS-04
			BODY-01 BODY-02 BODY-03 IDEM-01 IDEM-02 GQL-01 GQL-02 GQL-03 GQL-04 GQL-05 GQL-06 GQL-07 GQL-08 GQL-09 SSE-01 SSE-02 SSE-03
			BROWSER-01 BROWSER-02 BROWSER-03 BROWSER-04 BROWSER-05 BROWSER-06 OAUTH-01 OAUTH-02 OAUTH-03`)))
	})

	It("covers every requirement of the contract with at least one scenario", func() {
		covered := map[conformance.RequirementID]bool{}
		for _, sc := range scenarios.Catalog() {
			for _, r := range sc.Requirements {
				covered[r] = true
			}
		}
		for _, r := range conformance.Contract() {
			Expect(covered).To(HaveKey(r.ID))
		}
	})

	It("lists feature instances on every row that builds more than one instance", func() {
		for _, sc := range scenarios.Catalog() {
			if sc.Instances > 1 {
				Expect(sc.Features).To(ContainElement(cut.FeatureInstances), sc.ID)
			}
		}
	})
})
