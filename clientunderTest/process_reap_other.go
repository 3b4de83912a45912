//go:build !linux

package clientundertest

import "time"

// killTagged is Linux-only (it reads /proc); elsewhere only the process group kill
// reaches a driver's children.
func killTagged(string, time.Duration) int { return 0 }
