// Package jskit carries the browser half of the JavaScript driver kit into the
// tokenclock binary: the page runner that loads a JS adapter module in Chromium
// (browser mode) and the controllable clock it shares with the kit's Node runner
// (run.mjs). The files live once, here, beside the Node runner that also imports
// lib/clock.mjs; the browser package serves them from Page.
package jskit

import "embed"

// Page holds browser/runner.mjs and lib/clock.mjs, at those paths: the runner imports
// the clock as ../lib/clock.mjs, so a page serves both under one prefix.
//
//go:embed browser/runner.mjs lib/clock.mjs
var Page embed.FS

// PageRunner is the runner's path in Page, the module a browser-mode page loads.
const PageRunner = "browser/runner.mjs"
