package runner

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/reports"
)

// Run is `tokenclock run ARGS`: it parses the flags, plays the catalog, prints one
// line per finished scenario and the matrix on stdout, writes the reports and
// returns the exit code. A command line it cannot use is one line on stderr and
// exit 2 (results.json still goes to the report dir when that is writable).
func Run(ctx context.Context, args []string, program, version string, stdout, stderr io.Writer) int {
	cfg, err := ParseRun(args, program, version)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, runUsage)
		return conformance.ExitOK
	case err != nil:
		fmt.Fprintf(stderr, "tokenclock run: %s (see tokenclock run --help)\n", err)
		writeEarly(reportDirIn(args), version, err.Error(), stderr)
		return conformance.ExitHarnessError
	}
	_, code := Play(ctx, cfg, stdout, stderr)
	return code
}

// Play runs a parsed configuration: the report dir is checked before any scenario
// runs (results are never lost to an unwritable dir found at the end), then the
// catalog plays with a progress line per scenario, then the reports, the matrix and
// the exit code.
func Play(ctx context.Context, cfg Config, stdout, stderr io.Writer) (conformance.RunResult, int) {
	if err := checkWritable(cfg.ReportDir); err != nil {
		fmt.Fprintf(stderr, "tokenclock run: --report-dir %s\n", err)
		return conformance.RunResult{ExitCode: conformance.ExitHarnessError}, conformance.ExitHarnessError
	}
	var mu sync.Mutex
	o := cfg.Options
	width := 0
	for _, c := range o.Clients {
		width = max(width, len(c.Name))
	}
	o.Progress = func(client string, res conformance.ScenarioResult) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(stdout, reports.ProgressLine(width, client, res))
	}
	result := conformance.Run(ctx, o)
	if err := reports.WriteAll(cfg.ReportDir, result); err != nil {
		fmt.Fprintln(stderr, "tokenclock run: writing reports:", err)
		result.ExitCode = conformance.ExitHarnessError
	}
	fmt.Fprintln(stdout)
	_ = reports.WriteConsoleMatrix(stdout, result)
	fmt.Fprintf(stdout, "reports: %s (exit code %d)\n", cfg.ReportDir, result.ExitCode)
	return result, result.ExitCode
}

// checkWritable makes dir and proves a file can be created in it.
func checkWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("%q is not a usable directory: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".tokenclock-probe-*")
	if err != nil {
		return fmt.Errorf("%q is not writable: %w", dir, err)
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}

// writeEarly records a run that could not start in results.json (exit 2), when the
// report dir is writable.
func writeEarly(dir, version, why string, stderr io.Writer) {
	d := conformance.DefaultLimits()
	run := conformance.RunResult{SchemaVersion: conformance.SchemaVersion, Tool: "tokenclock", Version: version,
		StartedAt: time.Now().UTC().Format(time.RFC3339), Clients: []conformance.ClientResult{},
		Options: conformance.RunOptions{Deadline: d.Deadline.String(), Quiet: d.QuietPeriod.String(), HoldBound: d.HoldBound.String()},
		Errors:  []string{why}}
	conformance.Judge(&run, nil)
	if checkWritable(dir) != nil {
		return
	}
	if err := reports.WriteAll(dir, run); err != nil {
		fmt.Fprintln(stderr, "tokenclock run: writing reports:", err)
	}
}

// reportDirIn finds --report-dir in args without the flag package, for the one
// case where parsing failed: results.json still goes where the user asked.
func reportDirIn(args []string) string {
	dir := DefaultReportDir
	for i, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := cutFlag(a)
		if name != "report-dir" {
			continue
		}
		if hasValue {
			dir = value
		} else if i+1 < len(args) {
			dir = args[i+1]
		}
	}
	return filepath.Clean(dir)
}

func cutFlag(a string) (name, value string, hasValue bool) {
	if len(a) < 2 || a[0] != '-' {
		return "", "", false
	}
	a = a[1:]
	if a[0] == '-' {
		a = a[1:]
	}
	for i := 0; i < len(a); i++ {
		if a[i] == '=' {
			return a[:i], a[i+1:], true
		}
	}
	return a, "", false
}
