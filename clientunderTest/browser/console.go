package browser

import (
	"context"
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// watchConsole copies what the tab's page reports into the client's log, as a
// driver's stderr is: console calls, uncaught exceptions, and the browser's own
// messages (a request refused by CORS, a failed load, a cookie it would not store).
// The tab must be open already (prepareTab).
func (c *Client) watchConsole(t *tab) {
	err := chromedp.Listen(t.ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range e.Args {
				args = append(args, remoteText(a))
			}
			c.logf(t, "console.%s: %s", e.Type, strings.Join(args, " "))
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			text := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				text = d.Exception.Description
			}
			c.logf(t, "uncaught: %s", text)
		case *cdplog.EventEntryAdded:
			url := ""
			if e.Entry.URL != "" {
				url = " (" + e.Entry.URL + ")"
			}
			c.logf(t, "browser %s %s: %s%s", e.Entry.Source, e.Entry.Level, e.Entry.Text, url)
		}
	})
	if err != nil {
		c.logf(t, "[tokenclock] the page's console is not captured: %v", err)
	}
}

// prepareTab readies a new tab before its page loads: it turns the HTTP cache off,
// and turns off two DevTools domains chromedp enables that browser mode does not use
// (DOM, CSS), whose events would only cost time. The log domain (the page's CORS and
// cookie messages), the runtime domain (console calls, exceptions) and the network
// domain (the disabled cache lives in it: disabling it turns the cache back on) stay.
//
// The cache is off because with it Chromium sends one GET of a URL at a time (its
// cache lock makes the others wait for the first's answer, even with
// --disable-http-cache): parallel calls to one URL would reach the server one by
// one, and a scenario that holds the first sends until all of them arrived would
// wait for nothing. Apps' parallel calls usually go to different URLs; a row's
// parallel calls share one to keep the journal readable. DevTools' "Disable cache"
// (Network.setCacheDisabled) lifts the lock.
func (c *Client) prepareTab(ctx context.Context, t *tab) error {
	return c.run(ctx, t, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
			return err
		}
		for _, quiet := range []string{css.Disable.Method, dom.Disable.Method} {
			if err := tg.Call(ctx, quiet, cdp.Empty{}, nil); err != nil {
				return fmt.Errorf("%s: %w", quiet, err)
			}
		}
		return nil
	}))
}

func (c *Client) logf(t *tab, format string, args ...any) {
	line := fmt.Sprintf("[tab %d] ", t.instance) + fmt.Sprintf(format, args...)
	_, _ = c.log.Write([]byte(line + "\n"))
	c.mu.Lock()
	if len(c.recent) == recentLines {
		c.recent = c.recent[1:]
	}
	c.recent = append(c.recent, clip(line))
	c.mu.Unlock()
}

// recentLines is how many of the pages' last messages an error message quotes.
const recentLines = 8

// remoteText is a console argument as text.
func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if len(o.Value) > 0 {
		s := string(o.Value)
		if strings.HasPrefix(s, `"`) {
			s = strings.Trim(s, `"`)
		}
		return s
	}
	return o.Description
}

// consoleHint is the tail of what the pages reported, for an error message.
func (c *Client) consoleHint() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.recent) == 0 {
		return ""
	}
	return "\nthe page reported:\n  " + strings.Join(c.recent, "\n  ")
}
