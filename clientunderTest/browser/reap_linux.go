//go:build linux

package browser

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// profileGrace bounds how long Close waits for the browser's processes to exit by
// themselves before it kills the rest.
const profileGrace = 3 * time.Second

// reapProfile waits up to grace for every process started with --user-data-dir=dir
// to exit, then kills those still running and waits for them to go. Chromium's helper
// processes notice their parent's end on their own, a moment later; without this a
// run could end with some of them still alive. It reads /proc, so it does nothing
// where there is none.
func reapProfile(dir string, grace time.Duration) {
	if gone(dir, grace) {
		return
	}
	for _, pid := range profileProcesses(dir) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	gone(dir, grace)
}

// gone polls until no process uses dir (true) or bound has passed (false).
func gone(dir string, bound time.Duration) bool {
	deadline := time.Now().Add(bound)
	for len(profileProcesses(dir)) > 0 {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// profileProcesses lists the live processes whose command line names dir as the
// --user-data-dir (zombies excluded: they are gone, only not yet reaped).
func profileProcesses(dir string) []int {
	flag := "--user-data-dir=" + dir
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !strings.Contains(string(cmdline), flag) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil && isZombie(string(stat)) {
			continue
		}
		pids = append(pids, pid)
	}
	return pids
}

// isZombie reads the state field of /proc/PID/stat ("pid (comm) S …").
func isZombie(stat string) bool {
	i := strings.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}
