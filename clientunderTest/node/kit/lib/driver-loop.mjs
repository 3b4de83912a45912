// driver-loop.mjs is the protocol-v1 plumbing shared by the bundled Node drivers
// (docs/driver-protocol.md): it reads JSON Lines commands on stdin, starts each one as
// it arrives, shapes what the client saw into a reply, and writes protocol lines — and
// nothing else — on stdout. A driver file only supplies its client:
//
//   runDriver({
//     name: 'my-client', version: 'axios 1.2.3', features: [],
//     createClient: ({ baseURL, signal, log, persisted, instance }) => ({
//       login: (email, password) => ...,  // resolve/reject like axios: a response
//       request: (call) => ...,           // {status, data}, or an error carrying
//       logout: () => ...,                // .response, or a transport error (.code)
//       subscribe: ({ path }) => ...,     // feature sse: a subscription (event-stream.mjs)
//     }),
//   });
//
// Feature instances: init may ask for N instances (tabs of one browser profile). The
// loop calls createClient once per instance, all with the same `persisted` object (what
// the profile shares: cookie jar, storage, cross-tab primitives) and each with its own
// `instance` number and `signal`; login, request, logout, restart and subscribe name an
// instance (0 when absent). Every HTTP request an instance sends must carry
// INSTANCE_HEADER.
//
// Feature bodies: `request` may carry bodyKind ("json" default, "form", "multipart",
// "stream") and, for multipart and stream, integer size and seed. The loop checks them
// (bodies.mjs) and hands them to the client in the call: {…, bodyKind, size, seed}.
//
// Feature sse: three more commands.
//   subscribe {path, instance?}  the client opens its event stream (GET path, Accept:
//       text/event-stream, its normal auth, INSTANCE_HEADER) and reconnects when the
//       server ends it. Reply {ok: true} once connected; the final {status, body} or
//       {error} when it never connects; {error: "aborted"} when a restart or init came
//       first. The subscription is named by this command's id.
//   events {target}  → {events: [the data strings so far, in order], open, ended,
//       streamError?, droppedEvents?}. open: a stream is connected right now (false
//       between reconnects); ended: the subscription is over for good (unsubscribed,
//       restarted, or the client gave up); streamError: why it ended, when it ended by
//       itself (the client gave up or was refused; "aborted" for a restart). A target
//       that is no subscription: {error}.
//   unsubscribe {target}  → {ok: true}, and the stream is closed for good ({ok: false}
//       for a target that is no subscription). A subscribe still connecting answers
//       {error: "unsubscribed"}.
// A restart ends the subscriptions of its instance (their events stay readable);
// init ends them all and forgets them.
//
// Feature clock: a driver that supplies `clock: {set(ms), tick(ms)}` (run.mjs does: the
// page clock of clock.mjs) gets the clock command; `onInit(msg)`, when given, sees each
// init before its clients are built (run.mjs starts the scenario's profile and sets the
// clock to init.now there).

import { setMaxListeners } from 'node:events';
import { shapeOutcome } from './reply.mjs';
import { checkBody } from './bodies.mjs';

// MAX_LINE is the protocol's line bound (4 MiB). A longer line is not parsed: the
// driver must never grow without bound on bad input.
const MAX_LINE = 4 * 1024 * 1024;

// INSTANCE_HEADER tags every HTTP request with the instance (tab) that sent it, so the
// fake server's journal can tell the tabs apart; a driver sets it in its client's
// default headers.
export const INSTANCE_HEADER = 'X-Tokenclock-Instance';

// MAX_INSTANCES bounds init.instances: the fake server records instance numbers up to
// 1023, and a driver must not build an unbounded number of clients on bad input.
const MAX_INSTANCES = 1024;

// MAX_SUBSCRIPTIONS bounds the subscriptions one scenario keeps (ended ones too, so
// their events stay readable): each holds a connection and its events.
const MAX_SUBSCRIPTIONS = 1024;

/**
 * runDriver serves protocol v1 on stdin/stdout until shutdown or stdin EOF.
 * createClient must be synchronous and build a client whose only state shared with
 * other instances is what it keeps in `persisted`.
 * @param {{name: string, version: string, features?: string[],
 *          createClient: (ctx: {baseURL: string, scenario: string, signal: AbortSignal,
 *                               log: (...a: unknown[]) => void, persisted: object,
 *                               instance: number, instances: number}) => object}} driver
 */
