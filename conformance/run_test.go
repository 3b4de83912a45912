package conformance_test

import (
	"context"
	"fmt"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("Run", func() {
	It("stops at an interrupt (one at a time): the scenario in flight and the rest are not run, never blamed, exit 130", func() {
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
		run := conformance.Run(ctx, conformance.Options{Catalog: catalog, Limits: limits, Parallel: 1,
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

	Describe("with --parallel", func() {
		// concurrent counts the rows playing at once, and the most there ever were.
		type concurrent struct {
			peak     int // rows wait until this many played at once (bounded), however slow the machine
			mu       sync.Mutex
			now, max int
			alone    []int // how many were playing when each Alone row played
		}
		// row plays for a moment (real time: the point is that rows overlap),
		// counting itself in c; it first waits for the peak, so the overlap the spec
		// asserts does not depend on how fast the pool dispatches on a busy machine.
		row := func(c *concurrent, id string, alone bool) conformance.Scenario {
			return conformance.Scenario{ID: id, Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1},
				Alone: alone, LoggedOut: true,
				Play: func(*conformance.Session) {
					c.mu.Lock()
					c.now++
					c.max = max(c.max, c.now)
					if alone {
						c.alone = append(c.alone, c.now)
					}
					c.mu.Unlock()
					for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
						c.mu.Lock()
						reached := c.max >= c.peak
						c.mu.Unlock()
						if reached {
							break
						}
					}
					time.Sleep(150 * time.Millisecond)
					c.mu.Lock()
					c.now--
					c.mu.Unlock()
				}}
		}

		It("plays up to N scenarios at once across clients, and reports them in catalog order", func() {
			c := &concurrent{peak: 4}
			var catalog conformance.Catalog
			for i := range 6 {
				catalog = append(catalog, row(c, fmt.Sprintf("P-%02d", i+1), false))
			}
			run := conformance.Run(context.Background(), conformance.Options{Catalog: catalog, Limits: limits, Parallel: 4,
				Clients: []conformance.ClientSpec{{Name: "a", Command: "go:reference"}, {Name: "b", Command: "go:mutant:no-single-flight"}}})
			Expect(c.max).To(Equal(4), "4 slots, 12 rows")
			Expect(run.ExitCode).To(Equal(0))
			for _, cr := range run.Clients {
				var ids []string
				for _, sr := range cr.Scenarios {
					ids = append(ids, sr.ID)
				}
				Expect(ids).To(Equal([]string{"P-01", "P-02", "P-03", "P-04", "P-05", "P-06"}), cr.Name)
			}
		})

		It("plays a row marked Alone with nothing else running", func() {
			c := &concurrent{peak: 2}
			catalog := conformance.Catalog{row(c, "P-01", false), row(c, "P-02", false), row(c, "P-03", true),
				row(c, "P-04", false), row(c, "P-05", true), row(c, "P-06", false)}
			run := conformance.Run(context.Background(), conformance.Options{Catalog: catalog, Limits: limits, Parallel: 4,
				Clients: []conformance.ClientSpec{{Name: "a", Command: "go:reference"}}})
			Expect(run.ExitCode).To(Equal(0))
			Expect(c.alone).To(Equal([]int{1, 1}))
			Expect(c.max).To(BeNumerically(">", 1), "the other rows still overlap")
		})

		It("at an interrupt, reports what finished and lists every other pair as not run", func() {
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			c := &concurrent{}
			catalog := conformance.Catalog{row(c, "P-01", false), row(c, "P-02", false),
				{ID: "P-03", Level: conformance.Must, Requirements: []conformance.RequirementID{conformance.RC1}, LoggedOut: true,
					Play: func(*conformance.Session) { cancel(conformance.Interrupt{Signal: "SIGTERM"}) }},
				row(c, "P-04", false)}
			run := conformance.Run(ctx, conformance.Options{Catalog: catalog, Limits: limits, Parallel: 2,
				Clients: []conformance.ClientSpec{{Name: "a", Command: "go:reference"}, {Name: "b", Command: "go:reference"}}})
			Expect(run.ExitCode).To(Equal(143))
			played := 0
			for _, cr := range run.Clients {
				for _, sr := range cr.Scenarios {
					Expect(sr.Outcome).To(Equal(conformance.Passed), "nothing stopped is blamed")
					Expect(sr.ID).NotTo(Equal("P-03"))
					played++
				}
			}
			Expect(played+len(run.NotRun)).To(Equal(8), "every pair is either reported or listed as not run")
			Expect(run.NotRun).To(ContainElement(conformance.NotRun{Client: "a", ID: "P-03"}))
		})
	})
})
