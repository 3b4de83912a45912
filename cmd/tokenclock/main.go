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
)

// Exit statuses after a signal: 128 + the signal's number, as shells report them.
const (
	exitInterrupted = 130 // SIGINT
	exitTerminated  = 143 // SIGTERM
)

func main() {
	// The first SIGINT/SIGTERM cancels the context: run stops, writes its reports and
	// shuts servers and drivers down. A second SIGINT exits at once.
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	var got atomic.Value
	go func() {
		for s := range signals {
			if got.Load() != nil && s == os.Interrupt {
				os.Exit(exitInterrupted)
			}
			got.CompareAndSwap(nil, s)
			cancel()
		}
	}()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	signal.Stop(signals)
	switch got.Load() {
	case os.Interrupt:
		code = exitInterrupted
	case syscall.SIGTERM:
		code = exitTerminated
	}
	os.Exit(code)
}
