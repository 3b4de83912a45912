package selftest_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/tokenclock/tokenclock/internal/syncbuf"
)

var _ = Describe("an interrupted run of a browser client", func() {
	It("stops on SIGINT with Chromium running: exit 130, interrupt recorded, no browser process left", func() {
		if os.Getenv("TOKENCLOCK_SKIP_BROWSER") == "1" {
			Skip("TOKENCLOCK_SKIP_BROWSER=1: browser mode not tested")
		}
		adapter, err := filepath.Abs(filepath.Join("..", "clientunderTest", "node", "adapters", "axios-singleflight.mjs"))
		Expect(err).NotTo(HaveOccurred())
		for i, delay := range []time.Duration{1500 * time.Millisecond, 3 * time.Second} {
			mark := fmt.Sprintf("TOKENCLOCK_SELFTEST_MARK=%d-browser-%d", os.Getpid(), i)
			dir := GinkgoT().TempDir()
			cmd := exec.Command(binary, "run", "--client", "b=browser:"+adapter, "--focus", "^(EXP|CONC)-", "--report-dir", "out")
			cmd.Dir, cmd.Env = dir, append(os.Environ(), mark)
			var out syncbuf.Buffer // read while the run still writes to it
			cmd.Stdout, cmd.Stderr = &out, &out
			Expect(cmd.Start()).To(Succeed())
			// The browser is up once a marked process other than tokenclock runs.
			Eventually(func() int { return len(marked(mark)) }, 20*time.Second).Should(BeNumerically(">", 1), out.String())
			time.Sleep(delay)
			Expect(cmd.Process.Signal(syscall.SIGINT)).To(Succeed())
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			Eventually(done, 30*time.Second).Should(Receive())
			what := fmt.Sprintf("SIGINT after %s\n%s", delay, out.String())
			Expect(cmd.ProcessState.ExitCode()).To(Equal(130), what)
			r := runResult{Dir: dir, Reports: filepath.Join(dir, "out"), Output: out.String()}
			Expect(r.results().Interrupted.Signal).To(Equal("SIGINT"), what)
			Eventually(func() []int { return marked(mark) }, 10*time.Second).Should(BeEmpty(), what)
		}
	})
})