export function runDriver(driver) {
  // stdout carries protocol lines only: application code (the tutorial logs freely)
  // must never corrupt it, so every console method that would write there goes to stderr.
  for (const m of ['log', 'info', 'debug', 'trace', 'dir', 'table']) {
    console[m] = console.error.bind(console);
  }
  // A harness that went away closes our stdout: leave quietly instead of crashing on EPIPE.
  process.stdout.on('error', () => process.exit(0));
  // A stray rejection in client code must not kill the driver mid-scenario; log it.
  process.on('unhandledRejection', (err) => log('unhandled rejection:', describe(err)));

  // slots: one per instance (tab), each {client, abort}; null before the first init.
  // A slot is replaced by restart (that instance) and init (all of them): work that
  // started on a replaced slot is answered "aborted".
  // requests: the AbortController of each request in flight, by command id (cancel).
  // persisted: what survives a restart (a page reload) and what the instances share,
  // as the tabs of one browser profile do — the driver keeps its cookie jar, storage
  // and cross-tab primitives there; init empties it.
  // subscriptions: feature sse, by the subscribe command's id: {sub, slot}.
  const state = { slots: null, exiting: false, requests: new Map(), subscriptions: new Map(), persisted: {} };
  const features = driver.features ?? [];

  const send = (msg) => {
    if (!state.exiting) process.stdout.write(JSON.stringify(msg) + '\n');
  };

  const exit = (code) => {
    if (state.exiting) return;
    state.exiting = true;
    // Pipes are synchronous on Linux, but wait for the flush anyway so the last
    // reply (shutdown's ok) is never lost.
    process.stdout.write('', () => process.exit(code));
  };

  const handle = (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch (err) {
      log(`ignoring a line that is not JSON (${err.message}): ${line.slice(0, 200)}`);
      return;
    }
    if (msg === null || typeof msg !== 'object' || !Number.isInteger(msg.id)) {
      log(`ignoring a command without an integer id: ${line.slice(0, 200)}`);
      return;
    }
    dispatch(msg).then(
      (reply) => send({ id: msg.id, ...reply }),
      (err) => send({ id: msg.id, error: `internal: ${describe(err)}` }),
    );
  };

  // dispatch runs one command. It is async so that every command starts at once
  // and replies go out in whatever order the work finishes (concurrency scenarios).
  const dispatch = async (msg) => {
    switch (msg.cmd) {
      case 'hello':
        if (msg.protocol !== 1) return { error: `unsupported: protocol ${msg.protocol}` };
        return driver.profiles?.length
          ? { name: driver.name, version: driver.version, features, profiles: driver.profiles }
          : { name: driver.name, version: driver.version, features };
      case 'init':
        return init(msg);
      case 'login':
        return run(msg, (c) => c.login(String(msg.email ?? ''), String(msg.password ?? '')));
      case 'request':
        if (typeof msg.method !== 'string' || typeof msg.path !== 'string') {
          return { error: 'bad request: method and path must be strings' };
        }
        return request(msg);
      case 'cancel': {
        // Abort the target's signal; its own reply then says "cancelled". A target
        // that already finished answers ok: false and gets no second reply.
        const target = state.requests.get(msg.target);
        if (!target) return { ok: false };
        target.abort();
        return { ok: true };
      }
      case 'logout':
        return run(msg, (c) => c.logout());
      case 'subscribe':
        return subscribe(msg);
      case 'events': {
        if (!features.includes('sse')) return { error: 'unsupported: events' };
        const found = state.subscriptions.get(msg.target);
        if (!found) return { error: `no subscription ${JSON.stringify(msg.target ?? null)}` };
        return found.sub.snapshot();
      }
      case 'unsubscribe': {
        if (!features.includes('sse')) return { error: 'unsupported: unsubscribe' };
        const found = state.subscriptions.get(msg.target);
        if (!found) return { ok: false };
        found.sub.close();
        return { ok: true };
      }
      case 'clock':
        return clock(msg);
      case 'restart': {
        const found = slotOf(msg);
        if (found.error) return found;
        build(found.index); // only this instance: its in-flight work answers 'aborted'
        return { ok: true };
      }
      case 'shutdown':
        setImmediate(() => exit(0));
        return { ok: true };
      default:
        return { error: `unsupported: ${msg.cmd}` };
    }
  };

  // init throws away every piece of client state: the old clients' in-flight work is
  // aborted, and any of its replies still to come are answered "aborted" (see run).
  // It builds init.instances clients (1 when absent) over one new profile.
  // It is synchronous on purpose: a login read in the same chunk as its init must
  // already find the new client.
  const init = (msg) => {
    if (typeof msg.baseURL !== 'string' || msg.baseURL === '') {
      return { error: 'bad init: baseURL must be a non-empty string' };
    }
    const instances = msg.instances ?? 1;
    if (!Number.isInteger(instances) || instances < 1 || instances > MAX_INSTANCES) {
      return { error: `bad init: instances must be an integer from 1 to ${MAX_INSTANCES}` };
    }
    for (const slot of state.slots ?? []) slot.abort.abort(); // ends their subscriptions too
    state.subscriptions.clear();
    state.persisted = {};
    state.baseURL = msg.baseURL.replace(/\/+$/, '');
    state.scenario = String(msg.scenario ?? '');
    // The server profile (hello's profiles): under oauth2, the token endpoint and the
    // client's credentials.
    state.oauth2 = msg.profile === 'oauth2'
      ? { profile: 'oauth2', tokenURL: String(msg.tokenURL ?? ''), clientId: String(msg.clientId ?? ''),
          clientSecret: String(msg.clientSecret ?? '') }
      : { profile: 'cookie' };
    try {
      driver.onInit?.({ ...msg, instances });
    } catch (err) {
      return { error: `internal: ${describe(err)}` };
    }
    state.slots = new Array(instances).fill(null);
    for (let i = 0; i < instances; i++) build(i);
    return { ok: true };
  };

  // clock sets or ticks the driver's clock (feature clock). A tick runs every timer
  // that falls due before the reply goes out.
  const clock = (msg) => {
    if (!features.includes('clock') || !driver.clock) return { error: 'unsupported: clock' };
    if (msg.mode === 'set') {
      const ms = Date.parse(String(msg.now ?? ''));
      if (!Number.isFinite(ms)) return { error: 'bad clock: set needs now as RFC 3339' };
      driver.clock.set(ms);
      return { ok: true };
    }
    if (msg.mode === 'tick') {
      if (!Number.isInteger(msg.byMs) || msg.byMs < 0) return { error: 'bad clock: tick needs byMs, a whole number of milliseconds ≥ 0' };
      driver.clock.tick(msg.byMs);
      return { ok: true };
    }
    return { error: `unsupported: clock mode ${JSON.stringify(msg.mode ?? null)}` };
  };

  // build makes a fresh client for instance i (init, restart): its earlier work is
  // aborted and answered 'aborted'; only state.persisted carries over.
  const build = (i) => {
    state.slots[i]?.abort.abort();
    const abort = new AbortController();
    // Every call in flight on this instance listens for its end (untilAborted): a
    // concurrency row has hundreds at once, which is no leak.
    setMaxListeners(0, abort.signal);
    const client = driver.createClient({
      baseURL: state.baseURL,
      scenario: state.scenario,
      signal: abort.signal,
      log,
      persisted: state.persisted,
      instance: i,
      instances: state.slots.length,
      oauth2: state.oauth2,
    });
    state.slots[i] = { client, abort };
  };

  // slotOf finds the instance a command names ({index, slot}), or the error reply.
  const slotOf = (msg) => {
    if (!state.slots) return { error: 'not initialised: send init first' };
    const index = msg.instance ?? 0;
    if (!Number.isInteger(index) || index < 0 || index >= state.slots.length) {
      return { error: `no instance ${JSON.stringify(index)} (init made ${state.slots.length})` };
    }
    return { index, slot: state.slots[index] };
  };

  // run starts work on the current client and shapes its outcome. Work that outlives
  // its scenario (an init came in between) is answered "aborted", never with a result
  // that could be mistaken for the new scenario's.
  const request = async (msg) => {
    const body = checkBody(msg);
    if (body.error) return body;
    if (body.bodyKind !== 'json' && !features.includes('bodies')) return { error: `unsupported: bodyKind ${body.bodyKind}` };
    const controller = new AbortController();
    state.requests.set(msg.id, controller);
    try {
      const reply = await run(msg, (c, instanceSignal) =>
        c.request({
          method: msg.method,
          path: msg.path,
          ...body, // body, bodyKind, and size and seed for the generated kinds
          headers: isPlainObject(msg.headers) ? msg.headers : undefined,
          // The caller's cancel, and the instance's end (a reload, or init): a request's
          // own signal replaces the client's default one in axios, so carry both.
          signal: anySignal(controller.signal, instanceSignal),
        }),
      );
      // "cancelled" only once the client's promise settled after the abort, and
      // only when it did not deliver a response anyway.
      return controller.signal.aborted && reply.error !== undefined ? { error: 'cancelled' } : reply;
    } finally {
      state.requests.delete(msg.id);
    }
  };

  // subscribe opens a subscription on the named instance's client (feature sse) and
  // answers once it connected, or with why it never did. The subscription lives on
  // after the reply, until unsubscribe, its instance's restart, or init.
  const subscribe = async (msg) => {
    if (!features.includes('sse')) return { error: 'unsupported: subscribe' };
    if (typeof msg.path !== 'string' || !msg.path.startsWith('/')) {
      return { error: 'bad subscribe: path must be a string starting with /' };
    }
    const found = slotOf(msg);
    if (found.error) return found;
    const { index, slot } = found;
    if (state.subscriptions.size >= MAX_SUBSCRIPTIONS) {
      return { error: `too many subscriptions: at most ${MAX_SUBSCRIPTIONS} per scenario` };
    }
    let sub;
    try {
      sub = slot.client.subscribe({ path: msg.path });
    } catch (err) {
      return { error: `internal: ${describe(err)}` };
    }
    state.subscriptions.set(msg.id, { sub, slot });
    const reply = await sub.ready;
    if (state.slots?.[index] !== slot || slot.abort.signal.aborted) return { error: 'aborted' };
    return reply;
  };

  // The reply does not wait for the aborted client to wind down: it goes out as soon
  // as the instance is rebuilt.
  const run = async (msg, work) => {
    const found = slotOf(msg);
    if (found.error) return found;
    const { index, slot } = found;
    let outcome;
    try {
      outcome = { ok: true, value: await untilAborted(work(slot.client, slot.abort.signal), slot.abort.signal) };
    } catch (err) {
      outcome = { ok: false, value: err };
    }
    if (state.slots?.[index] !== slot || slot.abort.signal.aborted) return { error: 'aborted' };
    return shapeOutcome(outcome);
  };

  readLines(process.stdin, handle, () => exit(0));
}

