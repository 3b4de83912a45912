#!/usr/bin/env node
// run.mjs is the JS driver kit's runner: it serves driver protocol v1 on stdin/stdout
// for one JS adapter module, the same module browser mode runs in Chromium.
//
//   node run.mjs [--page same-origin|cross-origin|cross-site] ./my-adapter.mjs
//
// The adapter is a client and nothing else (docs/js-kit.md): the kit supplies the
// protocol (every command at once, cancel, instances, restart, the clock), and the
// browser around the client (lib/web.mjs): fetch and XMLHttpRequest over one cookie
// jar per scenario with the browser's credentials rules, localStorage and its storage
// event across instances (tabs), navigator.locks, BroadcastChannel, and a page clock
// the harness sets and ticks. --page plays a page on another origin or site than the
// API (cookies then need credentials: 'include' / withCredentials, and SameSite).

import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PAGES, installWeb } from './lib/web.mjs';
import { runDriver, describe } from './lib/driver-loop.mjs';
import { adapterClient } from './lib/adapter.mjs';

// KIT_FEATURES are what the kit supplies for every adapter; an adapter's own
// `features` export adds what its client implements itself (bodies, sse).
const KIT_FEATURES = ['instances', 'restart', 'cancel', 'clock'];

const USAGE = `usage: node run.mjs [--page ${PAGES.join('|')}] ADAPTER.mjs`;

function parseArgs(argv) {
  let page = 'same-origin';
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--page') page = argv[++i];
    else if (a.startsWith('--page=')) page = a.slice('--page='.length);
    else if (a === '-h' || a === '--help') return { help: true };
    else rest.push(a);
  }
  if (rest.length !== 1) return { error: `expected one adapter module, got ${rest.length}` };
  if (!PAGES.includes(page)) return { error: `--page ${page}: one of ${PAGES.join(', ')}` };
  return { page, adapter: rest[0] };
}

const args = parseArgs(process.argv.slice(2));
if (args.help || args.error) {
  if (args.error) console.error(`tokenclock kit: ${args.error}`);
  console.error(USAGE);
  process.exit(args.help ? 0 : 2);
}

// An exception thrown by a page timer or handler is reported and the page goes on, as
// in a browser; it never takes the driver down mid-scenario.
process.on('uncaughtException', (err) => console.error('[kit] uncaught exception (a browser would report it and go on):', err?.stack ?? err));

// The browser globals go in before the adapter (and the libraries it imports) loads.
const web = installWeb({ page: args.page });
let mod;
try {
  mod = await import(pathToFileURL(resolve(args.adapter)).href);
} catch (err) {
  // A missing file needs no stack trace; an adapter that throws does.
  const why = err?.code === 'ERR_MODULE_NOT_FOUND' ? err.message : (err?.stack ?? describe(err));
  console.error(`tokenclock kit: cannot load the adapter ${args.adapter}: ${why}`);
  process.exit(2);
}
if (typeof mod.default !== 'function') {
  console.error(`tokenclock kit: ${args.adapter} has no default export createClient({baseURL, instance, storage})`);
  process.exit(2);
}

const own = Array.isArray(mod.features) ? mod.features.map(String) : [];
runDriver({
  profiles: Array.isArray(mod.profiles) ? mod.profiles.map(String) : undefined,
  name: String(mod.name ?? basename(args.adapter).replace(/\.m?js$/, '')),
  version: String(mod.version ?? ''),
  features: [...new Set([...KIT_FEATURES, ...own])],
  clock: web.clock,
  onInit(msg) {
    web.newProfile(msg.baseURL);
    const now = Date.parse(String(msg.now ?? ''));
    if (Number.isFinite(now)) web.clock.set(now); // the client's clock starts at the server's
  },
  createClient: ({ baseURL, instance, signal, oauth2 }) => adapterClient(mod.default, web.openTab(instance, signal), baseURL, oauth2),
});
