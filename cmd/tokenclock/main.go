// Command tokenclock runs the tokenclock fake auth + ideas server on its own, with
// the control API, so a person can reproduce token-expiry bugs by hand:
//
//	tokenclock serve --seed-user 'Ada:ada@example.test:correct horse'
//
// See docs/manual-repro.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// SIGINT/SIGTERM cancel the context; run then shuts the servers down cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
