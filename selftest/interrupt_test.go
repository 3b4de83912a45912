package selftest_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// marked lists the live processes whose environment holds entry.
func marked(entry string) []int {
	dirs, _ := os.ReadDir("/proc")
	var pids []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", d.Name(), "environ"))
		if err == nil && bytes.Contains(append([]byte{0}, env...), []byte("\x00"+entry+"\x00")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

var _ = Describe("an interrupted run", func() {
	It("stops on SIGINT and SIGTERM at random points: reports written, interrupt recorded, exit 130/143, nothing left running", func() {
		// A driver that leaves a SIGTERM-proof child outside its process group, in
		// front of a serial client that keeps every gated row busy for the hold bound.
		driver := fmt.Sprintf(`setsid sh -c 'trap "" TERM; exec sleep 302' </dev/null >/dev/null 2>&1 & exec %s go:reference`, serialDriver)
		rng := rand.New(rand.NewPCG(uint64(GinkgoRandomSeed()), 7))
		for i := range 12 {
			sig, name, code := syscall.SIGINT, "SIGINT", 130
			if i%2 == 1 {
				sig, name, code = syscall.SIGTERM, "SIGTERM", 143
			}
			// Every other pair of runs plays four scenarios at once (four drivers, each
			// with its stray child, to clean up); it ends sooner, so its signal comes sooner.
			parallel, window := "1", 1500
			if i%4 >= 2 {
				parallel, window = "4", 500
			}
			delay := time.Duration(50+rng.IntN(window)) * time.Millisecond
			mark := fmt.Sprintf("TOKENCLOCK_SELFTEST_MARK=%d-%d", os.Getpid(), i)
			dir := GinkgoT().TempDir()
			cmd := exec.Command(binary, "run", "--client", "d="+driver, "--focus", "^(EXP|CONC)-",
				"--hold-bound", "300ms", "--report-dir", "out", "--parallel", parallel)
			cmd.Dir, cmd.Env = dir, append(os.Environ(), mark)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			Expect(cmd.Start()).To(Succeed())
			// The random point is counted from the first driver's start: by then the
			// binary listens for signals (a signal before that kills it as any Go
			// program, which a busy machine's slow start would turn into a false failure).
			Eventually(func() []int {
				return slices.DeleteFunc(marked(mark), func(pid int) bool { return pid == cmd.Process.Pid })
			}).
				WithTimeout(30*time.Second).WithPolling(5*time.Millisecond).ShouldNot(BeEmpty(), "a driver started")
			time.Sleep(delay)
			Expect(cmd.Process.Signal(sig)).To(Succeed())
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			Eventually(done, 30*time.Second).Should(Receive())
			what := fmt.Sprintf("run %d (--parallel %s): %s after %s\n%s", i, parallel, name, delay, out.String())
			Expect(cmd.ProcessState.ExitCode()).To(Equal(code), what)

			r := runResult{Dir: dir, Reports: filepath.Join(dir, "out"), Output: out.String()}
			doc := r.results()
			Expect(doc.ExitCode).To(Equal(code), what)
			Expect(doc.Interrupted.Signal).To(Equal(name), what)
			for _, c := range doc.Clients {
				for _, s := range c.Scenarios {
					Expect(s.Outcome).NotTo(BeElementOf("timeout", "crashed"), what)
				}
			}
			for _, f := range []string{"junit.xml", "summary.md", "report.html"} {
				b, err := os.ReadFile(filepath.Join(r.Reports, f))
				Expect(err).NotTo(HaveOccurred(), what)
				Expect(string(b)).To(ContainSubstring("interrupted by "+name), f)
			}
			Expect(out.String()).To(ContainSubstring("interrupted by "+name), what)
			Eventually(func() []int { return marked(mark) }, 5*time.Second).Should(BeEmpty(), what)
		}
	})
})
