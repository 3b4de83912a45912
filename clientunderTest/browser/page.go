package browser

import (
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	jskit "github.com/tokenclock/tokenclock/clientunderTest/node/kit"
	"github.com/tokenclock/tokenclock/fakeserver"
)

// kitPrefix is where the page's own scripts (the JS kit's browser runner and the
// controllable clock, jskit.Page) are served under fakeserver.PagePrefix.
const kitPrefix = "kit/"

// pkgPrefix is where the adapter's package (its directory tree up to the nearest
// node_modules) is served under fakeserver.PagePrefix.
const pkgPrefix = "pkg/"

// page serves the app page, the runner and the adapter's package to the browser:
// the same files under fakeserver.PagePrefix whatever origin serves them.
type page struct {
	root       string // the adapter's package root: the directory holding node_modules
	realRoot   string // root with its symbolic links resolved: nothing outside it is served
	adapterURL string // the adapter module's URL path
	index      []byte // the page, with its import map
}

// newPage finds the adapter's package root and builds the page's import map from it.
func newPage(adapter string) (*page, error) {
	abs, err := filepath.Abs(adapter)
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(abs); err != nil || st.IsDir() {
		return nil, fmt.Errorf("adapter module %s: not a file", adapter)
	}
	root := packageRoot(filepath.Dir(abs))
	rel, err := filepath.Rel(root, abs)
	if err != nil {
		return nil, err
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, err
	}
	p := &page{root: root, realRoot: realRoot, adapterURL: fakeserver.PagePrefix + pkgPrefix + filepath.ToSlash(rel)}
	imports, err := importMap(root, fakeserver.PagePrefix+pkgPrefix)
	if err != nil {
		return nil, err
	}
	// json.Marshal escapes <, > and & inside strings, so no path can end the script element.
	m, err := json.Marshal(map[string]any{"imports": imports})
	if err != nil {
		return nil, err
	}
	var preloads strings.Builder
	for _, u := range p.moduleGraph(imports) {
		fmt.Fprintf(&preloads, "<link rel=\"modulepreload\" href=\"%s\">\n", html.EscapeString(u))
	}
	p.index = []byte(fmt.Sprintf(indexPage, m, preloads.String(), html.EscapeString(kitPrefix+jskit.PageRunner)))
	return p, nil
}

// packageRoot is the nearest directory from dir upwards that has a node_modules
// directory; dir itself when there is none (an adapter without dependencies).
func packageRoot(dir string) string {
	for d := dir; ; {
		if st, err := os.Stat(filepath.Join(d, "node_modules")); err == nil && st.IsDir() {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return dir
		}
		d = up
	}
}

