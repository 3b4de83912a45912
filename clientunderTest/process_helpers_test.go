package clientundertest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"

	cut "github.com/tokenclock/tokenclock/clientunderTest"
)

// driverCommand is the --client command for a test driver in testdata/drivers.
func driverCommand(file string) string {
	dir, err := filepath.Abs(filepath.Join("testdata", "drivers"))
	Expect(err).NotTo(HaveOccurred())
	if strings.HasSuffix(file, ".mjs") {
		return "node " + filepath.Join(dir, file)
	}
	return "sh " + filepath.Join(dir, file)
}

var markers atomic.Int64

// processSpec is one spec's fixture for process tests: a unique environment
// marker that every process a driver starts inherits, so /proc tells whether any
// of them outlived Close, and a goroutine baseline for gleak.
type processSpec struct {
	marker string
}

// newProcessSpec registers the leak checks, which run after every other cleanup of
// the spec (DeferCleanup is last-in, first-out), i.e. after the Process is closed.
func newProcessSpec() *processSpec {
	ps := &processSpec{marker: fmt.Sprintf("TOKENCLOCK_TEST_MARK=%d-%d", os.Getpid(), markers.Add(1))}
	baseline := gleak.Goroutines()
	DeferCleanup(func() {
		Eventually(ps.live).WithTimeout(3*time.Second).Should(BeEmpty(), "driver processes outlived Close")
		Eventually(gleak.Goroutines).WithTimeout(3 * time.Second).ShouldNot(gleak.HaveLeaked(baseline))
	})
	return ps
}

// options are ProcessOptions for a test driver, carrying the spec's marker.
func (ps *processSpec) options(file string) cut.ProcessOptions {
	return cut.ProcessOptions{
		Name:    strings.TrimSuffix(strings.TrimSuffix(file, ".sh"), ".mjs"),
		Command: driverCommand(file),
		Env:     []string{ps.marker},
	}
}

// start starts a Process and closes it at the end of the spec.
func (ps *processSpec) start(opts cut.ProcessOptions) *cut.Process {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := cut.StartProcess(ctx, opts)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(p.Close)
	return p
}

// liveProc is a process found in /proc.
type liveProc struct {
	PID, PGID int
	Comm      string
}

// live lists the processes (not zombies) that carry the spec's marker.
func (ps *processSpec) live() []liveProc {
	entries, err := os.ReadDir("/proc")
	Expect(err).NotTo(HaveOccurred())
	var found []liveProc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil || !containsEntry(env, ps.marker) {
			continue // gone, not ours, or a zombie (whose environ reads empty)
		}
		if p, ok := readStat(pid); ok {
			found = append(found, p)
		}
	}
	return found
}

// pgids lists the process groups of the live marked processes.
func (ps *processSpec) pgids() []int {
	var out []int
	for _, p := range ps.live() {
		out = append(out, p.PGID)
	}
	return out
}

func containsEntry(environ []byte, entry string) bool {
	for _, kv := range strings.Split(string(environ), "\x00") {
		if kv == entry {
			return true
		}
	}
	return false
}

// readStat parses /proc/PID/stat; comm may hold spaces and parentheses, so the
// fields are counted from the last ')'.
func readStat(pid int) (liveProc, bool) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return liveProc{}, false
	}
	s := string(raw)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return liveProc{}, false
	}
	fields := strings.Fields(s[end+1:]) // state ppid pgrp ...
	if len(fields) < 3 || fields[0] == "Z" {
		return liveProc{}, false
	}
	pgid, err := strconv.Atoi(fields[2])
	if err != nil {
		return liveProc{}, false
	}
	return liveProc{PID: pid, PGID: pgid, Comm: s[open+1 : end]}, true
}

// within is a context for one call, ended by a real-time deadline.
func within(d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	DeferCleanup(cancel)
	return ctx
}

// get is a GET call.
func get(path string) cut.Call { return cut.Call{Method: "GET", Path: path} }

// contextWithCancel is context.WithCancel, named for what the specs use it for.
func contextWithCancel(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithCancel(parent)
}
