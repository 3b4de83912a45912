package python_test

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

// python is Debian's interpreter: the library drivers need its python3-requests and
// python3-httpx packages, which another python3 on PATH may not see.
const python = "/usr/bin/python3"

// TestPythonKit runs the Python driver kit's own tests (test_*.py in this directory:
// the protocol's edge cases, the HTTP factories) and fails with their output.
func TestPythonKit(t *testing.T) {
	if _, err := os.Stat(python); err != nil {
		t.Skipf("%s not found: %v", python, err)
	}
	cmd := exec.Command(python, "-m", "unittest", "discover", "-s", ".", "-p", "test_*.py")
	cmd.Dir = "." // go test runs in the package directory
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	cmd.WaitDelay = 5 * time.Second // a hung test process cannot hold go test forever
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s -m unittest discover: %v\n%s", python, err, out)
	}
	t.Logf("%s", out)
}
