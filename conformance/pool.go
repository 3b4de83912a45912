package conformance

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/clientunderTest/browser"
)

// DefaultParallel is how many scenarios a run plays at once when Options.Parallel is
// 0: twice the CPUs, from 2 to 8. A scenario mostly waits (quiet periods, holds, a
// driver's answers), so two per CPU keep the machine busy without starving the
// clients under test; more only adds driver processes.
func DefaultParallel() int {
	return min(max(2*runtime.NumCPU(), 2), 8)
}

// maxBrowsers bounds the Chromium instances one browser client runs at once, however
// high Options.Parallel: each is a browser of its own (hundreds of MB).
const maxBrowsers = 2

// instance is one started client (a driver process, a browser, a built-in) and the
// secrets of the scenarios it played: only they can show up in its output.
type instance struct {
	client cut.Client
	book   secretBook
}

// clientPool starts a client's instances lazily, up to limit, and lends them to one
// scenario at a time. The first start error is kept: every later scenario of the
// client ends crashed with it at once, as a serial run reports a client that cannot
// start.
type clientPool struct {
	spec         ClientSpec
	helloTimeout time.Duration
	limit        int

	mu       sync.Mutex
	idle     []*instance
	all      []*instance
	starting int
	freed    chan struct{} // closed and replaced when an instance is returned
	startErr error
	hello    *cut.Hello
}

func newClientPool(spec ClientSpec, helloTimeout time.Duration, parallel int) *clientPool {
	limit := parallel
	if strings.HasPrefix(strings.TrimSpace(spec.Command), browser.Prefix) {
		limit = min(limit, maxBrowsers)
	}
	return &clientPool{spec: spec, helloTimeout: helloTimeout, limit: max(limit, 1), freed: make(chan struct{})}
}

// get lends an idle instance, starts one when fewer than limit exist, or waits for
// one to be returned. It fails with the client's start error, or ctx's.
func (p *clientPool) get(ctx context.Context) (*instance, error) {
	for {
		p.mu.Lock()
		switch {
		case p.startErr != nil:
			err := p.startErr
			p.mu.Unlock()
			return nil, err
		case len(p.idle) > 0:
			in := p.idle[len(p.idle)-1]
			p.idle = p.idle[:len(p.idle)-1]
			p.mu.Unlock()
			return in, nil
		case len(p.all)+p.starting < p.limit:
			p.starting++
			p.mu.Unlock()
			return p.start(ctx)
		}
		freed := p.freed
		p.mu.Unlock()
		select {
		case <-freed:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
}

// start starts one more instance (the caller counted it in starting).
func (p *clientPool) start(ctx context.Context) (*instance, error) {
	c, err := StartClient(ctx, p.spec, p.helloTimeout)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starting--
	if err != nil {
		if p.startErr == nil && ctx.Err() == nil {
			p.startErr = err
		}
		p.wake() // waiters must see the error (or try starting themselves)
		return nil, err
	}
	in := &instance{client: c, book: secretBook{}}
	p.all = append(p.all, in)
	if p.hello == nil {
		h := c.Hello()
		p.hello = &h
	}
	return in, nil
}

// put returns an instance for the next scenario.
func (p *clientPool) put(in *instance) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.idle = append(p.idle, in)
	p.wake()
}

// wake tells every waiter something changed; the caller holds mu.
func (p *clientPool) wake() {
	close(p.freed)
	p.freed = make(chan struct{})
}

// Hello is the client's announcement, from its first instance (every instance of a
// client runs the same command, so they announce the same).
func (p *clientPool) Hello() (cut.Hello, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.hello == nil {
		return cut.Hello{}, false
	}
	return *p.hello, true
}

// close closes every instance (killing driver process groups, ending browsers).
func (p *clientPool) close() {
	p.mu.Lock()
	all := p.all
	p.all, p.idle = nil, nil
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, in := range all {
		wg.Go(func() { _ = in.client.Close() })
	}
	wg.Wait()
}
