package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenclock/tokenclock/conformance"
	"github.com/tokenclock/tokenclock/reports"
	"github.com/tokenclock/tokenclock/scenarios"
)

// The manifest's paths are relative to the repository root, as `make matrix` runs.
func TestMain(m *testing.M) {
	if err := os.Chdir("../.."); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// TestCompatibilityPageMatchesExpectedFailures holds the committed page to the
// drivers' expected-failures files without running anything: every bundled client
// has its section, listing exactly the rows its file lists, with the file's reasons
// (a client without a file lists none); and the README's summary is the page's.
// After changing a driver or its file, `make matrix` rewrites both.
func TestCompatibilityPageMatchesExpectedFailures(t *testing.T) {
	b, err := os.ReadFile(compatibilityDoc)
	if err != nil {
		t.Fatalf("%v (make matrix writes it)", err)
	}
	page := string(b)
	lists := reports.ParseCompatibility(page)
	catalog := scenarios.Catalog()
	for _, c := range manifest {
		l, ok := lists[c.Client]
		if !ok {
			t.Errorf("%s has no failure list for %s: run make matrix", compatibilityDoc, c.Client)
			continue
		}
		if l.Rows != len(catalog) {
			t.Errorf("%s: %s ran %d rows, the catalog has %d (a partial run?): run make matrix", compatibilityDoc, c.Client, l.Rows, len(catalog))
		}
		want := conformance.ExpectedFailures{}
		if c.expected != "" {
			if want, err = conformance.ReadExpectedFailures(c.expected, catalog); err != nil {
				t.Fatal(err)
			}
		}
		for id, why := range c.Inconclusive {
			want[id] = why // pinned in the manifest: listed with its reason
		}
		if got, exp := slices.Sorted(maps.Keys(l.Listed)), slices.Sorted(maps.Keys(want)); !slices.Equal(got, exp) {
			t.Errorf("%s lists for %s the rows %v, but %s lists %v: run make matrix", compatibilityDoc, c.Client, got, orNone(c.expected), exp)
			continue
		}
		tally := map[string]int{}
		for id, row := range l.Listed {
			if row.Reason != reports.CompatibilityReason(want[id]) {
				t.Errorf("%s: %s %s says %q, but its list says %q: run make matrix", compatibilityDoc, c.Client, id, row.Reason, want[id])
			}
			_, pinned := c.Inconclusive[id]
			switch {
			case pinned && row.Outcome != string(conformance.Inconclusive):
				t.Errorf("%s: %s %s is pinned inconclusive but shown %s", compatibilityDoc, c.Client, id, row.Outcome)
			case !pinned && !slices.Contains([]string{"failed", "warned", "timeout", "crashed", "skipped"}, row.Outcome):
				t.Errorf("%s: %s %s is listed as %q, which no expected-failures file accepts", compatibilityDoc, c.Client, id, row.Outcome)
			}
			tally[row.Outcome]++
		}
		// The summary row's counts are the list's.
		wantCells := []string{fmt.Sprint(tally["failed"] + tally["timeout"] + tally["crashed"]), fmt.Sprint(tally["warned"]),
			fmt.Sprint(tally["inconclusive"]), fmt.Sprint(l.Skipped)}
		if cells := summaryCells(page, c.Client); !slices.Equal(cells, wantCells) {
			t.Errorf("%s: %s's summary counts (failed, warned, inconclusive, skipped) are %v, its list says %v: run make matrix",
				compatibilityDoc, c.Client, cells, wantCells)
		}
	}
	for _, c := range manifest {
		for id, reason := range c.Inconclusive {
			if acceptedFragment(id, reason) == "" {
				t.Errorf("the manifest pins %s %s inconclusive, but pinnedBecause has no message for %s", c.Client, id, id)
			}
		}
	}
	if len(lists) != len(manifest) {
		t.Errorf("%s has %d client sections, the manifest %d clients: run make matrix", compatibilityDoc, len(lists), len(manifest))
	}

	readmeText, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(readmeText), readmeBegin)
	end := strings.Index(string(readmeText), readmeEnd)
	if start < 0 || end < start {
		t.Fatalf("%s has no %q section", readme, readmeBegin)
	}
	summary := strings.TrimSpace(string(readmeText)[start+len(readmeBegin) : end])
	if summary != strings.TrimSpace(readmeSummary(page)) {
		t.Errorf("the README's summary is not %s's table: run make matrix", compatibilityDoc)
	}
}

// summaryCells are a client's count cells (failed, warned, inconclusive, skipped) in
// the page's summary table.
func summaryCells(page, client string) []string {
	for _, line := range strings.Split(page, "\n") {
		if strings.HasPrefix(line, "| ["+client+"](") {
			if cells := splitRow(line); len(cells) >= 9 {
				return cells[5:9]
			}
		}
	}
	return nil
}

func orNone(path string) string {
	if path == "" {
		return "its (absent) expected-failures file"
	}
	return path
}

// sample is the handful of rows TestBundledClientsPlayASample plays against every
// client: an expiry, a concurrent one, and a refused refresh.
const sample = "^(EXP-ACCESS-01|CONC-01|LOOP-01)$"

// TestBundledClientsPlayASample starts every bundled client from the project's own
// installs (npm ci, Debian's python3 packages, go build) and plays a few rows: each
// must end exactly as its expected-failures file says. The whole catalog per client is
// `make matrix`; this keeps a broken install or driver from waiting for it.
func TestBundledClientsPlayASample(t *testing.T) {
	if testing.Short() {
		t.Skip("plays real drivers")
	}
	catalog, err := scenarios.Catalog().Select(sample)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	clients, _, err := clientSpecs(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// A loaded CI machine under -race can take seconds to start a runtime.
	run := conformance.Run(ctx, conformance.Options{Catalog: catalog, Focus: sample, Clients: clients,
		HelloTimeout: 30 * time.Second})
	for _, line := range offManifest(run) {
		t.Error(line)
	}
	if len(run.Errors) > 0 {
		t.Errorf("the run: %v", run.Errors)
	}
}
