package scenarios_test

import (
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/tokenclock/tokenclock/conformance"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/scenarios"
)

// caughtBy is, for each mutant, the scenarios that test the requirement its bug
// breaks: the suite must fail at least these for it.
var caughtBy = map[string][]string{
	"refresh-on-403":                  {"LOOP-04"},
	"refresh-on-5xx":                  {"LOOP-06"},
	"no-single-flight":                {"CONC-01", "CONC-02", "CONC-03", "CONC-07", "PROACTIVE-02"},
	"unbounded-retry":                 {"LOOP-02", "LOOP-03"},
	"stale-header-on-replay":          {"EXP-ACCESS-01", "EXP-ACCESS-05", "CONC-01"},
	"duplicate-authorization":         {"EXP-ACCESS-01", "EXP-ACCESS-05", "CONC-01"},
	"drops-body-on-replay":            {"EXP-ACCESS-02", "EXP-ACCESS-03", "CONC-02", "BODY-01", "BODY-02", "BODY-03"},
	"intercepts-refresh-401":          {"EXP-REFRESH-01", "EXP-REFRESH-02", "LOOP-01"},
	"waiters-hang-on-refresh-failure": {"CONC-06"},
	"ignores-rotated-cookie":          {"CONC-03", "ROT-01"},
	"refresh-bound-to-caller":         {"CANCEL-01", "CANCEL-02"},
	"applies-late-refresh":            {"SESSION-01", "RESTART-03", "TABS-04"},
	"trusts-device-clock":             {"SKEW-01", "SKEW-03"},
	"late-timer-refreshes":            {"SLEEP-02"},
	"early-refresh-outside-flight":    {"PROACTIVE-01", "PROACTIVE-02"},
	"tabs-uncoordinated":              {"TABS-01", "TABS-02"},
	"graphql-only-401":                {"GQL-02"},
	"no-idempotency-key":              {"IDEM-01"},
	"replay-drops-idempotency-key":    {"IDEM-02"},
	"stream-stale-token":              {"SSE-01", "SSE-02"},
	"retries-invalid-grant":           {"OAUTH-01"},
	"drops-absent-refresh-token":      {"OAUTH-03"},
}

// caughtByUnderOAuth2 replaces caughtBy's rows for a mutant whose bug shows on other
// rows under oauth2: intercepts-refresh-401 loops on the refresh's 401, and under
// oauth2 a dead refresh token is answered 400 invalid_grant (EXP-REFRESH-01, 02 pass
// it there); the token endpoint's 401 is invalid_client (LOOP-01, OAUTH-02).
var caughtByUnderOAuth2 = map[string][]string{
	"intercepts-refresh-401": {"LOOP-01", "OAUTH-02"},
}

// onlyShould reports whether every requirement in reqs is a SHOULD.
func onlyShould(reqs []string) bool {
	for _, r := range reqs {
		if conformance.RequirementID(r).Level() != conformance.Should {
			return false
		}
	}
	return true
}

var _ = Describe("self-checks: the catalog judges known clients", func() {
	It("passes the Go reference client on every scenario", func(ctx SpecContext) {
		got, full := playCatalog(ctx, cut.NewReference())
		Expect(got.failing()).To(ConsistOf(notUnderCookie), explain(full))
		expectSkippedForBrowser(got, full)
		Expect(got).To(HaveLen(len(scenarios.Catalog())))
	})

	It("has a caught-by row for every mutant, and a mutant for every MUST requirement", func() {
		broken := map[conformance.RequirementID]bool{}
		for _, m := range cut.Mutants() {
			Expect(caughtBy).To(HaveKey(m.Name), "mutant %s has no row in caughtBy", m.Name)
			for _, r := range m.Breaks {
				broken[conformance.RequirementID(r)] = true
			}
		}
		// Browser-only requirements have their one-bug mutant among the browser adapters,
		// checked by clientunderTest/browser's self-check.
		broken[conformance.RC22] = true // clientunderTest/node/adapters/axios-no-credentials.mjs
		for _, r := range conformance.Contract() {
			if r.Level == conformance.Must {
				Expect(broken).To(HaveKey(r.ID), "no mutant breaks MUST requirement %s", r.ID)
			}
		}
	})

	for _, m := range cut.Mutants() {
		It("catches mutant "+m.Name+" (breaks "+strings.Join(m.Breaks, " ")+")", func(ctx SpecContext) {
			client, err := cut.NewMutant(m.Name)
			Expect(err).NotTo(HaveOccurred())
			defer client.Close()
			profile := m.Profile // a bug only one profile's code has is played there
			got, full := playCatalogUnder(ctx, profile, client)
			Expect(without(got.failing(), skippedUnder(profile))).NotTo(BeEmpty(), "mutant %s escapes the whole catalog", m.Name)
			for _, id := range caughtBy[m.Name] {
				// Caught means failed (warned, for a bug that breaks only SHOULD rows) with a
				// finding on a requirement the bug breaks: an inconclusive, timed-out or
				// crashed row proves nothing about the bug.
				caught := conformance.Failed
				if onlyShould(m.Breaks) {
					caught = conformance.Warned
				}
				Expect(got[id]).To(Equal(caught), "mutant %s on %s;%s", m.Name, id, explain(full))
				var reqs []string
				for _, f := range full[id].Findings {
					reqs = append(reqs, string(f.Requirement))
				}
				Expect(reqs).To(ContainElement(BeElementOf(m.Breaks)), "mutant %s fails %s on another requirement;%s", m.Name, id, explain(full))
			}
		})
	}
})

