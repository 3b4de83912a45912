package reports_test

import (
	"flag"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// update rewrites the golden files: go test ./reports -update (or ginkgo ./reports -- -update).
var update = flag.Bool("update", false, "rewrite reports/testdata/*.golden from the current output")

func TestReports(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Reports Suite")
}