// readLines splits a byte stream into lines, dropping a trailing \r, and refuses
// (logs and skips) any line over MAX_LINE instead of buffering it.
function readLines(stream, onLine, onEnd) {
  let parts = [];
  let size = 0;
  let skipping = false;
  stream.on('data', (chunk) => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      if (!skipping) {
        size += piece.length;
        if (size > MAX_LINE) {
          log(`skipping a line over ${MAX_LINE} bytes`);
          skipping = true;
          parts = [];
        } else {
          parts.push(piece);
        }
      }
      if (nl === -1) return;
      if (!skipping) {
        let line = Buffer.concat(parts).toString('utf8');
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line.trim() !== '') onLine(line);
      }
      parts = [];
      size = 0;
      skipping = false;
      start = nl + 1;
    }
  });
  stream.on('end', onEnd);
  stream.on('error', onEnd);
}

// anySignal aborts when either signal does (AbortSignal.any, from Node 20.3).
function anySignal(a, b) {
  if (typeof AbortSignal.any === 'function') return AbortSignal.any([a, b]);
  const both = new AbortController();
  for (const s of [a, b]) {
    if (s.aborted) both.abort(s.reason);
    else s.addEventListener('abort', () => both.abort(s.reason), { once: true });
  }
  return both.signal;
}

// untilAborted settles like work, or rejects as soon as signal aborts.
function untilAborted(work, signal) {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    Promise.resolve(work)
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** log writes one line to stderr, the driver's free-form log. */
export function log(...args) {
  console.error('[driver]', ...args);
}

/** describe renders an error briefly (code, status, message), never its config and tokens. */
export function describe(err) {
  if (!err || typeof err !== 'object') return String(err);
  const status = err.response?.status;
  return [err.code, status && `status ${status}`, err.message].filter(Boolean).join(' ');
}
