package scenarios_test

import (
	"context"
	"errors"
	"sync"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

// timedClient wraps a client and measures the real time during which at least one
// of its commands was in flight (the union of their intervals, so 200 parallel
// requests count once). Everything else in a scenario's wall time is the harness.
type timedClient struct {
	cut.Client
	mu       sync.Mutex
	inFlight int
	since    time.Time
	busy     time.Duration
	init     time.Duration
}

func (t *timedClient) enter() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.inFlight == 0 {
		t.since = time.Now()
	}
	t.inFlight++
}

func (t *timedClient) leave() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inFlight--
	if t.inFlight == 0 {
		t.busy += time.Since(t.since)
	}
}

// take returns and clears the busy and init time measured so far.
func (t *timedClient) take() (busy, init time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	busy, init = t.busy, t.init
	t.busy, t.init = 0, 0
	return busy, init
}

// Init is timed on its own: the brief counts client init as harness overhead for the
// in-process client, while for a driver process it is a protocol round trip.
func (t *timedClient) Init(ctx context.Context, env cut.Env) error {
	start := time.Now()
	err := t.Client.Init(ctx, env)
	t.mu.Lock()
	t.init += time.Since(start)
	t.mu.Unlock()
	return err
}

// timedObserver is a timedClient around a client that reports its responses'
// delivery (cut.ResponseObserver, the in-process ones): only such a client may claim
// to, or the gate waits for reports that never come (its hold bound, every gated row).
type timedObserver struct{ *timedClient }

// ObserveResponses passes the gate's delivery reports through, so a timed in-process
// client is gated the same way as the bare one.
func (t timedObserver) ObserveResponses(fn func(status int)) {
	t.Client.(cut.ResponseObserver).ObserveResponses(fn)
}

// timed wraps c: the client to play (observing responses when c does) and the
// timings to read.
func timed(c cut.Client) (cut.Client, *timedClient) {
	t := &timedClient{Client: c}
	if _, ok := c.(cut.ResponseObserver); ok {
		return timedObserver{t}, t
	}
	return t, t
}

func (t *timedClient) Login(ctx context.Context, email, password string) (cut.Reply, error) {
	t.enter()
	defer t.leave()
	return t.Client.Login(ctx, email, password)
}

func (t *timedClient) Request(ctx context.Context, call cut.Call) (cut.Reply, error) {
	t.enter()
	defer t.leave()
	return t.Client.Request(ctx, call)
}

func (t *timedClient) Logout(ctx context.Context) (cut.Reply, error) {
	t.enter()
	defer t.leave()
	return t.Client.Logout(ctx)
}

// TakeStderr passes a driver's stderr through, as Execute looks for it.
func (t *timedClient) TakeStderr() string {
	if src, ok := t.Client.(cut.StderrSource); ok {
		return src.TakeStderr()
	}
	return ""
}

// errNoCapability answers a capability the wrapped client lacks; the catalog asks for
// one only when hello announced its feature, so a bare client would be skipped the
// same way.
var errNoCapability = errors.New("the timed client's inner client lacks this capability")

// Restart, RestartInstance, LogoutInstance, SetClock, TickClock, Subscribe, Events
// and Unsubscribe pass the optional capabilities through: a wrapper that hid them
// would make the rows that need them harness errors.
func (t *timedClient) Restart(ctx context.Context) error {
	if r, ok := t.Client.(cut.Restarter); ok {
		return r.Restart(ctx)
	}
	return errNoCapability
}

func (t *timedClient) RestartInstance(ctx context.Context, instance int) error {
	if m, ok := t.Client.(cut.MultiInstance); ok {
		return m.RestartInstance(ctx, instance)
	}
	return errNoCapability
}

func (t *timedClient) LogoutInstance(ctx context.Context, instance int) (cut.Reply, error) {
	if m, ok := t.Client.(cut.MultiInstance); ok {
		t.enter()
		defer t.leave()
		return m.LogoutInstance(ctx, instance)
	}
	return cut.Reply{}, errNoCapability
}

func (t *timedClient) SetClock(ctx context.Context, now time.Time) error {
	if c, ok := t.Client.(cut.Clocked); ok {
		return c.SetClock(ctx, now)
	}
	return errNoCapability
}

func (t *timedClient) TickClock(ctx context.Context, d time.Duration) error {
	if c, ok := t.Client.(cut.Clocked); ok {
		return c.TickClock(ctx, d)
	}
	return errNoCapability
}

func (t *timedClient) Subscribe(ctx context.Context, path string, instance int) (int64, cut.Reply, error) {
	if s, ok := t.Client.(cut.Streamer); ok {
		return s.Subscribe(ctx, path, instance)
	}
	return 0, cut.Reply{}, errNoCapability
}

func (t *timedClient) Events(ctx context.Context, handle int64) (cut.StreamEvents, error) {
	if s, ok := t.Client.(cut.Streamer); ok {
		return s.Events(ctx, handle)
	}
	return cut.StreamEvents{}, errNoCapability
}

func (t *timedClient) Unsubscribe(ctx context.Context, handle int64) error {
	if s, ok := t.Client.(cut.Streamer); ok {
		return s.Unsubscribe(ctx, handle)
	}
	return errNoCapability
}
