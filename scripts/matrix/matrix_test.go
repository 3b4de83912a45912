package main

import (
	"context"
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
	listed := reports.ParseCompatibilityFailures(page)
	catalog := scenarios.Catalog()
	for _, c := range manifest {
		rows, ok := listed[c.Client]
		if !ok {
			t.Errorf("%s has no failure list for %s: run make matrix", compatibilityDoc, c.Client)
			continue
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
		if got, exp := slices.Sorted(maps.Keys(rows)), slices.Sorted(maps.Keys(want)); !slices.Equal(got, exp) {
			t.Errorf("%s lists for %s the rows %v, but %s lists %v: run make matrix", compatibilityDoc, c.Client, got, orNone(c.expected), exp)
			continue
		}
		for id, reason := range want {
			if rows[id] != reports.CompatibilityReason(reason) {
				t.Errorf("%s: %s %s says %q, but %s says %q: run make matrix", compatibilityDoc, c.Client, id, rows[id], c.expected, reason)
			}
		}
	}
	if len(listed) != len(manifest) {
		t.Errorf("%s has %d client sections, the manifest %d clients: run make matrix", compatibilityDoc, len(listed), len(manifest))
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
