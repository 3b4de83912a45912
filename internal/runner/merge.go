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
const mergeUsage = `Usage: tokenclock merge DIR... [--report-dir OUT]

Joins the report directories of several runs into one: the shards of a run
(tokenclock run --shard I/N), or runs of other clients, such as one client on
several runtimes (--client app@node20=…, --client app@node22=…). Writes
results.json, junit.xml, report.html and summary.md to OUT, with every verdict and
the exit code judged again as for one run that played everything.

Refuses, exit 2: results.json of another schema version or catalog, runs that
disagree on --strict, a (client, scenario) pair in two inputs, a client under two
profiles, and a sharded run missing a shard.

Flags:
  --report-dir OUT   where the merged reports go (default reports/out)

Exit status: as tokenclock run's, for the merged run. Docs: docs/ci.md.
`

// maxResultsBytes bounds one results.json read by merge: a run of a 20-client
// matrix with full journals is a few tens of MB.
const maxResultsBytes = 512 << 20

// Merge is `tokenclock merge ARGS`: it reads each directory's results.json, merges
// them (conformance.Merge), writes the reports and prints the matrix. A refusal is
// one line on stderr and exit 2, and writes nothing.
func Merge(args []string, stdout, stderr io.Writer) int {
	dirs, out, err := parseMerge(args)
	switch {
	case errors.Is(err, errHelp):
		fmt.Fprint(stdout, mergeUsage)
		return conformance.ExitOK
	case err != nil:
		fmt.Fprintf(stderr, "tokenclock merge: %s (see tokenclock merge --help)\n", err)
		return conformance.ExitHarnessError
	}
	var inputs []conformance.MergeInput
	for _, dir := range dirs {
		run, err := readResults(dir)
		if err != nil {
			fmt.Fprintf(stderr, "tokenclock merge: %s\n", err)
			return conformance.ExitHarnessError
		}
		inputs = append(inputs, conformance.MergeInput{Source: dir, Run: run})
	}
	merged, err := conformance.Merge(inputs, scenarios.Catalog())
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

// parseMerge reads DIR... and --report-dir in any order.
func parseMerge(args []string) (dirs []string, out string, err error) {
	out = DefaultReportDir
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := cutFlag(a)
		switch {
		case a == "--":
			dirs = append(dirs, args[i+1:]...)
			i = len(args)
		case name == "h" || name == "help":
			return nil, "", errHelp
		case name == "report-dir":
			if !hasValue {
				if i+1 >= len(args) {
					return nil, "", errors.New("--report-dir needs a directory")
				}
				i++
				value = args[i]
			}
			out = value
		case strings.HasPrefix(a, "-"):
			return nil, "", fmt.Errorf("unknown flag %s", a)
		default:
			dirs = append(dirs, a)
		}
	}
	switch {
	case len(dirs) == 0:
		return nil, "", errors.New("give the report directories to merge")
	case out == "":
		return nil, "", errors.New("--report-dir is empty")
	}
	for _, d := range dirs {
		if filepath.Clean(d) == filepath.Clean(out) {
			return nil, "", fmt.Errorf("--report-dir %s is one of the inputs: write the merge elsewhere", out)
		}
	}
	return dirs, out, nil
}

// readResults reads dir/results.json.
func readResults(dir string) (conformance.RunResult, error) {
	path := filepath.Join(dir, "results.json")
	f, err := os.Open(path)
	if err != nil {
		return conformance.RunResult{}, fmt.Errorf("%s: no results.json: %w", dir, err)
	}
	defer f.Close()
	var run conformance.RunResult
	dec := json.NewDecoder(io.LimitReader(f, maxResultsBytes))
	if err := dec.Decode(&run); err != nil {
		return conformance.RunResult{}, fmt.Errorf("%s: results.json is not a tokenclock result: %v", dir, err)
	}
	if run.Tool != "tokenclock" {
		return conformance.RunResult{}, fmt.Errorf("%s: results.json was not written by tokenclock", dir)
	}
	return run, nil
}
