package runner

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/clientunderTest/browser"
	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/fakeserver"
	"github.com/tokenclock/tokenclock/scenarios"
)

// maxParallel bounds --parallel: each scenario in flight may be a driver process
// and a server of its own.
const maxParallel = 64

// DefaultReportDir is where the reports go without --report-dir.
const DefaultReportDir = "reports/out"

// Config is one `tokenclock run` command line, parsed.
type Config struct {
	Options   conformance.Options
	ReportDir string
	// Program names the binary in rerun lines ("tokenclock", or the path it was run by).
	Program string
	// clientArgs are the --client values as given, by client name, for rerun lines.
	clientArgs map[string]string
}

// runUsage is `tokenclock run --help`: one screen, no go test or Ginkgo flags.
const runUsage = `Usage: tokenclock run [flags]

Runs the scenario catalog against one or more clients under test and writes
results.json, junit.xml, report.html and summary.md.

Flags:
  --client [NAME=]COMMAND   a client under test (repeatable; default go:reference).
                            COMMAND is a driver speaking protocol v1 (run by sh -c)
                            or a built-in: go:reference, go:mutant:NAME,
                            or browser:ADAPTER.mjs (a JS adapter in Chromium).
                            NAME is [a-z0-9-]+, optionally @LABEL (app@node20).
  --expect-failures NAME=FILE
                            scenarios client NAME is known to fail (repeatable)
  --profile [NAME=]PROFILE  cookie (default: an HttpOnly refresh cookie) or oauth2
                            (a token endpoint), for every client or for NAME
  --report-dir DIR          where the reports go (default reports/out)
  --focus REGEX             run only scenario IDs matching REGEX
  --strict                  count warned (SHOULD) results as failures
  --deadline D              real-time limit of one scenario (default 10s)
  --quiet-period D          quiet time after the last reply (default 100ms)
  --hold-bound D            real time after which a held request releases itself
                            (default 2s)
  --settle-window D         how long the parallel gate waits for a driver process
                            to act on its 401s before the shared refresh (default 100ms)
  --hello-timeout D         how long a driver may take to answer hello (default 5s)
  --parallel N              scenarios played at once, across all clients, each on
                            its own server and driver process (default: 2 per CPU,
                            2 to 8); results do not depend on it. 1: one at a time
  --shard I/N               play only shard I of N of the (client, scenario) pairs,
                            for a CI matrix; tokenclock merge joins the shards

Exit status: 0 every scenario passed or failed as expected; 1 an unexpected
result (failed, inconclusive, timeout, crashed, a stale expected failure, warned
under --strict); 2 the harness could not run or judge; 130 interrupted (SIGINT),
143 terminated (SIGTERM).

tokenclock merge joins the reports of shards; tokenclock list prints the catalog.
Docs: docs/cli.md, docs/conformance.md, docs/writing-a-driver.md.
`

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// ParseRun parses the flags of `tokenclock run`. A usage error names what is wrong in
// one line; --help returns flag.ErrHelp.
func ParseRun(args []string, program, version string) (Config, error) {
	fs := flag.NewFlagSet("tokenclock run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var clients, expect, profiles multiFlag
	fs.Var(&clients, "client", "")
	fs.Var(&expect, "expect-failures", "")
	fs.Var(&profiles, "profile", "")
	reportDir := fs.String("report-dir", DefaultReportDir, "")
	focus := fs.String("focus", "", "")
	strict := fs.Bool("strict", false, "")
	d := conformance.DefaultLimits()
	deadline := fs.Duration("deadline", d.Deadline, "")
	quiet := fs.Duration("quiet-period", d.QuietPeriod, "")
	fs.Var(durationAlias{quiet}, "quiet", "") // deprecated alias of --quiet-period, kept for one release
	holdBound := fs.Duration("hold-bound", d.HoldBound, "")
	settle := fs.Duration("settle-window", d.SettleWindow, "")
	hello := fs.Duration("hello-timeout", cut.DefaultHelloTimeout, "")
	parallel := fs.Int("parallel", conformance.DefaultParallel(), "")
	shard := fs.String("shard", "", "")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q (flags only; quote a --client command)", fs.Arg(0))
	}
	cfg := Config{ReportDir: *reportDir, Program: program, clientArgs: map[string]string{}}
	if cfg.ReportDir == "" {
		return cfg, errors.New("--report-dir is empty")
	}
	for _, v := range []*time.Duration{deadline, quiet, holdBound, settle, hello} {
		if *v <= 0 {
			return cfg, errors.New("--deadline, --quiet-period, --hold-bound, --settle-window and --hello-timeout must be positive")
		}
	}
	if *parallel < 1 || *parallel > maxParallel {
		return cfg, fmt.Errorf("--parallel must be from 1 to %d, not %d", maxParallel, *parallel)
	}
	selected, err := scenarios.Catalog().Select(*focus)
	if err != nil {
		return cfg, err
	}
	if len(selected) == 0 {
		return cfg, fmt.Errorf("--focus %q selects no scenario", *focus)
	}
	cfg.Options = conformance.Options{Catalog: selected, Focus: *focus, Strict: *strict, Version: version,
		Limits:       conformance.Limits{Deadline: *deadline, QuietPeriod: *quiet, HoldBound: *holdBound, SettleWindow: *settle},
		HelloTimeout: *hello, Parallel: *parallel}
	if *shard != "" {
		s, err := conformance.ParseShard(*shard)
		if err != nil {
			return cfg, err
		}
		cfg.Options.Shard = &s
	}
	if err := cfg.addClients(clients, expect); err != nil {
		return cfg, err
	}
	if err := cfg.setProfiles(profiles); err != nil {
		return cfg, err
	}
	cfg.Options.Rerun = cfg.rerun
	return cfg, nil
}

