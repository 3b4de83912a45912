package clientundertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// probe runs one scenario on a fresh rig and returns the broken check, or nil. The
// same probe runs on the reference (must pass) and on the mutant (must fail).
type probe func(ctx context.Context, r *rig) error

// expect returns a requirement-led error when got != want.
func expect[T comparable](req, what string, got, want T) error {
	if got != want {
		return fmt.Errorf("%s: %s: expected %v, observed %v", req, what, want, got)
	}
	return nil
}

// mustCall is a call whose only acceptable fault-free outcome is a reply.
func mustCall(ctx context.Context, r *rig, method, path, body string) (cut.Reply, error) {
	reply, err := r.call(ctx, method, path, body)
	if err != nil {
		return reply, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return reply, nil
}

// probeExpiredGet is EXP-ACCESS-01: one refresh, one replay carrying exactly one
// Authorization header with A1, caller 200.
func probeExpiredGet(ctx context.Context, r *rig) error {
	r.srv.ExpireAccess()
	reply, err := mustCall(ctx, r, http.MethodGet, pathMe, "")
	if err != nil {
		return err
	}
	me := r.journal().To(http.MethodGet, pathMe)
	if len(me) != 2 {
		return fmt.Errorf("RC3: expected 2 sends of the GET, observed %d", len(me))
	}
	return errors.Join(
		expect("RC4", "Authorization headers on the replay", me[1].AuthorizationHeaders, 1),
		expect("RC4", "token on the replay", me[1].AccessToken, "A1"),
		expect("RC4", "caller status", reply.Status, http.StatusOK))
}

// probeNoRefreshOn sets up a fault answering status to the next GET and checks the
// caller sees it without a refresh (RC1).
func probeNoRefreshOn(status int) probe {
	return func(ctx context.Context, r *rig) error {
		r.srv.AddFault(fakeserver.Rule{Method: http.MethodGet, Path: pathMe, Times: 1, Action: fakeserver.ActionStatus, Status: status})
		reply, err := mustCall(ctx, r, http.MethodGet, pathMe, "")
		if err != nil {
			return err
		}
		return errors.Join(
			expect("RC1", "refresh calls", len(r.journal().Refreshes()), 0),
			expect("RC1", "caller status", reply.Status, status))
	}
}

var probes = map[string]probe{
	"retries-invalid-grant": func(ctx context.Context, r *rig) error {
		// OAUTH-01: a revoked family answers the refresh 400 invalid_grant; the caller
		// gets its 401 and the next call refreshes no more.
		r.restartOn(ctx, fakeserver.Options{Profile: fakeserver.ProfileOAuth2})
		r.srv.RevokeRefresh(adaEmail)
		r.srv.ExpireAccess()
		first, err := mustCall(ctx, r, http.MethodGet, pathMe, "")
		if err != nil {
			return err
		}
		second, err := mustCall(ctx, r, http.MethodGet, pathMe, "")
		if err != nil {
			return err
		}
		return errors.Join(
			expect("RC23", "the first caller's status", first.Status, http.StatusUnauthorized),
			expect("RC23", "the second caller's status", second.Status, http.StatusUnauthorized),
			expect("RC23", "refresh calls", len(r.journal().Refreshes()), 1))
	},

	"drops-absent-refresh-token": func(ctx context.Context, r *rig) error {
		// OAUTH-03: answers without refresh_token; the second refresh presents R0.
		r.restartOn(ctx, fakeserver.Options{Profile: fakeserver.ProfileOAuth2, NoRotation: true, OAuthNoRefreshInAnswer: true})
		for range 2 {
			r.srv.ExpireAccess()
			if _, err := mustCall(ctx, r, http.MethodGet, pathMe, ""); err != nil {
				return err
			}
		}
		rs := r.journal().Refreshes()
		if len(rs) != 2 {
			return fmt.Errorf("RC24: expected 2 refresh calls, observed %d", len(rs))
		}
		return expect("RC24", "the second refresh's token", rs[1].RefreshToken+" "+rs[1].RefreshState, "R0 valid")
	},

	"stream-stale-token": func(ctx context.Context, r *rig) error {
		handle, reply, err := r.c.Subscribe(ctx, fakeserver.PathEvents, 0)
		if err != nil || reply.Status != 0 || reply.Error != "" {
			return fmt.Errorf("subscribe: %v %+v", err, reply)
		}
		received := func(n int) int { // polls until n events arrived, or 3 s
			got := 0
			for deadline := time.Now().Add(3 * time.Second); got < n && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				ev, _ := r.c.Events(ctx, handle)
				got = len(ev.Events)
			}
			return got
		}
		r.srv.PublishEvent()
		if received(1) != 1 { // the reconnect resumes after this event's id
			return fmt.Errorf("RC21: the first event never arrived")
		}
		r.srv.ExpireAccess()
		if _, err := mustCall(ctx, r, http.MethodGet, pathMe, ""); err != nil { // refreshes: A1
			return err
		}
		r.srv.DropStreams()
		r.srv.PublishEvent()
		got := received(2)
		_ = r.c.Unsubscribe(ctx, handle)
		connects := r.journal().To(http.MethodGet, fakeserver.PathEvents)
		if len(connects) < 2 {
			return fmt.Errorf("RC21: expected a reconnect after the drop, observed %d connects", len(connects))
		}
		return errors.Join(
			expect("RC21", "the reconnect's token", connects[1].AccessToken, "A1"),
			expect("RC21", "events received", got, 2))
	},

	"graphql-only-401": func(ctx context.Context, r *rig) error {
		r.restartOn(ctx, fakeserver.Options{GraphQLAuthSignal: fakeserver.GraphQLAuthErrors})
		r.srv.ExpireAccess()
		reply, err := mustCall(ctx, r, http.MethodPost, fakeserver.PathGraphQL, `{"query":"{ me { id } }"}`)
		if err != nil {
			return err
		}
		return errors.Join(
			expect("RC1", "refreshes after UNAUTHENTICATED", len(r.journal().Refreshes()), 1),
			expect("RC1", "the caller's answer names the user", strings.Contains(string(reply.Body), `"me"`), true))
	},

	"no-idempotency-key": func(ctx context.Context, r *rig) error {
		return committedPost(ctx, r, "", "RC20")
	},

	"replay-drops-idempotency-key": func(ctx context.Context, r *rig) error {
		return committedPost(ctx, r, "probe-key", "RC15")
	},

	"trusts-device-clock": func(ctx context.Context, r *rig) error {
		// A device clock 5 minutes ahead, from before the login; three calls 10 s apart.
		if err := r.c.SetClock(ctx, r.srv.Now().Add(5*time.Minute)); err != nil {
			return err
		}
		if reply, err := r.c.Login(ctx, adaEmail, adaPassword); err != nil || reply.Status != http.StatusOK {
			return fmt.Errorf("login: %v %+v", err, reply)
		}
		mark := len(r.journal())
		for range 3 {
			r.advanceBoth(ctx, 10*time.Second)
			if _, err := mustCall(ctx, r, http.MethodGet, pathMe, ""); err != nil {
				return err
			}
		}
		return expect("RC18", "refreshes within the token's first 30 s", len(r.journal()[mark:].Refreshes()), 0)
	},

	"late-timer-refreshes": func(ctx context.Context, r *rig) error {
		// The early-refresh timer is 5 s from firing when the laptop sleeps 5 minutes;
		// on waking, a call renews the token; then the old timer's time comes.
		r.advanceBoth(ctx, 40*time.Second)
		r.srv.Advance(5 * time.Minute)
		if err := r.c.SetClock(ctx, r.srv.Now()); err != nil {
			return err
		}
		if _, err := mustCall(ctx, r, http.MethodGet, pathMe, ""); err != nil {
			return err
		}
		r.advanceBoth(ctx, 10*time.Second)
		if _, err := mustCall(ctx, r, http.MethodGet, pathMe, ""); err != nil { // waits for any refresh the tick started
			return err
		}
		return expect("RC18", "refreshes for the one expiry", len(r.journal().Refreshes()), 1)
	},

	"early-refresh-outside-flight": func(ctx context.Context, r *rig) error {
		// Both clocks at 50 s of a 60 s token: due for its early refresh, still valid.
		r.srv.Advance(50 * time.Second)
		if err := r.c.SetClock(ctx, r.srv.Now()); err != nil {
			return err
		}
		// The first refresh is held while the other two callers decide: on a busy
		// machine the first caller could otherwise finish its refresh before the
		// others look at the token, and a client without the single flight would send
		// one refresh too. A second one arrives at once if it is sent at all; the
		// reference sends none, and 2 s of quiet say so.
		hold := r.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: pathRefresh, Action: fakeserver.ActionHoldBefore, HoldFor: time.Minute})
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() { _, _ = r.call(ctx, http.MethodGet, pathMe, "") })
		}
		if err := hold.WaitHeld(ctx, 1); err != nil {
			return err
		}
		quiet, stop := context.WithTimeout(ctx, 2*time.Second)
		defer stop()
		_ = hold.WaitHeld(quiet, 2)
		hold.Release()
		wg.Wait()
		return expect("RC2", "refreshes for three callers of a due token", len(r.journal().Refreshes()), 1)
	},

	"tabs-uncoordinated": func(ctx context.Context, r *rig) error {
		// Two tabs meet the expiry together; the refresh is held long enough for a
		// second tab's refresh to arrive beside the first, if it is sent at all.
		r.srv.ExpireAccess()
		hold := r.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: pathRefresh, Action: fakeserver.ActionHoldBefore, HoldFor: time.Minute})
		replies := make([]cut.Reply, 2)
		var wg sync.WaitGroup
		for i := range replies {
			wg.Go(func() { replies[i], _ = r.c.Request(ctx, cut.Call{Method: http.MethodGet, Path: pathMe, Instance: i}) })
		}
		if err := hold.WaitHeld(ctx, 1); err != nil {
			return err
		}
		both, stop := context.WithTimeout(ctx, 2*time.Second) // a quiet period: long enough for a busy machine
		defer stop()
		_ = hold.WaitHeld(both, 2)
		hold.Release()
		wg.Wait()
		reused := r.journal().Refreshes().Where(func(e fakeserver.Entry) bool { return e.RefreshState == fakeserver.StateReused })
		return errors.Join(
			expect("RC19", "refreshes presenting a spent token", len(reused), 0),
			expect("RC19", "tab 0's status", replies[0].Status, http.StatusOK),
			expect("RC19", "tab 1's status", replies[1].Status, http.StatusOK))
	},

	"refresh-on-403": probeNoRefreshOn(http.StatusForbidden),
	"refresh-on-5xx": probeNoRefreshOn(http.StatusServiceUnavailable),

	"no-single-flight": func(ctx context.Context, r *rig) error {
		r.srv.ExpireAccess()
		for _, o := range r.parallelGate(ctx, gets(10)) {
			if o.err != nil {
				return o.err
			}
		}
		return expect("RC2", "refresh calls for 10 parallel 401s", len(r.journal().Refreshes()), 1)
	},

	"unbounded-retry": func(ctx context.Context, r *rig) error {
		r.srv.AddFault(fakeserver.Rule{Method: http.MethodGet, Path: pathMe, Action: fakeserver.ActionStatus, Status: 401})
		reply, err := mustCall(ctx, r, http.MethodGet, pathMe, "")
		if err != nil {
			return err
		}
		return errors.Join(
			expect("RC3", "sends of a GET answered 401 every time", len(r.journal().To(http.MethodGet, pathMe)), 2),
			expect("RC3", "caller status", reply.Status, http.StatusUnauthorized))
	},

	"stale-header-on-replay":  probeExpiredGet,
	"duplicate-authorization": probeExpiredGet,

	"drops-body-on-replay": func(ctx context.Context, r *rig) error {
		r.srv.ExpireAccess()
		reply, err := mustCall(ctx, r, http.MethodPost, pathIdeas, ideaBody(1))
		if err != nil {
			return err
		}
		posts := r.journal().To(http.MethodPost, pathIdeas)
		if len(posts) != 2 {
			return fmt.Errorf("RC5: expected 2 sends of the POST, observed %d", len(posts))
		}
		return errors.Join(
			expect("RC5", "body SHA-256 of the replay", posts[1].BodySha256, posts[0].BodySha256),
			expect("RC5", "caller status", reply.Status, http.StatusCreated),
			expect("RC5", "ideas created", len(r.srv.Ideas()), 1))
	},

	"intercepts-refresh-401": func(ctx context.Context, r *rig) error {
		r.srv.ExpireRefresh()
		reply, err := mustCall(ctx, r, http.MethodGet, pathMe, "")
		if err != nil {
			return err
		}
		return errors.Join(
			expect("RC6", "refresh calls after a refusal", len(r.journal().Refreshes()), 1),
			expect("RC6", "caller status", reply.Status, http.StatusUnauthorized))
	},

	"waiters-hang-on-refresh-failure": func(ctx context.Context, r *rig) error {
		r.srv.ExpireRefresh()
		prompt, cancel := context.WithTimeout(ctx, time.Second) // "promptly" in the catalog
		defer cancel()
		reply, err := mustCall(prompt, r, http.MethodGet, pathMe, "")
		if err != nil {
			return fmt.Errorf("RC7: the caller was not settled promptly: %w", err)
		}
		return expect("RC7", "caller status", reply.Status, http.StatusUnauthorized)
	},

	"ignores-rotated-cookie": func(ctx context.Context, r *rig) error {
		for range 2 {
			r.srv.ExpireAccess()
			if _, err := mustCall(ctx, r, http.MethodGet, pathMe, ""); err != nil {
				return err
			}
		}
		return expect("RC8", "refresh tokens presented", fmt.Sprint(presented(r.journal())), "[R0 R1]")
	},

	"applies-late-refresh": func(ctx context.Context, r *rig) error {
		r.srv.ExpireAccess()
		hold := r.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: pathRefresh, Times: 1, Action: fakeserver.ActionHoldResponse})
		late := make(chan cut.Reply, 1)
		go func() { reply, _ := r.call(ctx, http.MethodGet, pathMe, ""); late <- reply }()
		held, stop := context.WithTimeout(ctx, 5*time.Second)
		defer stop()
		if err := hold.WaitHeld(held, 1); err != nil {
			return fmt.Errorf("RC17: the GET's refresh never arrived: %w", err)
		}
		if _, err := r.c.Logout(ctx); err != nil {
			return err
		}
		hold.Release() // the refresh issued A1 before the logout; its answer lands after it
		return expect("RC17", "the late GET's caller status", (<-late).Status, http.StatusUnauthorized)
	},

	"refresh-bound-to-caller": func(ctx context.Context, r *rig) error {
		r.srv.ExpireAccess()
		hold := r.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: pathRefresh, Times: 1, Action: fakeserver.ActionHoldBefore})
		trigger, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		first := make(chan cut.Reply, 1)
		go func() { reply, _ := r.call(trigger, http.MethodGet, pathMe, ""); first <- reply }()
		held, stop := context.WithTimeout(ctx, 5*time.Second)
		defer stop()
		if err := hold.WaitHeld(held, 1); err != nil {
			return fmt.Errorf("RC16: the GET's refresh never arrived: %w", err)
		}
		cancel(cut.ErrCancelled) // the caller that started the refresh gives up
		if got := <-first; got.Error != "cancelled" {
			return fmt.Errorf("RC16: expected the cancelled caller to see error cancelled, observed %+v", got)
		}
		// A client that aborts the shared refresh with its caller has closed the
		// connection by now, or soon: the server marks the held refresh clientGone.
		// Release only then (or after a second, for a client that never does).
		gone, stopGone := context.WithTimeout(ctx, time.Second)
		defer stopGone()
		r.srv.WaitJournal(gone, func(j fakeserver.Journal) bool {
			rs := j.Refreshes()
			return len(rs) > 0 && rs[0].ClientGone
		})
		hold.Release()
		reply, err := mustCall(ctx, r, http.MethodGet, pathMe, "")
		if err != nil {
			return err
		}
		return errors.Join(
			expect("RC16", "the next caller's status", reply.Status, http.StatusOK),
			expect("RC16", "refresh tokens presented", fmt.Sprint(presented(r.journal())), "[R0]"))
	},
}

