package clientundertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// The commands as they go on the wire. One struct per command keeps "id" first on
// every line (readable logs) and sends fields like an empty password as they are
// instead of dropping them.
type (
	helloCmd struct {
		ID       int64  `json:"id"`
		Cmd      string `json:"cmd"`
		Protocol int    `json:"protocol"`
	}
	initCmd struct {
		ID       int64  `json:"id"`
		Cmd      string `json:"cmd"`
		BaseURL  string `json:"baseURL"`
		Scenario string `json:"scenario"`
		Now      string `json:"now"`
		// Instances is sent only to a driver that announced feature instances.
		Instances int `json:"instances,omitempty"`
		// Profile and the oauth2 fields are sent only under the oauth2 profile, to a
		// driver that listed it in hello's profiles.
		Profile      string `json:"profile,omitempty"`
		TokenURL     string `json:"tokenURL,omitempty"`
		ClientID     string `json:"clientId,omitempty"`
		ClientSecret string `json:"clientSecret,omitempty"`
	}
	loginCmd struct {
		ID       int64  `json:"id"`
		Cmd      string `json:"cmd"`
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	requestCmd struct {
		ID      int64             `json:"id"`
		Cmd     string            `json:"cmd"`
		Method  string            `json:"method"`
		Path    string            `json:"path"`
		Body    json.RawMessage   `json:"body,omitempty"`
		Headers map[string]string `json:"headers,omitempty"`
		// Instance is left out for instance 0, so a v1 transcript is unchanged.
		Instance int `json:"instance,omitempty"`
		// BodyKind, Size and Seed (feature bodies): size and seed are always sent with
		// the generated kinds, even when 0.
		BodyKind string `json:"bodyKind,omitempty"`
		Size     *int   `json:"size,omitempty"`
		Seed     *int64 `json:"seed,omitempty"`
	}
	bareCmd struct {
		ID  int64  `json:"id"`
		Cmd string `json:"cmd"`
	}
	// instanceCmd is logout or restart, naming the instance when it is not 0.
	instanceCmd struct {
		ID       int64  `json:"id"`
		Cmd      string `json:"cmd"`
		Instance int    `json:"instance,omitempty"`
	}
	clockCmd struct {
		ID   int64  `json:"id"`
		Cmd  string `json:"cmd"`
		Mode string `json:"mode"` // set or tick
		Now  string `json:"now,omitempty"`
		// By and ByMs say the same tick twice (a Go duration such as "1m30s", and
		// whole milliseconds): a driver reads whichever its language parses easily.
		By   string `json:"by,omitempty"`
		ByMs *int64 `json:"byMs,omitempty"`
	}
	subscribeCmd struct {
		ID       int64  `json:"id"`
		Cmd      string `json:"cmd"`
		Path     string `json:"path"`
		Instance int    `json:"instance,omitempty"`
	}
	// targetCmd names an earlier command: cancel a request, ask events of or
	// unsubscribe a stream.
	targetCmd struct {
		ID     int64  `json:"id"`
		Cmd    string `json:"cmd"`
		Target int64  `json:"target"`
	}
)

// cancelGrace is how long a cancelled request may take to answer once the client
// was sent cancel; past it the request counts as hung, like any other.
const cancelGrace = 2 * time.Second

// ForwardCancel returns the context a cancellable request (feature cancel) waits
// under, and the func that releases it. The caller's deadline ends it at once, as a
// hang. A cancel by the caller (cause ErrCancelled) does not: sendCancel passes it on
// to the client (reporting false when it could not, which ends the wait as a
// deadline would), and the request then has cancelGrace to give its own answer —
// normally "cancelled" — before it counts as hung.
func ForwardCancel(ctx context.Context, sendCancel func(context.Context) bool) (context.Context, func()) {
	inner, stop := context.WithCancelCause(context.WithoutCancel(ctx))
	go func() {
		select {
		case <-inner.Done():
			return
		case <-ctx.Done():
		}
		cctx, cancel := context.WithTimeout(context.Background(), cancelGrace)
		defer cancel()
		if !errors.Is(context.Cause(ctx), ErrCancelled) || !sendCancel(cctx) {
			stop(context.Cause(ctx))
			return
		}
		select {
		case <-inner.Done():
		case <-cctx.Done():
			stop(context.DeadlineExceeded)
		}
	}()
	return inner, func() { stop(nil) }
}

// bare encodes a command with no fields besides id and cmd (logout, shutdown).
func bare(cmd string) func(int64) ([]byte, error) {
	return func(id int64) ([]byte, error) { return json.Marshal(bareCmd{ID: id, Cmd: cmd}) }
}

// describe names a command in messages: "login #2".
func describe(cmd string) func(int64) string {
	return func(id int64) string { return fmt.Sprintf("%s #%d", cmd, id) }
}

// Login logs in through the driver's own login path.
func (p *Process) Login(ctx context.Context, email, password string) (Reply, error) {
	return p.call(ctx, describe("login"), func(id int64) ([]byte, error) {
		return json.Marshal(loginCmd{ID: id, Cmd: "login", Email: email, Password: password})
	})
}

// Request sends one call through the driver's authenticated client. A reply with
// "error" (no HTTP response reached the client) is a Reply with Error set and a nil
// error; only faults are errors.
//
// When ctx ends with cause ErrCancelled and the driver announced feature cancel, the
// driver is sent cancel for this request, and the request's own reply (normally
// error "cancelled") is what the caller sees.
func (p *Process) Request(ctx context.Context, c Call) (Reply, error) {
	desc := func(id int64) string { return fmt.Sprintf("request #%d (%s %s)", id, c.Method, c.Path) }
	var sent atomic.Int64
	build := func(id int64) ([]byte, error) {
		sent.Store(id)
		cmd := requestCmd{ID: id, Cmd: "request", Method: c.Method, Path: c.Path, Body: c.Body,
			Headers: c.Headers, Instance: c.Instance, BodyKind: c.BodyKind}
		if c.BodyKind == BodyMultipart || c.BodyKind == BodyStream {
			cmd.Size, cmd.Seed = &c.Size, &c.Seed
		}
		return json.Marshal(cmd)
	}
	if !p.Hello().Has(FeatureCancel) {
		return p.call(ctx, desc, build)
	}
	inner, stop := ForwardCancel(ctx, func(cctx context.Context) bool {
		if sent.Load() == 0 {
			return false
		}
		_, _ = p.call(cctx, describe("cancel"), func(id int64) ([]byte, error) {
			return json.Marshal(targetCmd{ID: id, Cmd: "cancel", Target: sent.Load()})
		})
		return true
	})
	defer stop()
	return p.call(inner, desc, build)
}

// Restart reloads the driver's client (feature restart): in-flight commands answer
// "aborted", and the client is rebuilt from its persisted state.
func (p *Process) Restart(ctx context.Context) error { return p.RestartInstance(ctx, 0) }

// RestartInstance reloads one instance (features restart and instances).
func (p *Process) RestartInstance(ctx context.Context, instance int) error {
	return p.expectOK(ctx, "restart", func(id int64) ([]byte, error) {
		return json.Marshal(instanceCmd{ID: id, Cmd: "restart", Instance: instance})
	})
}

// Logout is the driver's own logout.
func (p *Process) Logout(ctx context.Context) (Reply, error) { return p.LogoutInstance(ctx, 0) }

// LogoutInstance logs out through one instance (feature instances).
func (p *Process) LogoutInstance(ctx context.Context, instance int) (Reply, error) {
	return p.call(ctx, describe("logout"), func(id int64) ([]byte, error) {
		return json.Marshal(instanceCmd{ID: id, Cmd: "logout", Instance: instance})
	})
}

// SetClock sets the driver's client clock without running timers (feature clock).
func (p *Process) SetClock(ctx context.Context, now time.Time) error {
	return p.expectOK(ctx, "clock", func(id int64) ([]byte, error) {
		return json.Marshal(clockCmd{ID: id, Cmd: "clock", Mode: "set", Now: now.UTC().Format(time.RFC3339Nano)})
	})
}

// TickClock advances the driver's client clock, running due timers (feature clock).
func (p *Process) TickClock(ctx context.Context, d time.Duration) error {
	return p.expectOK(ctx, "clock", func(id int64) ([]byte, error) {
		ms := d.Milliseconds()
		return json.Marshal(clockCmd{ID: id, Cmd: "clock", Mode: "tick", By: d.String(), ByMs: &ms})
	})
}

// Subscribe opens the driver's event stream (feature sse); the handle is the
// subscribe command's id, which events and unsubscribe name as their target.
func (p *Process) Subscribe(ctx context.Context, path string, instance int) (int64, Reply, error) {
	var sent atomic.Int64
	r, err := p.call(ctx, func(id int64) string { return fmt.Sprintf("subscribe #%d (%s)", id, path) }, func(id int64) ([]byte, error) {
		sent.Store(id)
		return json.Marshal(subscribeCmd{ID: id, Cmd: "subscribe", Path: path, Instance: instance})
	})
	return sent.Load(), r, err
}

// Events asks the driver what the stream handle received so far (feature sse).
func (p *Process) Events(ctx context.Context, handle int64) (StreamEvents, error) {
	d, err := p.current()
	if err != nil {
		return StreamEvents{}, err
	}
	w, err := d.roundTrip(ctx, describe("events"), func(id int64) ([]byte, error) {
		return json.Marshal(targetCmd{ID: id, Cmd: "events", Target: handle})
	})
	if err != nil {
		return StreamEvents{}, err
	}
	if w.Error != nil {
		return StreamEvents{}, crashed(fmt.Sprintf("driver %q failed events: %s", p.opts.Name, *w.Error))
	}
	out := StreamEvents{Events: w.Events, StreamError: w.StreamError}
	if w.Open != nil {
		out.Open = *w.Open
	}
	if out.Events == nil {
		out.Events = []string{}
	}
	return out, nil
}

// Unsubscribe closes the stream handle for good (feature sse).
func (p *Process) Unsubscribe(ctx context.Context, handle int64) error {
	return p.expectOK(ctx, "unsubscribe", func(id int64) ([]byte, error) {
		return json.Marshal(targetCmd{ID: id, Cmd: "unsubscribe", Target: handle})
	})
}

// expectOK runs a command whose only answer is ok: an error reply is the driver
// failing a harness step, reported as a fault.
func (p *Process) expectOK(ctx context.Context, cmd string, build func(int64) ([]byte, error)) error {
	r, err := p.call(ctx, describe(cmd), build)
	if err != nil {
		return err
	}
	if r.Error != "" {
		return crashed(fmt.Sprintf("driver %q failed %s: %s", p.opts.Name, cmd, r.Error))
	}
	return nil
}

// call runs one command on the current driver and turns its reply into a Reply.
func (p *Process) call(ctx context.Context, desc func(int64) string, build func(int64) ([]byte, error)) (Reply, error) {
	d, err := p.current()
	if err != nil {
		return Reply{}, err
	}
	w, err := d.roundTrip(ctx, desc, build)
	if err != nil {
		return Reply{}, err
	}
	r := Reply{Body: w.Body}
	if w.Status != nil {
		r.Status = *w.Status
	}
	if w.Error != nil {
		r.Error = *w.Error
	}
	return r, nil
}

// current is the running driver, or why there is none.
func (p *Process) current() (*driver, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.closed:
		return nil, crashed(fmt.Sprintf("client %q is closed", p.opts.Name))
	case p.broken != nil:
		return nil, p.broken
	case p.drv == nil:
		return nil, crashed(fmt.Sprintf("client %q has no driver running (its restart failed)", p.opts.Name))
	}
	return p.drv, nil
}
