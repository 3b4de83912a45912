package browser

import (
	"context"
	"fmt"
	"os"

	"github.com/chromedp/chromedp"
)

// Chromium is one headless Chromium process tree started with browser mode's flags
// (allocatorOptions) on a profile directory of its own, so Close can wait until no
// process of it is left. Browser mode's Client runs on one; other pages tokenclock
// serves (serve's web console) are tested and photographed on one too.
type Chromium struct {
	// Ctx is the browser's chromedp context: chromedp.NewContext(Ctx, …) opens a tab.
	Ctx        context.Context
	cancel     context.CancelFunc
	allocStop  context.CancelFunc
	profileDir string // Chromium's --user-data-dir, ours
}

// NewChromium prepares a browser at exe (FindChromium finds one); it launches on
// the first chromedp call on Ctx. Always Close it.
func NewChromium(exe string) (*Chromium, error) {
	dir, err := os.MkdirTemp("", "tokenclock-chromium-")
	if err != nil {
		return nil, fmt.Errorf("browser profile directory: %w", err)
	}
	allocCtx, allocStop := chromedp.NewExecAllocator(context.Background(),
		append(allocatorOptions(exe), chromedp.UserDataDir(dir))...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	return &Chromium{Ctx: ctx, cancel: cancel, allocStop: allocStop, profileDir: dir}, nil
}

// Close ends the browser and returns once no process using its profile is left
// (helpers exit a moment after the main process; any still there are killed), so
// no process outlives a run. Safe on a nil Chromium and more than once.
func (b *Chromium) Close() {
	if b == nil || b.profileDir == "" {
		return
	}
	b.cancel()
	b.allocStop() // waits for the browser's main process
	reapProfile(b.profileDir, profileGrace)
	_ = os.RemoveAll(b.profileDir)
	b.profileDir = ""
}
