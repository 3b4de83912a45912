package clientundertest

import (
	"fmt"
	"os"
	"sync/atomic"
)

// driverTagEnv names the environment variable every driver process and all it starts
// inherit: a tag unique to one driver start. Processes that left the driver's process
// group (a child spawned detached, as Puppeteer starts Chrome) still carry it, so
// the adapter finds and kills them when the driver stops (see killTagged).
const driverTagEnv = "TOKENCLOCK_DRIVER"

var driverSeq atomic.Int64

// newDriverTag is unique across the drivers of this process and of other harness
// processes on the machine.
func newDriverTag() string {
	return fmt.Sprintf("%d-%d", os.Getpid(), driverSeq.Add(1))
}
