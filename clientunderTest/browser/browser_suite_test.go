package browser_test

import (
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/clientunderTest/browser"
)

// TestBrowser is the package's one Ginkgo entry point. Browser mode is tested in real
// Chromium: without one the suite fails (run `make chromium`), unless
// TOKENCLOCK_SKIP_BROWSER=1 says to skip it — and then it says so loudly.
func TestBrowser(t *testing.T) {
	RegisterFailHandler(Fail)
	if os.Getenv("TOKENCLOCK_SKIP_BROWSER") == "1" {
		t.Log("\n*** TOKENCLOCK_SKIP_BROWSER=1: browser mode is NOT tested (no Chromium run) ***\n")
		t.Skip("TOKENCLOCK_SKIP_BROWSER=1: browser mode not tested")
	}
	if _, err := browser.FindChromium(""); err != nil {
		t.Fatalf("browser mode's specs run in real Chromium: %v. (TOKENCLOCK_SKIP_BROWSER=1 skips them.)", err)
	}
	RunSpecs(t, "browser")
}
