package clientundertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tokenclock/tokenclock/fakeserver"
)

// Init binds the driver's client to env.BaseURL for a new scenario. A driver that
// faulted, or left commands of the previous scenario unanswered, is first replaced
// by a fresh process (hello again), so nothing leaks from one scenario into the
// next. A replacement that cannot get through hello is not retried: every later
// Init returns the same error.
func (p *Process) Init(ctx context.Context, env Env) error {
	scenario := env.Scenario
	d, err := p.ready(ctx)
	if err != nil {
		return err
	}
	desc := func(id int64) string { return fmt.Sprintf("init #%d (%s)", id, scenario) }
	instances := 0 // left out for a driver without the feature
	if p.Hello().Has(FeatureInstances) {
		instances = max(env.Instances, 1)
	}
	w, err := d.roundTrip(ctx, desc, func(id int64) ([]byte, error) {
		cmd := initCmd{ID: id, Cmd: "init", BaseURL: env.BaseURL, Scenario: scenario,
			Now: env.Now.UTC().Format(time.RFC3339), Instances: instances}
		if env.Profile == fakeserver.ProfileOAuth2 {
			cmd.Profile, cmd.TokenURL, cmd.ClientID, cmd.ClientSecret = env.Profile, env.TokenURL, env.ClientID, env.ClientSecret
		}
		return json.Marshal(cmd)
	})
	if err != nil {
		return err
	}
	if w.Error != nil {
		// A driver that cannot build a fresh client is unfit for the scenario, and
		// its state is unknown: restart it next time.
		f := crashed(fmt.Sprintf("driver %q failed init for scenario %q: %s", p.opts.Name, scenario, *w.Error))
		d.fail(f)
		return f
	}
	return nil
}

// ready returns a driver fit for a new scenario, restarting it if needed.
func (p *Process) ready(ctx context.Context) (*driver, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return nil, crashed(fmt.Sprintf("client %q is closed", p.opts.Name))
	case p.broken != nil:
		return nil, p.broken
	}
	if p.drv != nil {
		reason := p.drv.restartReason()
		if reason == "" {
			return p.drv, nil
		}
		p.log.Note("restarting driver %q: %s", p.opts.Name, reason)
		p.drv.stop(p.opts.KillGrace) // stdin EOF, then SIGTERM: a chance to clean up

		p.drv = nil
	}
	d, h, err := p.launch(ctx)
	if err != nil {
		if ctx.Err() == nil { // the driver's fault, not an impatient caller's
			p.broken = err
		}
		return nil, err
	}
	p.drv, p.hello = d, h
	return d, nil
}

// launch starts a driver process and completes hello; on failure it leaves nothing
// running and returns an error wrapping ErrCrashed with the reason and the stderr.
func (p *Process) launch(ctx context.Context) (*driver, Hello, error) {
	d, err := startDriver(p.opts, p.log)
	if err != nil {
		return nil, Hello{}, p.helloFailed(err.Error())
	}
	hctx, cancel := context.WithTimeout(ctx, p.opts.HelloTimeout)
	defer cancel()
	w, err := d.roundTrip(hctx, describe("hello"), func(id int64) ([]byte, error) {
		return json.Marshal(helloCmd{ID: id, Cmd: "hello", Protocol: 1})
	})
	var reason string
	switch {
	case errors.Is(err, ErrTimeout) && ctx.Err() == nil:
		reason = fmt.Sprintf("no answer to hello within %v", p.opts.HelloTimeout)
	case err != nil:
		reason = d.faultMessage(err)
	case w.Error != nil:
		reason = "hello answered with error: " + *w.Error
	}
	if reason != "" {
		d.stop(0)
		return nil, Hello{}, p.helloFailed(reason)
	}
	h := Hello{Name: w.Name, Version: w.Version, Features: w.Features, MaxConcurrency: max(w.MaxConcurrency, 0), Profiles: w.Profiles}
	if h.Features == nil {
		h.Features = []string{}
	}
	return d, h, nil
}

// helloFailed builds the error for a driver that did not get through hello. The
// captured stderr goes into the message (and out of the log, so it is reported
// once): usually it is the only clue, a stack trace or a missing module.
func (p *Process) helloFailed(reason string) error {
	stderr := strings.TrimRight(p.log.Take(), "\n")
	if stderr == "" {
		stderr = "(empty)"
	}
	return crashed(fmt.Sprintf("client %q (sh -c %q) did not get through hello: %s\n--- stderr ---\n%s",
		p.opts.Name, p.opts.Command, reason, stderr))
}
