package clientundertest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// The user every rig logs in as.
const (
	adaEmail    = "ada@example.test"
	adaPassword = "correct horse"
	pathMe      = fakeserver.PathMe
	pathIdeas   = fakeserver.PathIdeas
	pathRefresh = fakeserver.PathRefresh
	pathLogout  = fakeserver.PathLogout
)

// rig is one fresh fake server (fake clock on a whole second) with a client under
// test bound to it and logged in as Ada, so the login minted A0 and R0.
type rig struct {
	srv *fakeserver.Server
	c   *cut.Reference
}

func newRig(ctx context.Context, c *cut.Reference) *rig {
	GinkgoHelper()
	return newRigOf(ctx, c, 1)
}

// newRigOf is newRig with several instances (tabs of one profile) and the client's
// clock (feature clock) started at the server's.
func newRigOf(ctx context.Context, c *cut.Reference, instances int) *rig {
	GinkgoHelper()
	srv := fakeserver.New(fakeserver.Options{
		Clock: clockwork.NewFakeClockAt(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)),
	})
	Expect(srv.Start()).To(Succeed())
	DeferCleanup(srv.Close)
	_, err := srv.AddUser("Ada", adaEmail, adaPassword)
	Expect(err).NotTo(HaveOccurred())
	Expect(c.Init(ctx, cut.Env{BaseURL: srv.URL(), Scenario: "test", Now: srv.Now(), Instances: instances})).To(Succeed())
	DeferCleanup(c.Close)
	reply, err := c.Login(ctx, adaEmail, adaPassword)
	Expect(err).NotTo(HaveOccurred())
	Expect(reply.Status).To(Equal(http.StatusOK), "login: %s", reply.Body)
	return &rig{srv: srv, c: c}
}

// call sends one request through the client under test.
func (r *rig) call(ctx context.Context, method, path, body string) (cut.Reply, error) {
	c := cut.Call{Method: method, Path: path}
	if body != "" {
		c.Body = json.RawMessage(body)
	}
	return r.c.Request(ctx, c)
}

// restartOn moves the rig to a fresh server with opts (a fake clock as newRig's),
// re-initialising the client (under opts.Profile) and logging it in again.
func (r *rig) restartOn(ctx context.Context, opts fakeserver.Options) {
	GinkgoHelper()
	opts.Clock = clockwork.NewFakeClockAt(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	srv := fakeserver.New(opts)
	Expect(srv.Start()).To(Succeed())
	DeferCleanup(srv.Close)
	_, err := srv.AddUser("Ada", adaEmail, adaPassword)
	Expect(err).NotTo(HaveOccurred())
	env := cut.Env{BaseURL: srv.URL(), Scenario: "test", Now: srv.Now(), Profile: opts.Profile}
	if opts.Profile == fakeserver.ProfileOAuth2 {
		env.TokenURL = srv.URL() + fakeserver.PathToken
		env.ClientID, env.ClientSecret = srv.OAuthClient()
	}
	Expect(r.c.Init(ctx, env)).To(Succeed())
	reply, err := r.c.Login(ctx, adaEmail, adaPassword)
	Expect(err).NotTo(HaveOccurred())
	Expect(reply.Status).To(Equal(http.StatusOK), "login: %s", reply.Body)
	r.srv = srv
}

// advanceBoth moves the server's clock and the client's by d (the client's timers run).
func (r *rig) advanceBoth(ctx context.Context, d time.Duration) {
	GinkgoHelper()
	r.srv.Advance(d)
	Expect(r.c.TickClock(ctx, d)).To(Succeed())
}

// journal is the server's journal once every request in it has been answered: the
// client can read a response a moment before the server finalises its entry.
func (r *rig) journal() fakeserver.Journal {
	GinkgoHelper()
	var j fakeserver.Journal
	Eventually(func() bool {
		j = r.srv.Journal()
		return len(j.Where(func(e fakeserver.Entry) bool { return e.Pending })) == 0
	}).WithTimeout(3 * time.Second).WithPolling(2 * time.Millisecond).Should(BeTrue())
	return j
}

// answered401 counts the requests to method and path already answered 401.
func (r *rig) answered401(method, path string) int {
	return len(r.srv.Journal().To(method, path).Where(func(e fakeserver.Entry) bool {
		return !e.Pending && e.Status == http.StatusUnauthorized
	}))
}

// outcome is one caller's reply.
type outcome struct {
	reply cut.Reply
	err   error
}

// parallelGate runs calls in parallel behind the catalog's parallel gate: every
// first send is held until all have arrived, and the refresh is held until every one
// of them was answered 401. Deterministic for a client that waits for nothing else.
func (r *rig) parallelGate(ctx context.Context, calls []cut.Call) []outcome {
	GinkgoHelper()
	gate := r.srv.AddFault(fakeserver.Rule{Times: len(calls), Action: fakeserver.ActionHoldBefore})
	refresh := r.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: pathRefresh, Action: fakeserver.ActionHoldBefore})
	out := make([]outcome, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		wg.Go(func() {
			out[i].reply, out[i].err = r.c.Request(ctx, c)
		})
	}
	Expect(gate.WaitHeld(ctx, len(calls))).To(Succeed())
	gate.Release()
	targets := map[[2]string]bool{}
	for _, c := range calls {
		targets[[2]string{c.Method, c.Path}] = true
	}
	Eventually(func() int {
		n := 0
		for t := range targets {
			n += r.answered401(t[0], t[1])
		}
		return n
	}).WithContext(ctx).WithPolling(2 * time.Millisecond).Should(BeNumerically(">=", len(calls)))
	refresh.Release()
	wg.Wait()
	return out
}

// gets is n identical GET /api/auth/me calls.
func gets(n int) []cut.Call {
	calls := make([]cut.Call, n)
	for i := range calls {
		calls[i] = cut.Call{Method: http.MethodGet, Path: pathMe}
	}
	return calls
}

// ideaBody is a valid, distinct idea document.
func ideaBody(i int) string {
	return fmt.Sprintf(`{"title":"idea %d","summary":"s","description":"d","tags":["t%d"]}`, i, i)
}

// carrying keeps the entries sent with access-token label, with that one
// Authorization header.
func carrying(j fakeserver.Journal, label string) fakeserver.Journal {
	return j.Where(func(e fakeserver.Entry) bool { return e.AccessToken == label && e.AuthorizationHeaders == 1 })
}

// presented lists the refresh-token labels the refresh calls presented, in order.
func presented(j fakeserver.Journal) []string {
	var out []string
	for _, e := range j.Refreshes() {
		out = append(out, e.RefreshToken)
	}
	return out
}
