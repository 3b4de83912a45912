package conformance_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Run under a profile", func() {
	// expiry is one expiry met by a GET, its refresh seen from the session.
	expiry := func(id, profile string, seen *[]string) conformance.Scenario {
		return conformance.Scenario{ID: id, Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1},
			Profile: profile, ProfileReason: "a reason",
			Play: func(s *conformance.Session) {
				s.Expire()
				mark := s.Mark()
				s.ExpectCaller(s.Send(cut.Call{Method: "GET", Path: fakeserver.PathMe}), 200, conformance.RC1)
				for _, e := range s.Since(mark).Refreshes() {
					*seen = append(*seen, s.Profile()+" "+e.Path+" "+e.GrantType)
				}
			}}
	}

	It("starts each scenario's server under the client's profile, records it, and skips rows of the other profile naming why", func() {
		var seen []string
		catalog := conformance.Catalog{expiry("P-01", "", &seen), expiry("P-02", fakeserver.ProfileCookie, &seen), expiry("P-03", fakeserver.ProfileOAuth2, &seen)}
		run := conformance.Run(context.Background(), conformance.Options{Catalog: catalog, Limits: limits, Parallel: 1,
			Clients: []conformance.ClientSpec{{Name: "c", Command: "go:reference"}, {Name: "o", Command: "go:reference", Profile: fakeserver.ProfileOAuth2}}})
		Expect(run.ExitCode).To(Equal(conformance.ExitOK))
		Expect(run.Clients[0].Profile).To(Equal("cookie"))
		Expect(run.Clients[1].Profile).To(Equal("oauth2"))
		outcomes := func(c conformance.ClientResult) (out []string) {
			for _, sr := range c.Scenarios {
				out = append(out, sr.ID+" "+string(sr.Outcome))
			}
			return out
		}
		Expect(outcomes(run.Clients[0])).To(Equal([]string{"P-01 passed", "P-02 passed", "P-03 skipped"}))
		Expect(outcomes(run.Clients[1])).To(Equal([]string{"P-01 passed", "P-02 skipped", "P-03 passed"}))
		Expect(run.Clients[0].Scenarios[2].Message).To(Equal("skipped under the cookie profile: the row applies to the oauth2 profile only (a reason)"))
		Expect(seen).To(Equal([]string{"cookie /api/auth/refresh ", "cookie /api/auth/refresh ",
			"oauth2 /oauth/token refresh_token", "oauth2 /oauth/token refresh_token"}))
	})

	It("scrubs the client secret from what a driver printed, like a token", func() {
		secret := ""
		row := conformance.Scenario{ID: "P-01", Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1},
			Play: func(s *conformance.Session) {
				_, secret = s.Server.OAuthClient()
				s.Findf(conformance.RC1, "nothing", "the driver said %s", secret)
			}}
		res := conformance.ExecuteProfile(context.Background(), row, cut.NewReference(), limits, fakeserver.ProfileOAuth2)
		Expect(secret).NotTo(BeEmpty())
		Expect(res.Findings[0].Actual).To(Equal("the driver said client_secret"))
	})
})
