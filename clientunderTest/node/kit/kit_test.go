package jskit_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// importRE finds the module specifiers of static imports and re-exports
// (`import x from 'm'`, `export { y } from "m"`), side-effect imports (`import 'm'`)
// and dynamic imports of a literal (`import('m')`).
var importRE = regexp.MustCompile(`(?m)(?:^\s*(?:import|export)\s[^'"]*?from\s+|^\s*import\s+|\bimport\(\s*)['"]([^'"]+)['"]`)

// TestPackIsSelfContained packs the kit as npm would publish it and checks that the
// tarball holds the runners and that every import of every packed module resolves
// inside the tarball, to a declared dependency, or to a Node built-in: the kit must
// work on its own, away from this repository.
func TestPackIsSelfContained(t *testing.T) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("npm is not on PATH: install Node.js 20+ with npm (make node-deps needs it too)")
	}
	out, err := exec.Command(npm, "pack", "--dry-run", "--json", "--ignore-scripts").Output()
	if err != nil {
		t.Fatalf("npm pack --dry-run: %v", err)
	}
	var packs []struct {
		Name  string `json:"name"`
		Files []struct {
			Path string `json:"path"`
		} `json:"files"`
	}
	if err := json.Unmarshal(out, &packs); err != nil || len(packs) != 1 {
		t.Fatalf("npm pack --json: %v (%d packages) in %s", err, len(packs), out)
	}
	var files []string
	for _, f := range packs[0].Files {
		files = append(files, f.Path)
	}
	for _, want := range []string{"run.mjs", "browser/runner.mjs", "lib/clock.mjs", "lib/web.mjs", "lib/driver-loop.mjs", "package.json", "README.md"} {
		if !slices.Contains(files, want) {
			t.Errorf("the package lacks %s: %v", want, files)
		}
	}
	for _, f := range files {
		if strings.HasSuffix(f, ".go") {
			t.Errorf("the package carries Go source %s", f)
		}
	}

	var manifest struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	b, err := os.ReadFile("package.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !strings.HasSuffix(f, ".mjs") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range importRE.FindAllStringSubmatch(string(src), -1) {
			spec := m[1]
			switch {
			case strings.HasPrefix(spec, "node:"):
			case strings.HasPrefix(spec, "."):
				if target := path.Join(path.Dir(f), spec); !slices.Contains(files, target) {
					t.Errorf("%s imports %s, which resolves to %s outside the package", f, spec, target)
				}
			default:
				if _, ok := manifest.Dependencies[spec]; !ok {
					t.Errorf("%s imports %q, which package.json does not depend on", f, spec)
				}
			}
		}
	}
}
