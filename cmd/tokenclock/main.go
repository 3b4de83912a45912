// Command tokenclock is the conformance harness's one binary:
//
//	tokenclock run --client 'mine=node driver.mjs'   the catalog against clients (docs/cli.md)
//	tokenclock list                                  the catalog and the built-in clients
//	tokenclock merge DIR... --report-dir OUT         join the reports of shards or runs (docs/ci.md)
//	tokenclock serve                                 the fake server, to reproduce bugs by hand
//
// See docs/cli.md and docs/manual-repro.md.
package main

import (
	"context"
	"os"

	"github.com/tokenclock/tokenclock/internal/runner"
)

func main() {
	ctx, stop := runner.SignalContext(context.Background())
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	irq, interrupted := runner.InterruptOf(ctx)
	stop()
	if interrupted {
		code = irq.ExitCode() // 130 or 143, as shells report a signal, whatever the command
	}
	os.Exit(code)
}