// committedPost creates an idea through a fault that commits it and answers 401
// (with the header Idempotency-Key: key unless key is ""), and checks the replay
// kept the first send's key and one idea exists.
func committedPost(ctx context.Context, r *rig, key, req string) error {
	r.srv.AddFault(fakeserver.Rule{Method: http.MethodPost, Path: pathIdeas, Times: 1, Action: fakeserver.ActionCommitThen401})
	c := cut.Call{Method: http.MethodPost, Path: pathIdeas, Body: json.RawMessage(ideaBody(7))}
	if key != "" {
		c.Headers = map[string]string{"Idempotency-Key": key}
	}
	if _, err := r.c.Request(ctx, c); err != nil {
		return err
	}
	sends := r.journal().To(http.MethodPost, pathIdeas)
	if len(sends) != 2 {
		return fmt.Errorf("%s: expected 2 sends of the POST, observed %d", req, len(sends))
	}
	return errors.Join(
		expect(req, "the replay's Idempotency-Key", sends[1].IdempotencyKey != "" && sends[1].IdempotencyKey == sends[0].IdempotencyKey, true),
		expect(req, "ideas", len(r.srv.Ideas()), 1))
}

var _ = Describe("Mutants", func() {
	It("are listed in a stable order, each with a doc, a probe and a known profile, covering RC1–RC8", func() {
		infos := cut.Mutants()
		Expect(infos).To(HaveLen(len(probes)))
		covered := map[string]bool{}
		for _, m := range infos {
			Expect(probes).To(HaveKey(m.Name), "every mutant needs a probe that catches it")
			Expect(m.Doc).NotTo(BeEmpty())
			Expect(m.Breaks).NotTo(BeEmpty())
			Expect(m.Profile).To(BeElementOf("", fakeserver.ProfileOAuth2))
			for _, req := range m.Breaks {
				covered[req] = true
			}
		}
		for i := 1; i <= 8; i++ {
			Expect(covered).To(HaveKey(fmt.Sprintf("RC%d", i)), "a mutant per MUST requirement")
		}
		Expect(cut.Mutants()).To(Equal(infos), "stable order")
	})

	It("rejects an unknown name, listing the known ones", func() {
		_, err := cut.NewMutant("no-such-bug")
		Expect(err).To(MatchError(ContainSubstring("refresh-on-403")))
	})

	entries := []TableEntry{}
	for _, m := range cut.Mutants() {
		entries = append(entries, Entry(m.Name, m.Name, SpecTimeout(10*time.Second)))
	}
	DescribeTable("are caught where the reference passes",
		func(ctx SpecContext, name string) {
			p := probes[name]
			Expect(p).NotTo(BeNil())

			Expect(p(ctx, newRigOf(ctx, cut.NewReference(), 2))).To(Succeed(), "the reference fails the probe for %s", name)

			m, err := cut.NewMutant(name)
			Expect(err).NotTo(HaveOccurred())
			Expect(m.Hello().Name).To(Equal("go-mutant:" + name))
			broken := p(ctx, newRigOf(ctx, m, 2))
			Expect(broken).To(HaveOccurred(), "mutant %s passed its probe", name)
			info := infoOf(name)
			Expect(broken.Error()).To(HavePrefix(info.Breaks[0]), "the probe catches the requirement the mutant breaks")
		},
		entries)
})

func infoOf(name string) cut.MutantInfo {
	for _, m := range cut.Mutants() {
		if m.Name == name {
			return m
		}
	}
	return cut.MutantInfo{}
}
