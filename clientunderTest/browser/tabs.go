package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// Hello is what the adapter declared, with the features browser mode supplies.
func (c *Client) Hello() cut.Hello { return c.hello }

// PageHandler serves the page and the adapter's package (cut.PageHost).
func (c *Client) PageHandler() http.Handler { return c.page }

// PageOrigin is the page's origin for o (cut.PageHost): the client's own listener,
// as 127.0.0.1 (another origin, same site) or as localhost (another site).
func (c *Client) PageOrigin(o cut.Origin) string {
	switch o {
	case cut.CrossOrigin:
		return fmt.Sprintf("http://127.0.0.1:%d", c.appPort)
	case cut.CrossSite:
		return fmt.Sprintf("http://localhost:%d", c.appPort)
	}
	return ""
}

// TakeStderr returns the pages' console messages, uncaught exceptions and failed
// network requests since the last call (cut.StderrSource).
func (c *Client) TakeStderr() string { return c.log.Take() }

// Init closes the previous scenario's browser context and opens a fresh one (no
// cookies, no storage) with one tab per instance, each running a new client.
func (c *Client) Init(ctx context.Context, env cut.Env) error {
	c.mu.Lock()
	old := c.scenario
	c.scenario = nil
	c.clockBase, c.clockAt = env.Now, time.Now()
	c.subscribed = map[int64]int{}
	c.mu.Unlock()
	if old != nil {
		go old.cancel() // the old context closes while the new one loads
	}
	first, cancel := chromedp.NewContext(c.chromium.Ctx, chromedp.WithNewBrowserContext())
	sc := &scenario{env: env, cancel: cancel}
	c.mu.Lock()
	c.scenario = sc
	c.mu.Unlock()
	for i := range max(env.Instances, 1) {
		t := &tab{instance: i, ctx: first}
		if i > 0 {
			// A tab of the same browser context (closed with it): the context exists
			// once the first tab has run.
			t.ctx, _ = chromedp.NewContext(first)
		}
		c.mu.Lock()
		sc.tabs = append(sc.tabs, t)
		c.mu.Unlock()
		// Opening the tab comes first, bounded by ctx: Listen would open it unbounded.
		if err := c.prepareTab(ctx, t); err != nil {
			return fmt.Errorf("%w: browser mode: opening tab %d: %v", cut.ErrCrashed, t.instance, err)
		}
		c.watchConsole(t)
		if err := c.load(ctx, sc, t); err != nil {
			return err
		}
	}
	return nil
}

// load opens the page in t and builds its client: at Init, and after a reload.
func (c *Client) load(ctx context.Context, sc *scenario, t *tab) error {
	url := sc.env.BaseURL + fakeserver.PagePrefix
	if o := c.PageOrigin(sc.env.Origin); o != "" {
		url = o + fakeserver.PagePrefix
	}
	if err := c.open(ctx, t, url); err != nil {
		return err
	}
	var r reply
	args := map[string]any{"adapterURL": c.page.adapterURL, "baseURL": strings.TrimSuffix(sc.env.BaseURL, "/"),
		"instance": t.instance, "nowMs": c.clockNow().UnixMilli()}
	if err := c.eval(ctx, t, &r, "init", args); err != nil {
		return err
	}
	if r.Error != nil {
		return fmt.Errorf("%w: browser mode: the adapter failed to start in tab %d: %s%s", cut.ErrCrashed, t.instance, *r.Error, c.consoleHint())
	}
	return nil
}

// open navigates t to url and waits for the runner.
func (c *Client) open(ctx context.Context, t *tab, url string) error {
	if err := c.run(ctx, t, chromedp.Navigate(url)); err != nil {
		return fmt.Errorf("%w: browser mode: opening %s: %v", cut.ErrCrashed, url, err)
	}
	var ready bool
	if err := c.evalExpr(ctx, t, &ready, "window.__tokenclockReady === true"); err != nil || !ready {
		return fmt.Errorf("%w: browser mode: the page at %s did not load its runner%s", cut.ErrCrashed, url, c.consoleHint())
	}
	return nil
}

// reply is the runner's answer to a call.
type reply struct {
	OK     bool            `json:"ok"`
	Status int             `json:"status"`
	Body   json.RawMessage `json:"body"`
	Error  *string         `json:"error"`
}

func (r reply) toReply() cut.Reply {
	out := cut.Reply{Status: r.Status}
	if len(r.Body) > 0 && string(r.Body) != "null" {
		out.Body = r.Body
	}
	if r.Error != nil {
		out = cut.Reply{Error: *r.Error}
	}
	return out
}

// tab returns the current scenario's tab of instance.
func (c *Client) tab(instance int) (*tab, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.scenario == nil {
		return nil, fmt.Errorf("%w: browser mode: no scenario (init first)", cut.ErrCrashed)
	}
	if instance < 0 || instance >= len(c.scenario.tabs) {
		return nil, fmt.Errorf("%w: browser mode: no instance %d", cut.ErrCrashed, instance)
	}
	return c.scenario.tabs[instance], nil
}

func (t *tab) generation() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.gen
}

// call runs one runner method in the tab of instance and shapes its answer: a page
// replaced while the call ran (a reload, the scenario's end) answers "aborted".
func (c *Client) call(ctx context.Context, instance int, method string, args ...any) (cut.Reply, error) {
	t, err := c.tab(instance)
	if err != nil {
		return cut.Reply{}, err
	}
	gen := t.generation()
	var r reply
	if err := c.eval(ctx, t, &r, method, args...); err != nil {
		if t.generation() != gen {
			return cut.Reply{Error: "aborted"}, nil
		}
		return cut.Reply{}, err
	}
	return r.toReply(), nil
}

