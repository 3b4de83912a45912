package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

// run runs a chromedp action in the tab, bounded by ctx: the tab's own context
// lives as long as the scenario, so a caller's deadline must not end it.
func (c *Client) run(ctx context.Context, t *tab, action chromedp.Action[chromedp.Void]) error {
	done := make(chan error, 1)
	go func() {
		_, err := chromedp.Run(t.ctx, action)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%w: browser mode: tab %d did not answer: %v", cut.ErrTimeout, t.instance, context.Cause(ctx))
	}
}

// evalExpr evaluates a JavaScript expression in the tab, awaiting a promise, and
// decodes its value into out.
func (c *Client) evalExpr(ctx context.Context, t *tab, out any, expr string) error {
	type result struct {
		raw []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		raw, err := chromedp.Run(t.ctx, chromedp.Evaluate[[]byte](expr, chromedp.EvalAwaitPromise))
		done <- result{raw, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return fmt.Errorf("%w: browser mode: tab %d: %v", cut.ErrCrashed, t.instance, r.err)
		}
		if err := json.Unmarshal(r.raw, out); err != nil {
			return fmt.Errorf("%w: browser mode: tab %d answered %q: %v", cut.ErrCrashed, t.instance, clip(string(r.raw)), err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: browser mode: tab %d did not answer: %v", cut.ErrTimeout, t.instance, context.Cause(ctx))
	}
}

// eval calls a method of the page's runner (window.__tokenclock) with JSON
// arguments.
func (c *Client) eval(ctx context.Context, t *tab, out any, method string, args ...any) error {
	parts := make([]string, len(args))
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		parts[i] = string(b)
	}
	return c.evalExpr(ctx, t, out, fmt.Sprintf("window.__tokenclock.%s(%s)", method, strings.Join(parts, ", ")))
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}
