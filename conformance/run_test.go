package conformance_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Run", func() {
	It("stops at an interrupt: the scenario in flight and the rest are not run, never blamed, exit 130", func() {
		ctx, cancel := context.WithCancelCause(context.Background())
		defer cancel(nil)
		row := func(id string, play func(*conformance.Session)) conformance.Scenario {
			return conformance.Scenario{ID: id, Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1}, Play: play}
		}
		catalog := conformance.Catalog{
			row("T-01", func(*conformance.Session) {}),
			row("T-02", func(s *conformance.Session) {
				cancel(conformance.Interrupt{Signal: "SIGINT"}) // Ctrl-C while this row waits on the client
				s.Send(cut.Call{Method: "GET", Path: fakeserver.PathMe})
			}),
			row("T-03", func(*conformance.Session) {}),
		}
		run := conformance.Run(ctx, conformance.Options{Catalog: catalog, Limits: limits,
			Clients: []conformance.ClientSpec{{Name: "ref", Command: "go:reference"}, {Name: "other", Command: "go:reference"}}})
		Expect(run.Interrupted).NotTo(BeNil())
		Expect(run.Interrupted.Signal).To(Equal("SIGINT"))
		Expect(run.ExitCode).To(Equal(130))
		Expect(run.Clients[0].Scenarios).To(HaveLen(1))
		Expect(run.Clients[0].Scenarios[0].Outcome).To(Equal(conformance.Passed))
		Expect(run.Clients[1].Scenarios).To(BeEmpty())
		Expect(run.Clients[1].Verdict).To(Equal(conformance.ClientNotRun), "not a pass: it played nothing")
		Expect(run.NotRun).To(Equal([]conformance.NotRun{{Client: "ref", ID: "T-02"}, {Client: "ref", ID: "T-03"},
			{Client: "other", ID: "T-01"}, {Client: "other", ID: "T-02"}, {Client: "other", ID: "T-03"}}))
		Expect(run.Errors).To(BeEmpty())
	})
})
