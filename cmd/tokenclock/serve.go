package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/webconsole"
)

// shutdownGrace bounds how long the control listener waits for requests in flight.
const shutdownGrace = 2 * time.Second

// serve is `tokenclock serve`: the fake server on real time plus an offset, with the
// control API, until ctx ends (SIGINT/SIGTERM in main).
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseServeFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	defer setMemoryLimit(cfg.Limits.MemoryLimit)()
	out := newRequestLog(stdout, 1024)
	defer out.Close()

	srv := fakeserver.New(cfg.options(out.Entry))
	srv.MountControl(webconsole.Name, webconsole.Handler(srv, version()))
	for _, u := range cfg.SeedUsers {
		if _, err := srv.AddUser(u.Name, u.Email, u.Password); err != nil {
			fmt.Fprintf(stderr, "tokenclock serve: --seed-user %s: %v\n", u.Email, err)
			return exitError
		}
	}
	if err := srv.StartAt(cfg.Addr); err != nil {
		fmt.Fprintf(stderr, "tokenclock serve: listening on %s: %v\n", cfg.Addr, err)
		return exitError
	}
	defer srv.Close()
	warnBeyondLoopback(stderr, "--addr", cfg.Addr, cfg.ControlAddr == "")

	controlURL := srv.URL() + fakeserver.ControlPrefix
	controlErr := make(chan error, 1)
	if cfg.ControlAddr != "" {
		ln, err := net.Listen("tcp", cfg.ControlAddr)
		if err != nil {
			fmt.Fprintf(stderr, "tokenclock serve: listening on --control-addr %s: %v\n", cfg.ControlAddr, err)
			return exitError
		}
		warnBeyondLoopback(stderr, "--control-addr", cfg.ControlAddr, true)
		hs := srv.HTTPServer(srv.ControlHandler())
		// Shutdown waits for open requests, and a journal stream (the web console's)
		// stays open until the server closes: close it first, or every Ctrl-C waits
		// out the shutdown grace.
		hs.RegisterOnShutdown(srv.Close)
		go func() { controlErr <- hs.Serve(ln) }()
		defer shutdownHTTP(hs)
		controlURL = "http://" + ln.Addr().String() + fakeserver.ControlPrefix
	}
	printBanner(out, cfg, srv.URL(), controlURL)

	select {
	case <-ctx.Done():
		out.Println("tokenclock: shutting down")
		return exitOK
	case err := <-controlErr:
		fmt.Fprintf(stderr, "tokenclock serve: control listener: %v\n", err)
		return exitError
	}
}

// options turns the command line into the server's one options struct.
func (c serveConfig) options(onRequest func(fakeserver.Entry)) fakeserver.Options {
	l := c.Limits
	return fakeserver.Options{
		// Real time: advance and expire add to the server's offset on top of it.
		Clock:             clockwork.NewRealClock(),
		AccessTTL:         c.AccessTTL,
		RefreshTTL:        c.RefreshTTL,
		NoRotation:        !c.Rotation,
		ReuseGrace:        c.ReuseGrace,
		GraphQLAuthSignal: fakeserver.GraphQLAuthSignal(c.GraphQLAuth),
		Profile:           c.Profile,
		OAuthClientID:     c.ClientID,
		OAuthClientSecret: c.ClientSecret,
		CORSOrigin:        c.CORSOrigin,
		OnRequest:         onRequest,
		ExposeControl:     c.ControlAddr == "",
		// A person at a terminal never needs request bodies (only the harness's body
		// checks do): keep none, so large bodies cost nothing once answered.
		JournalBodyBytes:    fakeserver.JournalNoBodies,
		JournalLimit:        l.JournalLimit,
		JournalMaxBytes:     l.JournalMaxBytes,
		MaxUsers:            l.MaxUsers,
		MaxUserBytes:        l.MaxUserBytes,
		MaxFamilies:         l.MaxFamilies,
		MaxTokens:           l.MaxTokens,
		MaxIdeas:            l.MaxIdeas,
		MaxIdeasPerUser:     l.MaxIdeasPerUser,
		MaxIdeaBytes:        l.MaxIdeaBytes,
		PageSize:            l.PageSize,
		ReadTimeout:         l.ReadTimeout,
		IdleTimeout:         l.IdleTimeout,
		ControlAllowOrigins: c.AllowOrigins,
		ControlAllowHosts:   c.controlHosts(),
	}
}

// setMemoryLimit sets the process's soft memory limit for serve's lifetime and
// returns what puts the previous one back. With no --memory-limit, a limit already
// set (GOMEMLIMIT) is kept, else defaultMemoryLimit applies.
func setMemoryLimit(limit int64) (restore func()) {
	prev := debug.SetMemoryLimit(-1)
	if limit == 0 {
		if prev != math.MaxInt64 {
			return func() {}
		}
		limit = defaultMemoryLimit
	}
	debug.SetMemoryLimit(limit)
	return func() { debug.SetMemoryLimit(prev) }
}

// shutdownHTTP lets control requests in flight finish, then closes what is left.
func shutdownHTTP(hs *http.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		_ = hs.Close()
	}
}

// warnBeyondLoopback says so when an address can be reached from other machines:
// the fake server has known passwords and no protection, by design; and when the
// control API listens there, whoever reaches it can drive the server.
func warnBeyondLoopback(stderr io.Writer, flagName, addr string, control bool) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "localhost" {
		return
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return
	}
	fmt.Fprintf(stderr, "tokenclock serve: warning: %s %s is reachable beyond this machine\n", flagName, addr)
	if control {
		fmt.Fprintf(stderr, "tokenclock serve: warning: the control API (%s) is exposed there too: whoever reaches it\n"+
			"  can move the clock, revoke tokens, inject faults and read the journal. It answers only to loopback\n"+
			"  Host names and the %s host; add the names others use with --allow-host.\n", fakeserver.ControlPrefix, flagName)
	}
}
