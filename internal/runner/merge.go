package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/reports"
	"github.com/tokenclock/tokenclock/scenarios"
)

// mergeUsage is `tokenclock merge --help`.
const mergeUsage = `Usage: tokenclock merge DIR... [--report-dir OUT] [--clients NAME,...]

Joins the report directories of several runs into one: the shards of a run
(tokenclock run --shard I/N), or runs of other clients, such as one client on
several runtimes (--client app@node20=…, --client app@node22=…). Writes
results.json, junit.xml, report.html and summary.md to OUT, with every verdict and
the exit code judged again as for one run that played everything.

Refuses, exit 2: results.json of another schema version, catalog or --focus, runs
that disagree on --strict, a (client, scenario) pair in two inputs, a client under
two profiles, a sharded run missing a shard, and a client of --clients in no input.

Flags:
  --report-dir OUT     where the merged reports go (default reports/out)
  --clients NAME,...   the clients the merge must hold: a runtime whose every job
                       failed before writing its reports is then an error, not a gap

Exit status: as tokenclock run's, for the merged run. Docs: docs/ci.md.
`

// maxResultsBytes and maxMergeBytes bound what merge reads, one results.json and all
// of them: the bundled 20-client matrix with every journal is 23 MB, and a decoded
// result takes several times its size in memory.
const (
	maxResultsBytes = 128 << 20
	maxMergeBytes   = 512 << 20
)

// Merge is `tokenclock merge ARGS`: it reads each directory's results.json, merges
// them (conformance.Merge), writes the reports and prints the matrix. A refusal is
// one line on stderr and exit 2, and writes nothing.
func Merge(args []string, stdout, stderr io.Writer) int {
	dirs, out, want, err := parseMerge(args)
	switch {
	case errors.Is(err, errHelp):
		fmt.Fprint(stdout, mergeUsage)
		return conformance.ExitOK
	case err != nil:
		fmt.Fprintf(stderr, "tokenclock merge: %s (see tokenclock merge --help)\n", err)
		return conformance.ExitHarnessError
	}
	var inputs []conformance.MergeInput
	var total int64
	for _, dir := range dirs {
		run, size, err := readResults(dir, maxMergeBytes-total)
		if err != nil {
			fmt.Fprintf(stderr, "tokenclock merge: %s\n", err)
			return conformance.ExitHarnessError
		}
		total += size
		inputs = append(inputs, conformance.MergeInput{Source: dir, Run: run})
	}
	merged, err := conformance.Merge(inputs, scenarios.Catalog())
	if err == nil {
		err = hasClients(merged, want)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tokenclock merge: %s\n", err)
		return conformance.ExitHarnessError
	}
	if err := checkWritable(out); err != nil {
		fmt.Fprintf(stderr, "tokenclock merge: --report-dir %s\n", err)
		return conformance.ExitHarnessError
	}
	if err := reports.WriteAll(out, merged); err != nil {
		fmt.Fprintln(stderr, "tokenclock merge: writing reports:", err)
		return conformance.ExitHarnessError
	}
	fmt.Fprintf(stdout, "merged %d report directories\n\n", len(dirs))
	_ = reports.WriteConsoleMatrix(stdout, merged)
	fmt.Fprintf(stdout, "reports: %s (exit code %d)\n", out, merged.ExitCode)
	return merged.ExitCode
}

var errHelp = errors.New("help")

// parseMerge reads DIR..., --report-dir and --clients in any order.
func parseMerge(args []string) (dirs []string, out string, clients []string, err error) {
	out = DefaultReportDir
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := cutFlag(a)
		switch {
		case a == "--":
			dirs = append(dirs, args[i+1:]...)
			i = len(args)
		case name == "h" || name == "help":
			return nil, "", nil, errHelp
		case name == "report-dir" || name == "clients":
			if !hasValue {
				if i+1 >= len(args) {
					return nil, "", nil, fmt.Errorf("--%s needs a value", name)
				}
				i++
				value = args[i]
			}
			if name == "report-dir" {
				out = value
			} else {
				clients = append(clients, strings.Split(value, ",")...)
			}
		case strings.HasPrefix(a, "-"):
			return nil, "", nil, fmt.Errorf("unknown flag %s", a)
		default:
			dirs = append(dirs, a)
		}
	}
	switch {
	case len(dirs) == 0:
		return nil, "", nil, errors.New("give the report directories to merge")
	case out == "":
		return nil, "", nil, errors.New("--report-dir is empty")
	}
	for _, d := range dirs {
		if samePath(d, out) {
			return nil, "", nil, fmt.Errorf("--report-dir %s is one of the inputs: write the merge elsewhere", out)
		}
	}
	return dirs, out, clients, nil
}

// samePath reports whether a and b name one directory (by name or, when both
// exist, as files: a symlink or another spelling of the same path).
func samePath(a, b string) bool {
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	if errA == nil && errB == nil && absA == absB {
		return true
	}
	ia, errA := os.Stat(a)
	ib, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(ia, ib)
}

// readResults reads dir/results.json, a regular file of at most min(budget,
// maxResultsBytes) bytes, and returns its size.
func readResults(dir string, budget int64) (conformance.RunResult, int64, error) {
	path := filepath.Join(dir, "results.json")
	info, err := os.Stat(path)
	switch {
	case err != nil:
		return conformance.RunResult{}, 0, fmt.Errorf("%s: no results.json: %w", dir, err)
	case !info.Mode().IsRegular():
		return conformance.RunResult{}, 0, fmt.Errorf("%s: results.json is not a regular file", dir)
	case info.Size() > min(budget, maxResultsBytes):
		return conformance.RunResult{}, 0, fmt.Errorf("%s: results.json is %d MB, more than merge reads (%d MB a file, %d MB in all)",
			dir, info.Size()>>20, maxResultsBytes>>20, maxMergeBytes>>20)
	}
	f, err := os.Open(path)
	if err != nil {
		return conformance.RunResult{}, 0, fmt.Errorf("%s: %w", dir, err)
	}
	defer f.Close()
	var run conformance.RunResult
	if err := json.NewDecoder(io.LimitReader(f, maxResultsBytes)).Decode(&run); err != nil {
		return conformance.RunResult{}, 0, fmt.Errorf("%s: results.json is not a tokenclock result: %v", dir, err)
	}
	if run.Tool != "tokenclock" {
		return conformance.RunResult{}, 0, fmt.Errorf("%s: results.json was not written by tokenclock", dir)
	}
	return run, info.Size(), nil
}

// hasClients refuses a merge that lacks one of the clients --clients names.
func hasClients(run conformance.RunResult, want []string) error {
	for _, name := range want {
		found := false
		for _, c := range run.Clients {
			found = found || c.Name == name
		}
		if !found {
			return fmt.Errorf("client %s (--clients) is in no input: did every job of its runtime fail before writing its reports?", name)
		}
	}
	return nil
}
