// Command go-driver is the Go example of docs/writing-a-driver.md: the Client of
// client.go put under test with the driver kit, which speaks the whole protocol.
package main

import (
	"context"
	"encoding/json"
	"runtime"

	"github.com/tokenclock/tokenclock/clientunderTest/driver"
)

func main() {
	driver.Main(func(cfg driver.Config) driver.Adapter {
		return adapter{NewClient(cfg.Context, cfg.BaseURL, cfg.HTTPClient, cfg.Profile)}
	}, driver.Options{Name: "go-example", Version: "net/http " + runtime.Version()})
}

// adapter hands each command to the Client, and what the caller saw back to the kit.
type adapter struct{ c *Client }

func (a adapter) Login(ctx context.Context, email, password string) (driver.Response, error) {
	return reply(a.c.Login(ctx, email, password))
}

func (a adapter) Request(ctx context.Context, call driver.Call) (driver.Response, error) {
	return reply(a.c.Do(ctx, call.Method, call.Path, call.Body, call.Headers))
}

func (a adapter) Logout(ctx context.Context) (driver.Response, error) {
	return reply(a.c.Logout(ctx))
}

// reply turns the Client's parsed body back into bytes; the kit shapes the reply.
func reply(res Response, err error) (driver.Response, error) {
	body, _ := json.Marshal(res.Body)
	return driver.Response{Status: res.Status, Body: body}, err
}
