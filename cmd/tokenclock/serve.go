package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/tokenclock/tokenclock/fakeserver"
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
	out := newRequestLog(stdout, 1024)
	defer out.Close()

	srv := fakeserver.New(cfg.options(out.Entry))
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
	warnBeyondLoopback(stderr, "--addr", cfg.Addr)

	controlURL := srv.URL() + fakeserver.ControlPrefix
	controlErr := make(chan error, 1)
	if cfg.ControlAddr != "" {
		ln, err := net.Listen("tcp", cfg.ControlAddr)
		if err != nil {
			fmt.Fprintf(stderr, "tokenclock serve: listening on --control-addr %s: %v\n", cfg.ControlAddr, err)
			return exitError
		}
		warnBeyondLoopback(stderr, "--control-addr", cfg.ControlAddr)
		hs := &http.Server{Handler: srv.ControlHandler(), ReadHeaderTimeout: 10 * time.Second}
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
	return fakeserver.Options{
		// Real time: advance and expire add to the server's offset on top of it.
		Clock:         clockwork.NewRealClock(),
		AccessTTL:     c.AccessTTL,
		RefreshTTL:    c.RefreshTTL,
		NoRotation:    !c.Rotation,
		ReuseGrace:    c.ReuseGrace,
		CORSOrigin:    c.CORSOrigin,
		OnRequest:     onRequest,
		ExposeControl: c.ControlAddr == "",
	}
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
// the fake server has known passwords and no protection, by design.
func warnBeyondLoopback(stderr io.Writer, flagName, addr string) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "localhost" {
		return
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return
	}
	fmt.Fprintf(stderr, "tokenclock serve: warning: %s %s is reachable beyond this machine\n", flagName, addr)
}