var _ = Describe("self-checks: the same catalog under the oauth2 profile", func() {
	It("passes the Go reference client on every row that applies (the browser rows are the cookie's)", func(ctx SpecContext) {
		got, full := playCatalogUnder(ctx, fakeserver.ProfileOAuth2, cut.NewReference())
		Expect(got.failing()).To(ConsistOf(browserOnly), explain(full))
		for _, id := range browserOnly {
			Expect(full[id].Message).To(ContainSubstring("applies to the cookie profile only"), id)
		}
		for _, id := range oauthOnly {
			Expect(got[id]).To(Equal(conformance.Passed), id)
		}
	})

	for _, m := range cut.Mutants() {
		if m.Profile != "" {
			continue // played under its own profile above
		}
		rows := caughtBy[m.Name]
		if r, ok := caughtByUnderOAuth2[m.Name]; ok {
			rows = r
		}
		It("catches mutant "+m.Name+" under oauth2 on the rows that catch it there", func(ctx SpecContext) {
			client, err := cut.NewMutant(m.Name)
			Expect(err).NotTo(HaveOccurred())
			defer client.Close()
			got, full := playCatalogUnder(ctx, fakeserver.ProfileOAuth2, client, rows...)
			for _, id := range rows {
				caught := conformance.Failed
				if onlyShould(m.Breaks) {
					caught = conformance.Warned
				}
				Expect(got[id]).To(Equal(caught), "mutant %s on %s;%s", m.Name, id, explain(full))
			}
		})
	}

	It("judges nothing of a client that announces no oauth2 profile: a harness error naming the fix, never a pass of skipped rows", func(ctx SpecContext) {
		got, full := playCatalogUnder(ctx, fakeserver.ProfileOAuth2, cookieOnlyClient{cut.NewReference()}, "EXP-ACCESS-01", "OAUTH-01")
		Expect(got).To(HaveLen(2))
		for id, outcome := range got {
			Expect(outcome).To(Equal(conformance.HarnessError), id)
			Expect(full[id].Message).To(ContainSubstring(`the client does not support the oauth2 profile (its hello lists cookie): drop --profile oauth2 for it, or make its driver announce "oauth2"`), id)
		}
	})

	It("names the flag an oauth2-only client needs when it is run under the default profile", func(ctx SpecContext) {
		got, full := playCatalog(ctx, announcingClient{cut.NewReference(), []string{fakeserver.ProfileOAuth2}}, "EXP-ACCESS-01")
		Expect(got["EXP-ACCESS-01"]).To(Equal(conformance.HarnessError))
		Expect(full["EXP-ACCESS-01"].Message).To(ContainSubstring("the client does not support the cookie profile (its hello lists oauth2): run it with --profile NAME=oauth2"))
	})

	It("says so when a client announces no profile the server has, instead of suggesting the misspelt one", func(ctx SpecContext) {
		got, full := playCatalog(ctx, announcingClient{cut.NewReference(), []string{"oauth"}}, "EXP-ACCESS-01")
		Expect(got["EXP-ACCESS-01"]).To(Equal(conformance.HarnessError))
		Expect(full["EXP-ACCESS-01"].Message).To(ContainSubstring("the client does not support the cookie profile (its hello lists oauth): " +
			`make its driver announce "cookie" in hello's profiles, which name none the server has (cookie, oauth2)`))
	})
})

// cookieOnlyClient is the reference announcing no profiles (a driver written before
// the oauth2 profile existed).
type cookieOnlyClient struct{ *cut.Reference }

