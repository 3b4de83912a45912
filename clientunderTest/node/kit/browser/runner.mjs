// runner.mjs runs one JS adapter module in this page (browser mode) and exposes it to
// the harness as window.__tokenclock, whose methods the harness calls over the DevTools
// protocol (Runtime.evaluate, awaiting the promise). Every method resolves a plain
// reply object shaped like the driver protocol's replies — it never rejects — so the
// harness reads one shape whatever the adapter did.
//
// The adapter API (docs/browser-mode.md):
//   export default function createClient({ baseURL, instance, storage }) → {
//     login(email, password) → {status, body}, request({method, path, body, headers,
//     signal, bodyKind, size, seed}) → {status, body}, logout() → {status},
//     close()?, subscribe(path)? → {events() → {events, open, streamError}, close(),
//     ready?} }  (ready: a promise of how the first connect ended)
//   export const features = [];  // what the client implements itself: bodies, sse
//   export const name, version;   // optional, for reports
// A call that got an HTTP response resolves {status, body} (4xx and 5xx too); one that
// got none rejects; a cancelled one rejects with an AbortError.

import { installClock } from '../lib/clock.mjs';

// INSTANCE_HEADER tags every request the page sends to the API with its tab number, for
// the fake server's journal. The runner adds it to fetch and XMLHttpRequest itself, so
// an adapter is only its client.
const INSTANCE_HEADER = 'X-Tokenclock-Instance';

const state = {
  client: null,
  clock: null,
  apiOrigin: '',
  instance: 0,
  requests: new Map(), // AbortController by command id (cancel)
  cancelled: new Set(), // ids whose cancel arrived before their request (the harness sends both concurrently)
  subscriptions: new Map(), // by subscribe command id
};

// describe names what an adapter threw, for a reply's error and the console.
const describe = (err) => {
  if (err === undefined || err === null) return 'rejected without a reason';
  const name = err.name ?? 'Error';
  const message = err.message ?? String(err);
  const code = err.code ? `${err.code} ` : '';
  return `${code}${name}: ${message}`;
};

// plain makes a value safe to hand back by value: JSON data as it is, anything else
// (a Blob, a stream, a cycle) as its string form.
const plain = (v) => {
  if (v === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(v));
  } catch {
    return String(v);
  }
};

// outcome turns an adapter call's result into a reply.
const outcome = async (promise, signal) => {
  try {
    const res = await promise;
    if (!res || !Number.isInteger(res.status)) {
      return { error: 'internal: the adapter resolved without an HTTP status' };
    }
    return { status: res.status, body: plain(res.body) };
  } catch (err) {
    // Answered "cancelled" only once the adapter let go of the call: an adapter that
    // ignores its signal is judged as it behaves.
    if (signal?.aborted) return { error: 'cancelled' };
    return { error: describe(err) };
  }
};

// tagRequests adds INSTANCE_HEADER to every fetch and XMLHttpRequest to the API.
function tagRequests() {
  const toAPI = (url) => {
    try {
      return new URL(url, location.href).origin === state.apiOrigin;
    } catch {
      return false;
    }
  };
  const nativeFetch = window.fetch.bind(window);
  window.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!toAPI(url)) return nativeFetch(input, init);
    const req = new Request(input, init);
    req.headers.set(INSTANCE_HEADER, String(state.instance));
    return nativeFetch(req);
  };
  const open = XMLHttpRequest.prototype.open;
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.__tokenclockTag = toAPI(url);
    return open.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (body) {
    if (this.__tokenclockTag) this.setRequestHeader(INSTANCE_HEADER, String(state.instance));
    return send.call(this, body);
  };
}

async function loadAdapter(url) {
  const mod = await import(url);
  if (typeof mod.default !== 'function') {
    throw new Error(`the adapter ${url} has no default export createClient`);
  }
  return mod;
}

window.__tokenclock = {
  // hello: what the adapter module declares.
  async hello(adapterURL) {
    try {
      const mod = await loadAdapter(adapterURL);
      const features = Array.isArray(mod.features) ? mod.features.map(String) : [];
      return { name: String(mod.name ?? ''), version: String(mod.version ?? ''), features };
    } catch (err) {
      return { error: describe(err) };
    }
  },

  // init builds this tab's client. A page serves one init: a new scenario, or a
  // restart (reload), is a new page.
  async init({ adapterURL, baseURL, instance, nowMs }) {
    if (state.client) return { error: 'internal: init twice in one page' };
    try {
      state.apiOrigin = new URL(baseURL).origin;
      state.instance = instance;
      tagRequests();
      state.clock = installClock(nowMs);
      const mod = await loadAdapter(adapterURL);
      state.client = await mod.default({ baseURL, instance, storage: window.localStorage });
      return { ok: true };
    } catch (err) {
      return { error: describe(err) };
    }
  },

  login: (email, password) => outcome(state.client.login(email, password)),

  async request(id, call) {
    const ctl = new AbortController();
    state.requests.set(id, ctl);
    if (state.cancelled.delete(id)) ctl.abort(new DOMException('cancelled by its caller', 'AbortError'));
    try {
      return await outcome(state.client.request({ ...call, signal: ctl.signal }), ctl.signal);
    } finally {
      state.requests.delete(id);
    }
  },

  // cancel aborts a request's signal; the request's own reply says what came of it.
  cancel(id) {
    const ctl = state.requests.get(id);
    if (ctl) ctl.abort(new DOMException('cancelled by its caller', 'AbortError'));
    else if (state.cancelled.size < 10000) state.cancelled.add(id); // its request has not arrived yet
    return { ok: true };
  },

  async logout() {
    const r = await outcome(state.client.logout());
    return r.error ? r : { status: r.status };
  },

  clock({ mode, nowMs, byMs }) {
    if (mode === 'set') state.clock.set(nowMs);
    else if (mode === 'tick') state.clock.tick(byMs);
    else return { error: `unsupported: clock mode ${mode}` };
    return { ok: true };
  },

  // subscribe opens the adapter's event stream and answers once it is connected, or
  // with why it never connected.
  async subscribe(id, path) {
    if (typeof state.client.subscribe !== 'function') return { error: 'unsupported: subscribe' };
    let sub;
    try {
      sub = await state.client.subscribe(path);
    } catch (err) {
      return { error: describe(err) };
    }
    state.subscriptions.set(id, sub);
    // A subscription may say how its first connect ended ({ok: true}, the refused
    // answer {status, body}, or {error}); otherwise watch it until it is open or over.
    if (sub?.ready && typeof sub.ready.then === 'function') {
      const r = await sub.ready;
      return r?.ok ? { ok: true } : Number.isInteger(r?.status) ? { status: r.status, body: plain(r.body) } : { error: String(r?.error ?? 'no connection') };
    }
    for (;;) {
      const ev = sub.events();
      if (ev.open) return { ok: true };
      if (ev.streamError) return { error: String(ev.streamError) };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  },

  events(id) {
    const sub = state.subscriptions.get(id);
    if (!sub) return { error: `no subscription ${id}` };
    const ev = sub.events();
    return { events: plain(ev.events ?? []), open: Boolean(ev.open), streamError: ev.streamError ? String(ev.streamError) : '' };
  },

  unsubscribe(id) {
    const sub = state.subscriptions.get(id);
    if (!sub) return { ok: false };
    sub.close();
    return { ok: true };
  },
};

window.__tokenclockReady = true;
