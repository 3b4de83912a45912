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
// 0: twice the CPUs the process may use (GOMAXPROCS, which follows a container's CPU
// quota), from 2 to 8. A scenario mostly waits (quiet periods, holds, a driver's
// answers), so two per CPU keep the machine busy without starving the clients under
// test; more only adds driver processes.
func DefaultParallel() int {
	return min(max(2*runtime.GOMAXPROCS(0), 2), 8)
}

// startClient starts one instance; a variable so an internal spec can make some
// starts fail.
var startClient = StartClient

// maxBrowsers bounds the Chromium instances one browser client runs at once, however
// high Options.Parallel: each is a browser of its own (hundreds of MB).
const maxBrowsers = 2

// instance is one started client: a driver process, a browser, a built-in.
type instance struct {
	client cut.Client
}

// clientPool starts a client's instances lazily, up to limit, and lends them to one
// scenario at a time. The first instance starts alone: if it cannot start, that error
// is kept and every scenario of the client ends crashed with it at once, as a serial
// run reports a client that cannot start. A later instance that fails to start (a
// hello too slow while several drivers start on a busy machine) only lowers limit:
// its scenario waits for an instance that works.
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
	// book is every secret the client's scenarios were issued, in all its instances:
	// a driver may share state between its copies (a token cache on disk).
	book *lockedBook
}

func newClientPool(spec ClientSpec, helloTimeout time.Duration, parallel int) *clientPool {
	limit := parallel
	if strings.HasPrefix(strings.TrimSpace(spec.Command), browser.Prefix) {
		limit = min(limit, maxBrowsers)
	}
	return &clientPool{spec: spec, helloTimeout: helloTimeout, limit: max(limit, 1), freed: make(chan struct{}),
		book: &lockedBook{book: secretBook{}}}
}

// get lends an idle instance, starts one when fewer than limit exist, or waits for
// one to be returned. It fails with the client's start error, or ctx's.
func (p *clientPool) get(ctx context.Context) (*instance, error) {
	for {
		p.mu.Lock()
		// The first instance starts alone, so a client that cannot start fails once.
		firstStarting := len(p.all) == 0 && p.starting > 0
		switch {
		case ctx.Err() != nil:
			p.mu.Unlock()
			return nil, context.Cause(ctx)
		case len(p.idle) > 0:
			in := p.idle[len(p.idle)-1]
			p.idle = p.idle[:len(p.idle)-1]
			p.mu.Unlock()
			return in, nil
		case p.startErr != nil:
			err := p.startErr
			p.mu.Unlock()
			return nil, err
		case !firstStarting && len(p.all)+p.starting < p.limit:
			p.starting++
			p.mu.Unlock()
			in, err := p.start(ctx)
			if in != nil || p.fatal(err) {
				return in, err
			}
			continue // another instance works: wait for it
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
	c, err := startClient(ctx, p.spec, p.helloTimeout)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starting--
	if err != nil {
		switch {
		case ctx.Err() != nil:
		case len(p.all) == 0:
			p.startErr = err
		default:
			// Others started: run with those (this one may start next time round, and
			// fail the same way; stop trying).
			p.limit = max(len(p.all)+p.starting, 1)
		}
		p.wake() // waiters must see the error, or the lower limit
		return nil, err
	}
	in := &instance{client: c}
	p.all = append(p.all, in)
	if p.hello == nil {
		h := c.Hello()
		p.hello = &h
	}
	p.wake() // the first one started: the scenarios waiting for it may start theirs
	return in, nil
}

// fatal reports whether a start error ends the client (no instance could start), as
// opposed to one more instance failing beside working ones.
func (p *clientPool) fatal(err error) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.startErr != nil || len(p.all) == 0 && p.starting == 0 && err != nil
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

// lockedBook is one client's secret book, shared by its instances' scenarios.
type lockedBook struct {
	mu   sync.Mutex
	book secretBook
}

func (l *lockedBook) add(secrets map[string]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.book.add(secrets)
}

func (l *lockedBook) scrub(res *ScenarioResult) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.book.scrub(res)
}