// Login logs in through instance 0.
func (c *Client) Login(ctx context.Context, email, password string) (cut.Reply, error) {
	return c.call(ctx, 0, "login", email, password)
}

// Logout logs out through instance 0.
func (c *Client) Logout(ctx context.Context) (cut.Reply, error) { return c.LogoutInstance(ctx, 0) }

// LogoutInstance logs out through one tab.
func (c *Client) LogoutInstance(ctx context.Context, instance int) (cut.Reply, error) {
	return c.call(ctx, instance, "logout")
}

// Request sends one call through its instance's client. A caller's cancel
// (cause cut.ErrCancelled) aborts the adapter's signal; the call's own answer is
// then what the caller sees (cut.ForwardCancel).
func (c *Client) Request(ctx context.Context, call cut.Call) (cut.Reply, error) {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.mu.Unlock()
	args := map[string]any{"method": call.Method, "path": call.Path, "headers": call.Headers}
	if len(call.Body) > 0 {
		args["body"] = call.Body
	}
	if call.BodyKind != "" {
		args["bodyKind"], args["size"], args["seed"] = call.BodyKind, call.Size, call.Seed
	}
	inner, stop := cut.ForwardCancel(ctx, func(cctx context.Context) bool {
		_, _ = c.call(cctx, call.Instance, "cancel", id)
		return true
	})
	defer stop()
	return c.call(inner, call.Instance, "request", id, args)
}

// Restart reloads instance 0's page.
func (c *Client) Restart(ctx context.Context) error { return c.RestartInstance(ctx, 0) }

// RestartInstance reloads one tab: its in-flight calls answer "aborted" (the page
// that made them is gone), and a new client starts from what the browser context
// keeps — cookies and storage — on the clock where it is now.
func (c *Client) RestartInstance(ctx context.Context, instance int) error {
	t, err := c.tab(instance)
	if err != nil {
		return err
	}
	c.mu.Lock()
	sc := c.scenario
	for h, i := range c.subscribed {
		if i == instance {
			delete(c.subscribed, h)
		}
	}
	c.mu.Unlock()
	t.mu.Lock()
	t.gen++
	t.mu.Unlock()
	return c.load(ctx, sc, t)
}

// clockNow is the pages' wall clock: it flows with real time between the
// harness's moves, as the page clock does.
func (c *Client) clockNow() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.clockBase.Add(time.Since(c.clockAt))
}

// SetClock sets every tab's wall clock to now, running no timer (feature clock).
func (c *Client) SetClock(ctx context.Context, now time.Time) error {
	c.mu.Lock()
	c.clockBase, c.clockAt = now, time.Now()
	c.mu.Unlock()
	return c.everyTab(ctx, map[string]any{"mode": "set", "nowMs": now.UnixMilli()})
}

// TickClock advances every tab's clock by d, running the timers that fall due.
func (c *Client) TickClock(ctx context.Context, d time.Duration) error {
	now := c.clockNow().Add(d)
	c.mu.Lock()
	c.clockBase, c.clockAt = now, time.Now()
	c.mu.Unlock()
	return c.everyTab(ctx, map[string]any{"mode": "tick", "byMs": d.Milliseconds()})
}

// everyTab sends one clock command to each tab (the tabs of one machine share its clock).
func (c *Client) everyTab(ctx context.Context, cmd map[string]any) error {
	c.mu.Lock()
	var n int
	if c.scenario != nil {
		n = len(c.scenario.tabs)
	}
	c.mu.Unlock()
	for i := range n {
		r, err := c.call(ctx, i, "clock", cmd)
		if err != nil {
			return err
		}
		if r.Error != "" {
			return fmt.Errorf("%w: browser mode: clock in tab %d: %s", cut.ErrCrashed, i, r.Error)
		}
	}
	return nil
}

// Subscribe opens the adapter's event stream in one tab (feature sse).
func (c *Client) Subscribe(ctx context.Context, path string, instance int) (int64, cut.Reply, error) {
	c.mu.Lock()
	c.nextID++
	id := c.nextID
	c.subscribed[id] = instance
	c.mu.Unlock()
	r, err := c.call(ctx, instance, "subscribe", id, path)
	return id, r, err
}

// Events is what a stream received so far; a stream whose page was reloaded ended
// with it ("aborted").
func (c *Client) Events(ctx context.Context, handle int64) (cut.StreamEvents, error) {
	c.mu.Lock()
	instance, ok := c.subscribed[handle]
	c.mu.Unlock()
	if !ok {
		return cut.StreamEvents{StreamError: "aborted"}, nil
	}
	t, err := c.tab(instance)
	if err != nil {
		return cut.StreamEvents{}, err
	}
	var ev struct {
		cut.StreamEvents
		Error string `json:"error"`
	}
	if err := c.eval(ctx, t, &ev, "events", handle); err != nil {
		return cut.StreamEvents{}, err
	}
	if ev.Error != "" {
		return cut.StreamEvents{StreamError: ev.Error}, nil
	}
	return ev.StreamEvents, nil
}

// Unsubscribe closes a stream for good.
func (c *Client) Unsubscribe(ctx context.Context, handle int64) error {
	c.mu.Lock()
	instance, ok := c.subscribed[handle]
	delete(c.subscribed, handle)
	c.mu.Unlock()
	if !ok {
		return nil
	}
	_, err := c.call(ctx, instance, "unsubscribe", handle)
	return err
}

// Close ends the scenario's browser context, Chromium and the page listener; no
// browser process outlives it.
func (c *Client) Close() error {
	c.mu.Lock()
	sc := c.scenario
	c.scenario = nil
	c.mu.Unlock()
	if sc != nil {
		sc.cancel()
	}
	c.chromium.Close()
	if c.app != nil {
		_ = c.app.Close()
	}
	return nil
}
