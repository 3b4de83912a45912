package clientundertest_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// TestClientUnderTest is the package's one Ginkgo entry point; every spec file in
// clientundertest_test registers its specs with it.
func TestClientUnderTest(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "clientundertest")
}
