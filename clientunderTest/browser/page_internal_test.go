package browser

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/fakeserver"
)

var _ = Describe("The page browser mode serves", func() {
	var p *page
	BeforeEach(func() {
		var err error
		p, err = newPage(filepath.Join("..", "node", "adapters", "axios-seed.mjs"))
		Expect(err).NotTo(HaveOccurred())
	})
	getFrom := func(host, method, path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest(method, "http://"+host+fakeserver.PagePrefix+path, nil))
		return rec
	}
	get := func(method, path string) *httptest.ResponseRecorder { return getFrom("127.0.0.1:4321", method, path) }

	It("finds the adapter's package root (the nearest node_modules) and names the adapter under it", func() {
		abs, _ := filepath.Abs(filepath.Join("..", "node"))
		Expect(p.root).To(Equal(abs))
		Expect(p.adapterURL).To(Equal(fakeserver.PagePrefix + "pkg/adapters/axios-seed.mjs"))
	})

	It("maps bare imports to the dependency's browser entry, and swaps its Node-only files", func() {
		m, err := importMap(p.root, "/x/")
		Expect(err).NotTo(HaveOccurred())
		Expect(m).To(HaveKeyWithValue("axios", "/x/node_modules/axios/dist/esm/axios.js"), "package.json's tokenclock.browserImports wins")
		Expect(m).To(HaveKeyWithValue("axios/", "/x/node_modules/axios/"))
		Expect(m).To(HaveKeyWithValue("/x/node_modules/axios/lib/adapters/http.js", "/x/node_modules/axios/lib/helpers/null.js"))
		Expect(m).To(HaveKeyWithValue("/x/node_modules/axios/lib/platform/node/index.js", "/x/node_modules/axios/lib/platform/browser/index.js"))
	})

	It("serves the page with its import map, the runner, and scripts of the package", func() {
		rec := get("GET", "")
		Expect(rec.Code).To(Equal(http.StatusOK))
		Expect(rec.Body.String()).To(ContainSubstring(`<script type="importmap">{"imports":{`))
		Expect(rec.Body.String()).To(ContainSubstring(`<script type="module" src="kit/browser/runner.mjs">`))
		Expect(get("GET", "kit/browser/runner.mjs").Header().Get("Content-Type")).To(HavePrefix("text/javascript"))
		Expect(get("GET", "kit/lib/clock.mjs").Code).To(Equal(http.StatusOK), "the runner imports ../lib/clock.mjs")
		Expect(get("GET", "kit/kit.go").Code).To(Equal(http.StatusNotFound), "only the embedded page files")
		Expect(get("GET", "pkg/adapters/axios-seed.mjs").Code).To(Equal(http.StatusOK))
		Expect(get("GET", "pkg/node_modules/axios/index.js").Code).To(Equal(http.StatusOK))
	})

	DescribeTable("refuses what a page has no business loading",
		func(method, path string, status int) {
			Expect(get(method, path).Code).To(Equal(status))
		},
		Entry("a write", "POST", "", http.StatusMethodNotAllowed),
		Entry("a path out of the package", "GET", "pkg/../../../../etc/passwd", http.StatusNotFound),
		Entry("an escaped path out of the package", "GET", "pkg/%2e%2e/%2e%2e/go.mod", http.StatusNotFound),
		Entry("a file that is no script", "GET", "pkg/package-lock.txt", http.StatusNotFound),
		Entry("a dot directory", "GET", "pkg/node_modules/.bin/x.js", http.StatusNotFound),
		Entry("a missing file", "GET", "pkg/adapters/nope.mjs", http.StatusNotFound),
		Entry("an unknown page file", "GET", "secrets.json", http.StatusNotFound),
	)

	It("answers only loopback host names (no DNS rebinding), and follows no link out of the package", func() {
		Expect(getFrom("localhost:4321", "GET", "kit/browser/runner.mjs").Code).To(Equal(http.StatusOK))
		Expect(getFrom("evil.example:4321", "GET", "kit/browser/runner.mjs").Code).To(Equal(http.StatusForbidden))

		dir := GinkgoT().TempDir()
		Expect(os.MkdirAll(filepath.Join(dir, "node_modules"), 0o755)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, "a.mjs"), []byte("export default () => ({})\n"), 0o644)).To(Succeed())
		outside := filepath.Join(GinkgoT().TempDir(), "secret.json")
		Expect(os.WriteFile(outside, []byte(`{"secret":1}`), 0o644)).To(Succeed())
		Expect(os.Symlink(outside, filepath.Join(dir, "link.json"))).To(Succeed())
		lp, err := newPage(filepath.Join(dir, "a.mjs"))
		Expect(err).NotTo(HaveOccurred())
		rec := httptest.NewRecorder()
		lp.ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1:1"+fakeserver.PagePrefix+"pkg/link.json", nil))
		Expect(rec.Code).To(Equal(http.StatusNotFound))
		rec = httptest.NewRecorder()
		lp.ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1:1"+fakeserver.PagePrefix+"pkg/a.mjs", nil))
		Expect(rec.Code).To(Equal(http.StatusOK))
	})
})
