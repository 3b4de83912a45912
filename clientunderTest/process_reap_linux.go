//go:build linux

package clientundertest

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// killTagged SIGKILLs every process whose environment carries driverTagEnv=tag and
// waits (up to wait) until none is left; it returns how many it found. It reads
// /proc, so it sees a descendant wherever it was reparented.
func killTagged(tag string, wait time.Duration) int {
	entry := []byte(driverTagEnv + "=" + tag)
	self := os.Getpid()
	found := 0
	deadline := time.Now().Add(wait)
	for {
		pids := taggedPIDs(entry, self)
		if found == 0 {
			found = len(pids)
		}
		if len(pids) == 0 || time.Now().After(deadline) {
			return found
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(5 * time.Millisecond) // a killed process leaves /proc asynchronously
	}
}

// taggedPIDs lists the live (non-zombie) processes whose environment holds entry.
func taggedPIDs(entry []byte, self int) []int {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil || pid == self {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", d.Name(), "environ"))
		if err != nil || len(env) == 0 { // gone, not ours to read, or a zombie
			continue
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			if bytes.Equal(kv, entry) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}
