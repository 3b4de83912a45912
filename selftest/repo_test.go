package selftest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// trackedFiles are the files of the checkout, as a user's clone has them.
func trackedFiles() []string {
	GinkgoHelper()
	cmd := exec.Command("git", "ls-files")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		Skip("not a git checkout: " + err.Error())
	}
	return strings.Fields(string(out))
}

var _ = Describe("the repository is self-contained", func() {
	It("points nowhere outside itself: no file names the design briefs' folder", func() {
		outside := "../" + "shared" // spelled apart so this file does not match itself
		for _, f := range trackedFiles() {
			b, err := os.ReadFile(filepath.Join("..", f))
			if err != nil {
				continue // a file deleted in the working tree
			}
			Expect(string(b)).NotTo(ContainSubstring(outside), f)
		}
	})

	It("has no broken relative link in README.md or docs/", func() {
		link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)\s]*)?\)`)
		for _, f := range trackedFiles() {
			if !strings.HasSuffix(f, ".md") || !(f == "README.md" || strings.HasPrefix(f, "docs/")) {
				continue
			}
			b, err := os.ReadFile(filepath.Join("..", f))
			Expect(err).NotTo(HaveOccurred())
			for _, m := range link.FindAllStringSubmatch(string(b), -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				Expect(filepath.Join("..", filepath.Dir(f), target)).To(BeAnExistingFile(), "%s links to %s", f, target)
			}
		}
	})
})
