//go:build !linux

package browser

import "time"

// profileGrace bounds how long Close waits for the browser's processes (Linux only).
const profileGrace = 3 * time.Second

// reapProfile does nothing where there is no /proc to find a profile's processes by:
// Close relies on the allocator's wait for the browser's main process alone.
func reapProfile(string, time.Duration) {}