// setProfiles reads the --profile values: PROFILE sets every client's, NAME=PROFILE
// one client's (a later value wins).
func (cfg *Config) setProfiles(values []string) error {
	for _, v := range values {
		name, profile, named := strings.Cut(v, "=")
		if !named {
			name, profile = "", v
		}
		p, err := fakeserver.ParseProfile(profile)
		if err != nil || profile == "" {
			if err == nil {
				err = errors.New("empty profile")
			}
			return fmt.Errorf("--profile %q: %w", clip(v, 80), err)
		}
		found := false
		for i := range cfg.Options.Clients {
			if !named || cfg.Options.Clients[i].Name == name {
				cfg.Options.Clients[i].Profile, found = p, true
			}
		}
		if !found {
			return fmt.Errorf("--profile %q: no client is named %q", clip(v, 80), name)
		}
	}
	return nil
}

// addClients reads the --client and --expect-failures values.
func (cfg *Config) addClients(clients, expect []string) error {
	if len(clients) == 0 {
		clients = []string{cut.BuiltInReference}
	}
	index := map[string]int{}
	for i, arg := range clients {
		name, command, err := cut.ParseClientFlag(arg)
		if err != nil {
			return err
		}
		if strings.HasPrefix(command, "go:") {
			// A built-in's name is checked now: a typo is a usage error, not a client
			// that crashes on every scenario.
			if _, err := cut.NewBuiltIn(command); err != nil {
				return fmt.Errorf("--client %s: %w", clip(arg, 80), err)
			}
		}
		if name == "" {
			name = fmt.Sprintf("client-%d", i+1)
			if cut.IsBuiltIn(command) {
				name = strings.ReplaceAll(strings.TrimPrefix(command, "go:"), ":", "-")
			}
			if adapter, ok := strings.CutPrefix(command, browser.Prefix); ok {
				name = "browser-" + browser.AdapterName(adapter)
			}
		}
		if _, dup := index[name]; dup {
			return fmt.Errorf("--client: two clients are named %q; name them NAME=COMMAND", name)
		}
		index[name] = len(cfg.Options.Clients)
		cfg.clientArgs[name] = arg
		cfg.Options.Clients = append(cfg.Options.Clients, conformance.ClientSpec{Name: name, Command: command})
	}
	for _, e := range expect {
		name, file, ok := strings.Cut(e, "=")
		i, known := index[name]
		if !ok || !known || file == "" {
			names := make([]string, 0, len(index))
			for _, c := range cfg.Options.Clients {
				names = append(names, c.Name)
			}
			return fmt.Errorf("--expect-failures %q: want NAME=FILE with NAME one of the clients: %s",
				clip(e, 80), strings.Join(names, ", "))
		}
		list, err := conformance.ReadExpectedFailures(file, scenarios.Catalog())
		if err != nil {
			return fmt.Errorf("client %s: %w", name, err)
		}
		cfg.Options.Clients[i].Expected, cfg.Options.Clients[i].ExpectedFailuresFile = list, file
	}
	return nil
}

// durationAlias is a second name for a duration flag.
type durationAlias struct{ d *time.Duration }

func (a durationAlias) String() string {
	if a.d == nil {
		return ""
	}
	return a.d.String()
}

func (a durationAlias) Set(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return err
	}
	*a.d = d
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
