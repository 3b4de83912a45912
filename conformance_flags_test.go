package tokenclock_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
	"github.com/tokenclock/tokenclock/scenarios"
)

// clientSpec is one --client value: a matrix column.
type clientSpec struct {
	Name    string
	Command string
	// Arg is the --client value as given, for rerun command lines.
	Arg string
}

// runOptions is every setting of a conformance run: flags enter here once and are
// passed down; nothing below reads flags or the environment.
type runOptions struct {
	Clients   []clientSpec
	Expect    map[string]string // client name → expected-failures file
	ReportDir string
	Strict    bool
	Focus     string
	List      bool
	Limits    scenarios.Options
	// Binary is the conformance binary to name in rerun lines; "" means make.
	Binary string
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

var (
	flagClients   multiFlag
	flagExpect    multiFlag
	flagReportDir = flag.String("report-dir", "reports/out", "where results.json, junit.xml, report.html and summary.md go")
	flagStrict    = flag.Bool("strict", false, "count warned (SHOULD) scenarios as failures")
	flagFocus     = flag.String("focus", "", "regular expression of scenario IDs to run")
	flagDeadline  = flag.Duration("deadline", 10*time.Second, "real-time deadline of one scenario")
	flagQuiet     = flag.Duration("quiet", 100*time.Millisecond, "quiet period that catches loops after the last reply")
	flagHoldBound = flag.Duration("hold-bound", 2*time.Second, "real time after which a held request releases itself")
	flagList      = flag.Bool("list", false, "print the catalog and the built-in clients, run nothing")
)

func init() {
	flag.Var(&flagClients, "client", "[NAME=]COMMAND of a client under test (repeatable); built-in: go:reference, go:mutant:NAME")
	flag.Var(&flagExpect, "expect-failures", "NAME=FILE expected-failures file for client NAME (repeatable)")
}

// optionsFromFlags turns parsed flags into runOptions, or the reason they are unusable.
func optionsFromFlags() (runOptions, error) {
	o := runOptions{
		Expect: map[string]string{}, ReportDir: *flagReportDir, Strict: *flagStrict, Focus: *flagFocus, List: *flagList,
		Limits: scenarios.Options{Deadline: *flagDeadline, Quiet: *flagQuiet, HoldBound: *flagHoldBound, Strict: *flagStrict},
		Binary: rerunBinary(os.Args[0]),
	}
	args := []string(flagClients)
	if len(args) == 0 {
		args = []string{"go:reference"}
	}
	seen := map[string]bool{}
	for i, arg := range args {
		c, err := parseClient(arg, i+1)
		if err != nil {
			return o, err
		}
		if seen[c.Name] {
			return o, fmt.Errorf("--client: two clients are named %q; name them NAME=COMMAND", c.Name)
		}
		seen[c.Name] = true
		o.Clients = append(o.Clients, c)
	}
	for _, e := range flagExpect {
		name, file, ok := strings.Cut(e, "=")
		if !ok || !seen[name] {
			return o, fmt.Errorf("--expect-failures %q: want NAME=FILE with NAME one of the --client names", e)
		}
		o.Expect[name] = file
	}
	if o.Limits.Deadline <= 0 || o.Limits.Quiet <= 0 || o.Limits.HoldBound <= 0 {
		return o, fmt.Errorf("--deadline, --quiet and --hold-bound must be positive")
	}
	if _, err := regexp.Compile(o.Focus); err != nil {
		return o, fmt.Errorf("--focus: %w", err)
	}
	return o, nil
}

// parseClient reads one --client value (cut.ParseClientFlag) and names an unnamed
// one: client-N, or a built-in after itself (go:mutant:x → mutant-x).
func parseClient(arg string, n int) (clientSpec, error) {
	name, command, err := cut.ParseClientFlag(arg)
	if err != nil {
		return clientSpec{}, err
	}
	c := clientSpec{Arg: arg, Name: name, Command: command}
	if c.Name == "" {
		c.Name = fmt.Sprintf("client-%d", n)
		if strings.HasPrefix(c.Command, "go:") {
			c.Name = strings.ReplaceAll(strings.TrimPrefix(c.Command, "go:"), ":", "-")
		}
	}
	return c, nil
}

// selectScenarios applies --focus to the catalog.
func selectScenarios(focus string) []scenarios.Scenario {
	re := regexp.MustCompile(focus)
	var out []scenarios.Scenario
	for _, sc := range scenarios.Catalog() {
		if re.MatchString(sc.ID) {
			out = append(out, sc)
		}
	}
	return out
}

// rerunCommand is the exact command line that reruns one scenario for one client:
// the make form inside the source tree, the binary itself when it runs elsewhere
// (bin/tokenclock-conformance copied to a CI job has no Makefile beside it).
func rerunCommand(o runOptions, c clientSpec, id string) string {
	var limits []string
	defaults := scenarios.Options{}.WithDefaults()
	for _, l := range []struct {
		flag      string
		got, want time.Duration
	}{{"--deadline", o.Limits.Deadline, defaults.Deadline}, {"--quiet", o.Limits.Quiet, defaults.Quiet},
		{"--hold-bound", o.Limits.HoldBound, defaults.HoldBound}} {
		if l.got != l.want {
			limits = append(limits, l.flag+" "+l.got.String())
		}
	}
	client := shellQuote(c.Name + "=" + c.Command)
	focus := shellQuote("^" + id + "$")
	expect, hasExpect := o.Expect[c.Name]
	if o.Binary != "" {
		cmd := shellQuote(o.Binary) + " --client " + client + " --focus " + focus
		if o.Strict {
			cmd += " --strict"
		}
		if hasExpect {
			cmd += " --expect-failures " + shellQuote(c.Name+"="+expect)
		}
		for _, l := range limits {
			cmd += " " + l
		}
		return cmd
	}
	cmd := "make conformance CLIENT=" + client + " FOCUS=" + focus
	if o.Strict {
		cmd += " STRICT=1"
	}
	if hasExpect {
		cmd += " EXPECT=" + shellQuote(c.Name+"="+expect)
	}
	if len(limits) > 0 {
		cmd += " ARGS=" + shellQuote(strings.Join(limits, " "))
	}
	return cmd
}

// rerunBinary is the path to name in rerun lines when this is the compiled
// conformance binary running outside the source tree ("" otherwise: use make).
func rerunBinary(arg0 string) string {
	if filepath.Base(arg0) != "tokenclock-conformance" {
		return "" // go test / ginkgo build a temporary binary: only make reruns it
	}
	if _, err := os.Stat("Makefile"); err == nil {
		return ""
	}
	return arg0
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// printList prints the catalog and the built-in clients (--list).
func printList() {
	fmt.Fprintln(os.Stdout, "Scenarios:")
	for _, sc := range scenarios.Catalog() {
		fmt.Fprintf(os.Stdout, "  %-15s %-6s %-12s %s\n", sc.ID, sc.Level, strings.Join(sc.Requirements, " "), sc.Title)
	}
	fmt.Fprintln(os.Stdout, "Built-in clients:")
	for _, b := range builtInNames() {
		fmt.Fprintln(os.Stdout, "  "+b)
	}
}

// reportDirIn finds --report-dir in args without the flag package, for the one
// case where parsing failed: results.json still goes where the user asked.
func reportDirIn(args []string) string {
	dir := "reports/out"
	for i, a := range args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name != "report-dir" || !strings.HasPrefix(a, "-") {
			continue
		}
		if hasValue {
			dir = value
		} else if i+1 < len(args) {
			dir = args[i+1]
		}
	}
	return dir
}
