package runner

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/tokenclock/tokenclock/conformance"
)

// SignalContext is a context that the first SIGINT or SIGTERM cancels with a
// conformance.Interrupt cause: a run then stops, writes its reports with the
// interruption recorded and stops its drivers. A second SIGINT exits at once
// (status 130), without reports. stop releases the signals. Both the binary and the
// Ginkgo suite use it, so an interrupt means the same whichever ran.
func SignalContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case s := <-signals:
				irq := conformance.Interrupt{Signal: "SIGTERM"}
				if s == os.Interrupt {
					irq.Signal = "SIGINT"
				}
				if _, already := InterruptOf(ctx); already && s == os.Interrupt {
					os.Exit(irq.ExitCode())
				}
				cancel(irq)
			}
		}
	}()
	return ctx, func() {
		signal.Stop(signals)
		close(done)
		cancel(nil)
	}
}

// InterruptOf reports the signal that stopped ctx, if one did.
func InterruptOf(ctx context.Context) (conformance.Interrupt, bool) {
	var irq conformance.Interrupt
	ok := errors.As(context.Cause(ctx), &irq)
	return irq, ok
}
