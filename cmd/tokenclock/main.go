// Command tokenclock is the conformance harness's one binary:
//
//	tokenclock run --client 'mine=node driver.mjs'   the catalog against clients (docs/cli.md)
//	tokenclock list                                  the catalog and the built-in clients
//	tokenclock serve                                 the fake server, to reproduce bugs by hand
//
// See docs/cli.md and docs/manual-repro.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/tokenclock/tokenclock/conformance"
)

func main() {
	// The first SIGINT/SIGTERM cancels the context with an Interrupt cause: run stops,
	// records the interruption in its reports and shuts servers and drivers down. A
	// second SIGINT exits at once.
	ctx, cancel := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	var got atomic.Pointer[conformance.Interrupt]
	go func() {
		for s := range signals {
			irq := &conformance.Interrupt{Signal: "SIGTERM"}
			if s == os.Interrupt {
				irq.Signal = "SIGINT"
			}
			if !got.CompareAndSwap(nil, irq) && s == os.Interrupt {
				os.Exit(irq.ExitCode())
			}
			cancel(*irq)
		}
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	signal.Stop(signals)
	if irq := got.Load(); irq != nil {
		code = irq.ExitCode()
	}
	os.Exit(code)
}
