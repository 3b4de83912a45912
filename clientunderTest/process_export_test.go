package clientundertest

// Test-only views into a Process, for the external specs in clientundertest_test.

// DriverPGID is the process group of the running driver (0 when none runs).
func (p *Process) DriverPGID() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drv == nil {
		return 0
	}
	return p.drv.pgid
}

// PendingCommands is how many commands await a reply from the running driver.
func (p *Process) PendingCommands() int {
	p.mu.Lock()
	d := p.drv
	p.mu.Unlock()
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.pending)
}

// StderrBufferCap is the capacity of the captured-stderr buffer: what a stderr
// flood actually costs in memory.
func (p *Process) StderrBufferCap() int {
	p.log.mu.Lock()
	defer p.log.mu.Unlock()
	return cap(p.log.buf)
}
