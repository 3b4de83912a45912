package scenarios_test

import (
	"context"
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

// ObserveResponses passes the gate's delivery reports through, so a timed in-process
// client is gated the same way as the bare one.
func (t *timedClient) ObserveResponses(fn func(status int)) {
	if o, ok := t.Client.(cut.ResponseObserver); ok {
		o.ObserveResponses(fn)
	}
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
