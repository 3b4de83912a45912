package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/tokenclock/tokenclock/internal/runner"
)

// Exit codes of the binary.
const (
	exitOK    = 0
	exitError = 1 // the server could not start or stopped on an error
	exitUsage = 2 // bad command line
)

// usage is the top-level help text.
const usage = `tokenclock — conformance harness for HTTP clients that refresh expired auth tokens

Usage:
  tokenclock run [flags]     run the scenario catalog against clients (tokenclock run --help)
  tokenclock merge DIR...    join the reports of shards or runs (tokenclock merge --help)
  tokenclock list            print the catalog and the built-in clients
  tokenclock serve [flags]   run the fake server and its control API (tokenclock serve --help)
  tokenclock version         print the version
  tokenclock help            this text
`

// run is the whole command line: it returns the process exit code instead of
// exiting, so tests drive it like a user would. ctx ending stops a running server.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "run":
		return runner.Run(ctx, args[1:], programName(), version(), stdout, stderr)
	case "merge":
		return runner.Merge(args[1:], stdout, stderr)
	case "list":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "tokenclock list: takes no arguments\n")
			return exitUsage
		}
		runner.List(stdout)
		return exitOK
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "tokenclock", version())
		return exitOK
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "tokenclock: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
}

// version is the module version and VCS revision the binary was built from, as far
// as the build recorded them.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	if v == "" {
		v = "(devel)"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
		if s.Key == "vcs.modified" && s.Value == "true" {
			v += "+dirty"
		}
	}
	return v + " " + info.GoVersion
}

// programName is how rerun lines name this binary: as it was invoked when that was
// a path (bin/tokenclock), else "tokenclock" (found on PATH).
func programName() string {
	if len(os.Args) > 0 && strings.Contains(os.Args[0], "/") && !strings.Contains(os.Args[0], "go-build") {
		return os.Args[0]
	}
	return "tokenclock"
}
