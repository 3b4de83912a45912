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
	RunSpecs(t, "Conformance binary, from the outside")
}

// binary is the compiled conformance suite, built once for every spec.
var binary string

var _ = SynchronizedBeforeSuite(func() []byte {
	dir, err := os.MkdirTemp("", "tokenclock-selftest-")
	Expect(err).NotTo(HaveOccurred())
	bin := filepath.Join(dir, "tokenclock-conformance")
	build := exec.Command("go", "test", "-c", "-o", bin, ".")
	build.Dir = ".."
	out, err := build.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), string(out))
	return []byte(bin)
}, func(bin []byte) {
	binary = string(bin)
})

var _ = SynchronizedAfterSuite(func() {}, func() {
	_ = os.RemoveAll(filepath.Dir(binary))
})