// indexPage is the app page: the import map (%s), the adapter's static module graph
// preloaded (%s), then the runner (%s).
const indexPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tokenclock browser mode</title>
<script type="importmap">%s</script>
%s
<script type="module" src="%s"></script>
</head><body><p>tokenclock runs a client here.</p></body></html>
`

func (p *page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !loopbackHost(r.Host) {
		// Only the browser mode's own page asks, by a loopback name: a page of another
		// site reaching this port through a name it controls (DNS rebinding) gets nothing.
		http.Error(w, "forbidden: not a loopback host", http.StatusForbidden)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, fakeserver.PagePrefix)
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case rest == "" || rest == "index.html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(p.index)
	case strings.HasPrefix(rest, kitPrefix):
		b, err := jskit.Page.ReadFile(strings.TrimPrefix(rest, kitPrefix))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = w.Write(b)
	case strings.HasPrefix(rest, pkgPrefix):
		p.servePackageFile(w, r, strings.TrimPrefix(rest, pkgPrefix))
	default:
		http.NotFound(w, r)
	}
}

// loopbackHost reports whether a Host header names this machine by a loopback name.
func loopbackHost(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	return host == "127.0.0.1" || host == "localhost" || host == "::1"
}

// servePackageFile serves one script of the adapter's package: nothing outside the
// package root, and only what a page imports (scripts, JSON, source maps).
func (p *page) servePackageFile(w http.ResponseWriter, r *http.Request, rel string) {
	clean := path.Clean("/" + rel)
	types := map[string]string{".mjs": "text/javascript", ".js": "text/javascript", ".cjs": "text/javascript",
		".json": "application/json", ".map": "application/json"}
	ctype, ok := types[path.Ext(clean)]
	if !ok || strings.Contains(clean, "/.") {
		http.NotFound(w, r)
		return
	}
	// A symbolic link may point anywhere: serve only what resolves inside the root
	// (pnpm's links into node_modules/.pnpm do).
	real, err := filepath.EvalSymlinks(filepath.Join(p.root, filepath.FromSlash(clean)))
	if err != nil || !strings.HasPrefix(real, p.realRoot+string(filepath.Separator)) {
		http.NotFound(w, r)
		return
	}
	b, err := os.ReadFile(real)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", ctype+"; charset=utf-8")
	_, _ = w.Write(b)
}

// staticImport finds the specifiers of a module's static imports and re-exports
// (import … from 'x', import 'x', export … from 'x'). A regular expression, not a
// parser: a miss only costs a preload, never correctness.
var staticImport = regexp.MustCompile(`(?m)(?:^|[;}\s])(?:import|export)\s*(?:[\w*{}\s,$]*?\sfrom\s*)?['"]([^'"\n]+)['"]`)

// moduleGraph lists the URLs of the modules the adapter imports statically,
// transitively, resolved as the page will resolve them (relative paths, the import
// map's bare imports and swaps). The page preloads them all at once: loaded one
// import level after another over loopback, a library of fifty modules (axios) costs
// a scenario's start a waterfall of round trips.
func (p *page) moduleGraph(imports map[string]string) []string {
	resolve := func(spec, from string) string {
		switch {
		case strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") || strings.HasPrefix(spec, "/"):
			if !strings.HasPrefix(spec, "/") {
				spec = path.Join(path.Dir(from), spec)
			}
		default:
			target, ok := imports[spec]
			if !ok {
				for prefix, dir := range imports {
					if strings.HasSuffix(prefix, "/") && strings.HasPrefix(spec, prefix) {
						target, ok = dir+strings.TrimPrefix(spec, prefix), true
						break
					}
				}
			}
			if !ok {
				return ""
			}
			spec = target
		}
		if swapped, ok := imports[spec]; ok {
			spec = swapped
		}
		return spec
	}
	seen := map[string]bool{p.adapterURL: true}
	queue := []string{p.adapterURL}
	var out []string
	for len(queue) > 0 && len(out) < maxPreloads {
		u := queue[0]
		queue = queue[1:]
		out = append(out, u)
		rel, ok := strings.CutPrefix(u, fakeserver.PagePrefix+pkgPrefix)
		if !ok {
			continue
		}
		src, err := os.ReadFile(filepath.Join(p.root, filepath.FromSlash(path.Clean("/"+rel))))
		if err != nil {
			continue
		}
		for _, m := range staticImport.FindAllSubmatch(src, -1) {
			if next := resolve(string(m[1]), u); next != "" && !seen[next] {
				seen[next] = true
				queue = append(queue, next)
			}
		}
	}
	return out
}

// maxPreloads bounds the preloaded modules: a page that imports more loads the rest
// as usual.
const maxPreloads = 500

// importMap maps the bare imports of the package's dependencies to files under
// urlPrefix, so `import axios from 'axios'` resolves in the page with no bundler and
// no network: each dependency's entry (package.json exports, browser conditions
// first, then module, browser and main), and each file its "browser" field swaps
// for a browser one (axios replaces its Node http adapter so).
func importMap(root, urlPrefix string) (map[string]string, error) {
	out := map[string]string{}
	deps, err := dependencies(root)
	if err != nil {
		return nil, err
	}
	for _, dep := range deps.names {
		dir := filepath.Join(root, "node_modules", filepath.FromSlash(dep))
		pj, err := readPackageJSON(dir)
		if err != nil {
			continue // an optional or missing dependency: its import fails in the page, with the browser's message
		}
		base := urlPrefix + "node_modules/" + dep + "/"
		if entry := pj.entry(); entry != "" {
			out[dep] = base + strings.TrimPrefix(entry, "./")
		}
		out[dep+"/"] = base
		for from, to := range pj.browserSwaps() {
			out[base+strings.TrimPrefix(from, "./")] = base + strings.TrimPrefix(to, "./")
		}
	}
	// The package's own choices win: "tokenclock": {"browserImports": {"axios":
	// "./node_modules/axios/dist/esm/axios.js"}} loads a library's one-file browser
	// build instead of its source tree (one request instead of dozens, each scenario).
	for spec, file := range deps.overrides {
		clean := path.Clean("/" + filepath.ToSlash(file))
		out[spec] = urlPrefix + strings.TrimPrefix(clean, "/")
	}
	return out, nil
}

// packageDeps are the packages a page may import bare, and the package's own
// import choices (package.json "tokenclock"."browserImports").
type packageDeps struct {
	names     []string
	overrides map[string]string
}

// dependencies are the packages the root's package.json depends on, or, without
// one, every package in its node_modules.
func dependencies(root string) (packageDeps, error) {
	var deps packageDeps
	var names []string
	pj, err := readPackageJSON(root)
	if err == nil {
		deps.overrides = pj.Tokenclock.BrowserImports
	} else if !os.IsNotExist(err) {
		return deps, err
	}
	if pj != nil && len(pj.Dependencies) > 0 {
		for n := range pj.Dependencies {
			names = append(names, n)
		}
	} else {
		entries, _ := os.ReadDir(filepath.Join(root, "node_modules"))
		for _, e := range entries {
			if e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !strings.HasPrefix(e.Name(), "@") {
				names = append(names, e.Name())
			}
		}
	}
	sort.Strings(names)
	deps.names = names
	return deps, nil
}

// packageJSON is what the import map reads of a package.json.
type packageJSON struct {
	Dependencies map[string]string `json:"dependencies"`
	Exports      json.RawMessage   `json:"exports"`
	Module       string            `json:"module"`
	Browser      json.RawMessage   `json:"browser"`
	Main         string            `json:"main"`
	Tokenclock   struct {
		BrowserImports map[string]string `json:"browserImports"`
	} `json:"tokenclock"`
}

func readPackageJSON(dir string) (*packageJSON, error) {
	b, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		return nil, err
	}
	var pj packageJSON
	if err := json.Unmarshal(b, &pj); err != nil {
		return nil, fmt.Errorf("%s/package.json: %w", dir, err)
	}
	return &pj, nil
}

// browserConditions are the export conditions a page honours, in order; "require"
// is never one (a page cannot load CommonJS).
var browserConditions = []string{"browser", "import", "module", "default"}

// entry is the package's main module for a page.
func (pj *packageJSON) entry() string {
	if len(pj.Exports) > 0 {
		var exports any
		if json.Unmarshal(pj.Exports, &exports) == nil {
			if m, ok := exports.(map[string]any); ok {
				if dot, ok := m["."]; ok {
					exports = dot
				}
			}
			if e := resolveCondition(exports); e != "" {
				return e
			}
		}
	}
	var browser string
	if json.Unmarshal(pj.Browser, &browser) == nil && browser != "" {
		return browser
	}
	if pj.Module != "" {
		return pj.Module
	}
	return pj.Main
}

// resolveCondition picks a target out of an exports value: a string as it is, an
// object by the first browser condition it has (recursively).
func resolveCondition(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		for _, c := range browserConditions {
			if sub, ok := x[c]; ok {
				if s := resolveCondition(sub); s != "" {
					return s
				}
			}
		}
	}
	return ""
}

// browserSwaps is the "browser" field's file map: Node-only files and their browser
// stand-ins.
func (pj *packageJSON) browserSwaps() map[string]string {
	var m map[string]any
	out := map[string]string{}
	if json.Unmarshal(pj.Browser, &m) != nil {
		return out
	}
	for from, to := range m {
		if s, ok := to.(string); ok && strings.HasPrefix(from, "./") {
			out[from] = s
		}
	}
	return out
}
