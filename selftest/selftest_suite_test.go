package selftest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSelftest(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "tokenclock, installed and run from the outside")
}

// binary is tokenclock as a user has it after `go install`, built once for every
// spec; serialDriver is the deliberately serial test driver.
var binary, serialDriver string

var _ = SynchronizedBeforeSuite(func() []byte {
	dir, err := os.MkdirTemp("", "tokenclock-selftest-")
	Expect(err).NotTo(HaveOccurred())
	install := exec.Command("go", "install", "./cmd/tokenclock")
	install.Dir = ".."
	install.Env = append(os.Environ(), "GOBIN="+dir)
	out, err := install.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "serialdriver"), "./scenarios/testdata/serialdriver")
	build.Dir = ".."
	out, err = build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
	return []byte(dir)
}, func(dir []byte) {
	binary = filepath.Join(string(dir), "tokenclock")
	serialDriver = filepath.Join(string(dir), "serialdriver")
})

var _ = SynchronizedAfterSuite(func() {}, func() {
	_ = os.RemoveAll(filepath.Dir(binary))
})
