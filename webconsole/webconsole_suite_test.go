package webconsole_test

import (
	"flag"
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/clientunderTest/browser"
)

// updateScreenshots rewrites docs/img/console*.png from the specs' browser.
var updateScreenshots = flag.Bool("update-screenshots", false, "write docs/img/console.png and console-narrow.png")

// TestWebconsole is the package's one Ginkgo entry point. The console is a page, so
// its specs run in real Chromium: without one the suite fails (run `make
// chromium`), unless TOKENCLOCK_SKIP_BROWSER=1 says to skip the browser specs — and
// then it says so loudly. The Go-only specs run either way.
func TestWebconsole(t *testing.T) {
	RegisterFailHandler(Fail)
	if os.Getenv("TOKENCLOCK_SKIP_BROWSER") == "1" {
		t.Log("\n*** TOKENCLOCK_SKIP_BROWSER=1: the web console is NOT tested in a browser ***\n")
	} else if _, err := browser.FindChromium(""); err != nil {
		t.Fatalf("the web console's specs run in real Chromium: %v. (TOKENCLOCK_SKIP_BROWSER=1 skips them.)", err)
	}
	RunSpecs(t, "webconsole")
}

// needBrowser skips a spec when TOKENCLOCK_SKIP_BROWSER=1.
func needBrowser() {
	if os.Getenv("TOKENCLOCK_SKIP_BROWSER") == "1" {
		Skip("TOKENCLOCK_SKIP_BROWSER=1: the web console is not tested in a browser")
	}
}
