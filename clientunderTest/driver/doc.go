// Package driver is the kit for tokenclock drivers written in Go. It speaks the whole
// of driver protocol v1 (docs/driver-protocol.md) on stdin and stdout, so that putting
// a Go HTTP client under test takes an Adapter of three methods and a main of one
// call; the client's own code does the rest, unchanged.
//
// The kit starts each command as it reads it, on a goroutine of its own, and answers
// in whatever order the work finishes; it turns what the client saw into the reply
// (status and body, or the transport error with its code first); it keeps stdout for
// protocol lines (once Main runs, os.Stdout is stderr, so a stray fmt.Println in the
// client cannot break the protocol); it logs and skips the lines it cannot answer (not
// JSON, no integer id, over MaxLine); and it returns at shutdown or stdin EOF. Of the
// protocol's optional features it provides, and announces, three:
//
//   - instances: init builds one adapter per instance, each with its own Config, all
//     sharing one Profile (cookie jar, storage, a lock), as the tabs of one browser
//     profile share them;
//   - restart: the instance is thrown away (its Config.Context ends, its in-flight
//     work is answered "aborted", its adapter is closed if it is an io.Closer) and
//     built again on the same profile;
//   - cancel: the context given to Request is cancelled, and the reply is "cancelled"
//     once Request returned an error (a response it returned anyway is the reply);
//
// and a fourth, clock, when Options.Clock says the client takes its time and timers
// from Config.Clock. The kit offers neither bodies nor sse: those rows are skipped.
//
// Config.HTTPClient, or Config.Transport for a library that builds its own
// http.Client, is how an instance must send: it adds the X-Tokenclock-Instance header,
// sends with the profile's jar, and aborts the instance's requests when the kit throws
// the instance away.
//
// An adapter over a client whose methods return *http.Response:
//
//	func main() {
//		driver.Main(func(cfg driver.Config) driver.Adapter {
//			return adapter{myclient.New(cfg.BaseURL, cfg.HTTPClient)}
//		}, driver.Options{Name: "my-client", Version: "myclient v1.4.0"})
//	}
//
//	type adapter struct{ c *myclient.Client }
//
//	func (a adapter) Login(ctx context.Context, email, password string) (driver.Response, error) {
//		return reply(a.c.Login(ctx, email, password))
//	}
//
//	func (a adapter) Request(ctx context.Context, call driver.Call) (driver.Response, error) {
//		return reply(a.c.Do(ctx, call.Method, call.Path, call.Body, call.Headers))
//	}
//
//	func (a adapter) Logout(ctx context.Context) (driver.Response, error) {
//		return reply(a.c.Logout(ctx))
//	}
//
//	func reply(res *http.Response, err error) (driver.Response, error) {
//		if err != nil {
//			return driver.Response{}, err // no HTTP response at all
//		}
//		defer res.Body.Close()
//		body, err := io.ReadAll(res.Body)
//		return driver.Response{Status: res.StatusCode, Body: body}, err
//	}
//
// An adapter reports what the application sees and nothing more: it never retries,
// never turns an error into a success, never adds logic the client lacks, since the
// harness judges the client from the server's journal. Two complete drivers use the
// kit: docs/examples/go-driver (a net/http client written to pass) and
// clientunderTest/godrivers/resty (go-resty as its README leads a user to use it).
package driver
