package tokenclock_test

import (
	"context"
	"fmt"
	"sync"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

// liveClient is a client of the run, started on first use and reused by every
// scenario (a driver process serves many scenarios; node starts in ~0.3 s).
type liveClient struct {
	spec    clientSpec
	once    sync.Once
	client  cut.Client
	hello   cut.Hello
	failure string // why the client could not start: every scenario is crashed with it
}

func (l *liveClient) start(ctx context.Context) {
	l.once.Do(func() {
		c, err := startClient(ctx, l.spec)
		if err != nil {
			l.failure = err.Error()
			return
		}
		l.client, l.hello = c, c.Hello()
	})
}

func startClient(ctx context.Context, spec clientSpec) (cut.Client, error) {
	if cut.IsBuiltIn(spec.Command) {
		return cut.NewBuiltIn(spec.Command)
	}
	p, err := cut.StartProcess(ctx, cut.ProcessOptions{Name: spec.Name, Command: spec.Command})
	if err != nil {
		return nil, fmt.Errorf("driver %s could not start: %w", spec.Name, err)
	}
	return p, nil
}

func (l *liveClient) close() {
	if l.client != nil {
		_ = l.client.Close()
	}
}

func builtInNames() []string {
	names := []string{"go:reference"}
	for _, m := range cut.Mutants() {
		names = append(names, "go:mutant:"+m.Name+"  (breaks "+fmt.Sprint(m.Breaks)+")")
	}
	return names
}