func (c cookieOnlyClient) Hello() cut.Hello {
	h := c.Reference.Hello()
	h.Profiles = nil
	return h
}

// announcingClient is the reference announcing the given profiles: the oauth2
// profile alone (as the bundled OAuth 2 library drivers do), or a misspelt one.
type announcingClient struct {
	*cut.Reference
	profiles []string
}

func (c announcingClient) Hello() cut.Hello {
	h := c.Reference.Hello()
	h.Profiles = c.profiles
	return h
}

// seedSkipped pins the rows the seed (under the JS kit) is skipped on although the kit
// announces every feature they need: they judge an early renewal, and the seed renews
// nothing early (early renewal is optional).
var seedSkipped = []string{"PROACTIVE-01", "PROACTIVE-02"}

// browserOnly are the rows that need a real browser (feature browser): every client
// here but the browser adapters (clientunderTest/browser's self-check) skips them.
var browserOnly = []string{"BROWSER-01", "BROWSER-02", "BROWSER-03", "BROWSER-04", "BROWSER-05", "BROWSER-06"}

// oauthOnly are the rows of the oauth2 profile alone: skipped under cookie.
var oauthOnly = []string{"OAUTH-01", "OAUTH-02", "OAUTH-03"}

// notUnderCookie is what a client that is no browser skips under the cookie profile.
var notUnderCookie = slices.Concat(browserOnly, oauthOnly)

// skippedUnder is what a client that is no browser skips under profile ("" is
// cookie): under oauth2 the browser rows are cookie-only too.
func skippedUnder(profile string) []string {
	if profile == fakeserver.ProfileOAuth2 {
		return browserOnly
	}
	return notUnderCookie
}

// expectSkippedForBrowser checks the browser rows were skipped, naming the feature.
func expectSkippedForBrowser(got outcomes, full map[string]conformance.ScenarioResult) {
	GinkgoHelper()
	for _, id := range browserOnly {
		Expect(got[id]).To(Equal(conformance.Skipped), "%s;%s", id, explain(full))
		Expect(full[id].Message).To(ContainSubstring(`feature "browser"`), id)
	}
}

// without is ids less the ones in drop.
func without(ids, drop []string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(drop, id) {
			out = append(out, id)
		}
	}
	return out
}

var _ = Describe("self-checks: the bundled adapters under the JS kit (Node)", Ordered, func() {
	It("passes axios-singleflight on every scenario it has the features for", func(ctx SpecContext) {
		p := startDriver(ctx, "axios-singleflight", axiosSingleflight)
		defer p.Close()
		got, full := playCatalog(ctx, p)
		Expect(got.failing()).To(ConsistOf(notUnderCookie), explain(full))
		expectSkippedForBrowser(got, full)
	})

	It("passes the Python kit's example (example_adapter.py) on every scenario it has the features for", func(ctx SpecContext) {
		p := startDriver(ctx, "py-example", pyExample)
		defer p.Close()
		got, full := playCatalog(ctx, p)
		// The Python kit offers neither bodies nor event streams.
		Expect(got.failing()).To(ConsistOf(append([]string{"BODY-01", "BODY-02", "BODY-03", "SSE-01", "SSE-02", "SSE-03"},
			notUnderCookie...)), explain(full))
		for _, id := range got.failing() {
			Expect(got[id]).To(Equal(conformance.Skipped), "%s;%s", id, explain(full))
		}
	})

	It("fails axios-seed on exactly the scenarios its expected-failures file lists", func(ctx SpecContext) {
		expected, err := conformance.ReadExpectedFailures(axiosSeedExpected, scenarios.Catalog())
		Expect(err).NotTo(HaveOccurred())
		p := startDriver(ctx, "axios-seed", axiosSeed)
		defer p.Close()
		got, full := playCatalog(ctx, p)
		var listed []string
		for id := range expected {
			listed = append(listed, id)
			// Listed means it fails the way the file says: failed or warned, never
			// inconclusive (which is never an expected failure) or a hang.
			Expect(got[id]).To(BeElementOf(conformance.Failed, conformance.Warned), "%s;%s", id, explain(full))
		}
		Expect(got.failing()).To(ConsistOf(slices.Concat(listed, seedSkipped, notUnderCookie)), explain(full))
		for _, id := range seedSkipped {
			Expect(got[id]).To(Equal(conformance.Skipped), "%s;%s", id, explain(full))
			Expect(full[id].Message).To(ContainSubstring("renews nothing early"), id)
		}
		expectSkippedForBrowser(got, full)
	})
})
