// web.mjs gives a JS adapter module, under Node, the browser it was written for: the
// globals `window`, `document`, `location`, `localStorage`, `navigator.locks`,
// `BroadcastChannel`, `fetch` and `XMLHttpRequest`, behaving as a page's do, so the same
// adapter runs here and in browser mode (axios, for one, takes its browser path: its
// XMLHttpRequest adapter, FormData left to the browser, XSRF from document.cookie).
//
// One process plays one browser profile at a time (a scenario); its tabs are the
// adapter's instances. Node has one set of globals, so each global looks up the tab
// that is running — an AsyncLocalStorage context entered for every call into the
// adapter, carried by promises and timers, and entered again for each tab's event
// listeners — and acts for it: its X-Tokenclock-Instance header, its localStorage
// (whose `storage` events reach the OTHER tabs), its locks (dropped when it closes).
//
// Cookies follow the browser's credentials rules, because a jar that always attaches
// cookies would hide the missing-credentials bug: the profile's tough-cookie jar is
// read and written only when the request's credentials mode allows it (fetch:
// `credentials`, default same-origin; XMLHttpRequest: `withCredentials`), SameSite is
// enforced between the page's site and the API's, a `Cookie` header the page sets is
// dropped, HttpOnly cookies are invisible to document.cookie, and Set-Cookie is never
// readable from a response. The page's origin is the API's (the SPA served with its
// API, as the seed's dev proxy does) unless the runner is told to play a page on
// another origin or site (run.mjs --page). CORS itself is not enforced: Node is not a
// browser, and browser mode judges it in a real one.

import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import * as nodeTimers from 'node:timers';
import { promisify } from 'node:util';
import { CookieJar, getPublicSuffix } from 'tough-cookie';
import { createLocks, createStorage } from './browser-profile.mjs';
import { installClock } from './clock.mjs';

/** INSTANCE_HEADER tags every request a tab sends to the API with its number. */
export const INSTANCE_HEADER = 'X-Tokenclock-Instance';

// PAGES are the page origins run.mjs --page can play, relative to the API's.
export const PAGES = ['same-origin', 'cross-origin', 'cross-site'];

const current = new AsyncLocalStorage(); // the running tab
const nativeFetch = globalThis.fetch.bind(globalThis);
const NativeDate = Date;
const nativeSetTimeout = nodeTimers.setTimeout;
const nativeClearTimeout = nodeTimers.clearTimeout;

/**
 * pageOriginFor is the origin the page plays for an API at apiURL: the same origin;
 * another port of the same host (cross-origin, same site); or the other loopback name
 * (cross-site: 127.0.0.1 ↔ localhost).
 */
export function pageOriginFor(apiURL, page) {
  const u = new URL(apiURL);
  if (page === 'cross-origin') {
    u.port = String(Number(u.port || 80) === 65535 ? 1 : Number(u.port || 80) + 1);
  } else if (page === 'cross-site') {
    u.hostname = u.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
  }
  return u.origin;
}

// siteOf is a URL's site for SameSite: its scheme and registrable domain (the host
// itself for IP addresses and single-label names such as localhost).
function siteOf(url) {
  const host = url.hostname;
  const registrable = /^[\d.]+$|^\[|^[^.]+$/.test(host) ? host : getPublicSuffix(host) ?? host;
  return `${url.protocol}//${registrable}`;
}

// withRealDate runs a synchronous jar call on the real clock: the page clock moves
// Date (a skewed device), but the browser keeps its cookie store on its own clock, as
// Chromium does in browser mode.
function withRealDate(fn) {
  const faked = globalThis.Date;
  globalThis.Date = NativeDate;
  try {
    return fn();
  } finally {
    globalThis.Date = faked;
  }
}

/**
 * installWeb installs the browser globals once, before the adapter module is imported
 * (libraries look for XMLHttpRequest and fetch when they load), and returns the
 * controls the runner uses: newProfile for each scenario, openTab for each instance,
 * and the clock (feature clock).
 * @param {{page?: string}} options
 */
export function installWeb({ page = 'same-origin' } = {}) {
  if (!PAGES.includes(page)) throw new Error(`unknown page origin ${page}: one of ${PAGES.join(', ')}`);
  const clock = installClock(NativeDate.now());
  installTimers();
  let profile = null; // the current scenario's browser profile
  const tab = () => current.getStore() ?? profile?.tabs.get(0) ?? null;
  const needTab = () => {
    const t = tab();
    if (!t) throw new Error('tokenclock kit: no page yet (the harness has not sent init)');
    return t;
  };

  Object.defineProperty(globalThis, 'window', { value: globalThis, configurable: true, writable: true });
  Object.defineProperty(globalThis, 'self', { value: globalThis, configurable: true, writable: true });
  globalThis.addEventListener = (type, listener) => needTab().listeners(type).add(listener);
  globalThis.removeEventListener = (type, listener) => tab()?.listeners(type).delete(listener);
  Object.defineProperty(globalThis, 'localStorage', { get: () => needTab().localStorage, configurable: true });
  Object.defineProperty(globalThis, 'location', { get: () => new URL(`${profile?.pageOrigin ?? 'http://localhost'}/`), configurable: true });
  const navigator = {
    userAgent: `tokenclock-kit Node.js/${process.versions.node}`,
    language: 'en',
    onLine: true,
    locks: {
      // Web Locks across the profile's tabs, exclusive mode. The request's own signal
      // aborts it only while it waits; once granted, the lock is held until the
      // callback settles, or until the tab goes away (a browser drops a closed tab's
      // locks). The callback gets the lock ({name, mode}), or null with ifAvailable
      // when it is taken.
      request(name, options, callback) {
        if (typeof options === 'function') [options, callback] = [{}, options];
        if (options?.mode === 'shared' || options?.steal) {
          return Promise.reject(new DOMException('the tokenclock kit has exclusive locks only (no shared mode, no steal)', 'NotSupportedError'));
        }
        const t = needTab();
        const { locks } = t.profile;
        if (options?.ifAvailable && locks.held(name)) return Promise.resolve().then(() => current.run(t, () => callback(null)));
        const waiting = new AbortController();
        let granted = false;
        options?.signal?.addEventListener('abort', () => granted || waiting.abort(options.signal.reason), { once: true });
        if (options?.signal?.aborted) waiting.abort(options.signal.reason);
        return locks.request(name, { signal: AbortSignal.any([waiting.signal, t.signal]) }, () => {
          granted = true;
          return current.run(t, () => callback({ name, mode: 'exclusive' }));
        });
      },
    },
  };
  Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true });
  globalThis.document = {
    visibilityState: 'visible',
    hidden: false,
    addEventListener() {},
    removeEventListener() {},
    // document.cookie: the page's own cookies, never the HttpOnly ones.
    get cookie() {
      const t = tab();
      return t ? withRealDate(() => t.profile.jar.getCookieStringSync(`${t.profile.pageOrigin}/`, { http: false })) : '';
    },
    set cookie(value) {
      const t = needTab();
      withRealDate(() => t.profile.jar.setCookieSync(String(value), `${t.profile.pageOrigin}/`, { http: false, ignoreError: true }));
    },
  };
  globalThis.BroadcastChannel = makeBroadcastChannel(needTab);
  globalThis.fetch = (input, init) => pageFetch(needTab(), input, init);
  globalThis.XMLHttpRequest = makeXMLHttpRequest(needTab);

  return {
    clock,
    /** newProfile starts a scenario's browser profile for the API at baseURL. */
    newProfile(baseURL) {
      for (const t of profile?.tabs.values() ?? []) t.close();
      const apiOrigin = new URL(baseURL).origin;
      profile = {
        apiOrigin,
        pageOrigin: pageOriginFor(apiOrigin, page),
        jar: new CookieJar(),
        storage: createStorage(),
        locks: createLocks(),
        channels: new Map(), // BroadcastChannel name → open channels
        tabs: new Map(),
      };
      return profile;
    },
    /**
     * openTab opens instance i's tab in the current profile (a restart opens it again);
     * the tab closes — its listeners, locks and channels go — when signal aborts.
     */
    openTab(i, signal) {
      if (!profile) throw new Error('tokenclock kit: openTab before newProfile');
      const t = makeTab(profile, i, signal);
      profile.tabs.set(i, t);
      return t;
    },
  };
}

// makeTab is one instance's page: everything a global needs to act for it.
function makeTab(profile, instance, signal) {
  const byType = new Map();
  const t = {
    profile,
    instance,
    signal,
    listeners: (type) => {
      if (!byType.has(type)) byType.set(type, new Set());
      return byType.get(type);
    },
    localStorage: null,
    closers: new Set(),
    timers: new Set(), // its page-clock timers: a reload ends them, as a browser does
    /** run calls fn as this tab (its globals), returning what fn returns. */
    run: (fn) => current.run(t, fn),
    close: () => {
      byType.clear();
      for (const close of [...t.closers]) close();
      for (const h of [...t.timers]) globalThis.clearTimeout(h);
      t.timers.clear();
    },
  };
  const store = profile.storage.openTab(signal);
  // The `storage` event reaches the other tabs' window listeners, each run as its tab.
  store.onStorage(({ key, oldValue, newValue }) => {
    const event = { type: 'storage', key, oldValue, newValue, url: `${profile.pageOrigin}/`, storageArea: t.localStorage };
    for (const listener of [...t.listeners('storage')]) {
      current.run(t, () => {
        try {
          if (typeof listener === 'function') listener(event);
          else listener?.handleEvent?.(event);
        } catch (err) {
          console.error('[kit] a storage listener threw:', err?.message ?? err);
        }
      });
    }
  });
  t.localStorage = {
    getItem: store.getItem,
    setItem: store.setItem,
    removeItem: store.removeItem,
  };
  signal.addEventListener('abort', t.close, { once: true });
  return t;
}

// pageFetch is fetch as tab t's page sends it: the instance header on API calls, the
// profile's cookies under the credentials rules, Set-Cookie stored and hidden.
async function pageFetch(t, input, init) {
  const { profile } = t;
  const call = await callOf(input, init, `${profile.pageOrigin}/`);
  const url = new URL(call.url);
  const page = new URL(`${profile.pageOrigin}/`);
  const headers = new Headers(call.headers);
  headers.delete('cookie'); // a forbidden request header: the page cannot set it
  if (url.origin === profile.apiOrigin) headers.set(INSTANCE_HEADER, String(t.instance));
  const withCookies = call.credentials === 'include' || (call.credentials === 'same-origin' && url.origin === page.origin);
  const cookieOptions = { http: true, sameSiteContext: siteOf(url) === siteOf(page) ? 'strict' : 'none' };
  if (withCookies) {
    const cookie = withRealDate(() => profile.jar.getCookieStringSync(url.href, cookieOptions));
    if (cookie) headers.set('cookie', cookie);
  }
  // A reload ends the old page's requests, as a browser does, and nothing they answer
  // reaches the profile's cookies.
  const signal = call.signal ? AbortSignal.any([call.signal, t.signal]) : t.signal;
  const sent = await nativeFetch(url, {
    method: call.method,
    headers,
    body: call.body,
    duplex: call.body === undefined ? undefined : 'half', // a streamed upload needs it, as in a browser
    signal,
    redirect: call.redirect,
  });
  if (withCookies && !t.signal.aborted) {
    for (const c of sent.headers.getSetCookie()) {
      withRealDate(() => profile.jar.setCookieSync(c, url.href, { ...cookieOptions, ignoreError: true }));
    }
  }
  const out = new Headers(sent.headers);
  out.delete('set-cookie'); // a forbidden response header: never readable by the page
  const nullBody = [101, 103, 204, 205, 304].includes(sent.status);
  const response = new Response(nullBody ? null : sent.body, { status: sent.status, statusText: sent.statusText, headers: out });
  Object.defineProperty(response, 'url', { value: sent.url });
  Object.defineProperty(response, 'redirected', { value: sent.redirected });
  return response;
}

// callOf reads fetch's arguments as the page meant them. A body the caller gave in init
// goes as it is (a string keeps its Content-Length, a FormData its boundary, a stream is
// sent chunked); a Request's body (ky and openapi-fetch hand over a Request) is read
// whole, as a browser would send a Request built from a string.
async function callOf(input, init, pageURL) {
  if (input instanceof Request) {
    const req = init ? new Request(input, init) : input;
    const body = req.body === null ? undefined : await req.arrayBuffer();
    return { url: req.url, method: req.method, headers: req.headers, credentials: req.credentials, signal: req.signal, redirect: req.redirect, body };
  }
  const o = init ?? {};
  return {
    url: new URL(String(input?.href ?? input), pageURL).href,
    method: String(o.method ?? 'GET').toUpperCase(),
    headers: o.headers,
    credentials: o.credentials ?? 'same-origin',
    signal: o.signal ?? undefined,
    redirect: o.redirect ?? 'follow',
    body: o.body === null ? undefined : o.body,
  };
}

// installTimers makes the page clock's timers Node-shaped and tab-aware: a callback runs
// as the tab that set it, and the handle answers unref/ref/hasRef/refresh as Node code
// expects. Node's own modules keep the real timers: the fetch they implement (undici)
// arms connection and keep-alive timeouts with the global setTimeout, and a page clock
// ticked by minutes must not fire those, just as it cannot in a browser.
function installTimers() {
  const fake = { setTimeout: globalThis.setTimeout, setInterval: globalThis.setInterval, clear: globalThis.clearTimeout };
  const native = nodeTimers;
  class Handle {
    constructor(arm) {
      this.arm = arm;
      this.id = arm();
    }
    unref() {
      return this;
    }
    ref() {
      return this;
    }
    hasRef() {
      return true;
    }
    refresh() {
      fake.clear(this.id);
      this.id = this.arm();
      return this;
    }
    [Symbol.toPrimitive]() {
      return this.id;
    }
  }
  const fromNode = (caller) => {
    const probe = {};
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 1;
    Error.captureStackTrace(probe, caller);
    Error.stackTraceLimit = limit;
    return /\(node:|at node:/.test(probe.stack ?? '');
  };
  const bind = (fn) => (typeof fn === 'function' ? AsyncResource.bind(fn) : fn);
  // owned registers a page timer with the tab that set it (a reload clears them).
  const owned = (h, once) => {
    const t = current.getStore();
    if (!t) return h;
    t.timers.add(h);
    if (once) h.done = () => t.timers.delete(h);
    return h;
  };
  globalThis.setTimeout = function setTimeout(fn, ms, ...args) {
    if (fromNode(setTimeout)) return native.setTimeout(fn, ms, ...args);
    const bound = bind(fn);
    let h = null;
    const run = typeof bound === 'function' ? (...a) => (h?.done?.(), bound(...a)) : bound;
    h = owned(new Handle(() => fake.setTimeout(run, ms, ...args)), true);
    return h;
  };
  globalThis.setInterval = function setInterval(fn, ms, ...args) {
    if (fromNode(setInterval)) return native.setInterval(fn, ms, ...args);
    const bound = bind(fn);
    return owned(new Handle(() => fake.setInterval(bound, ms, ...args)), false);
  };
  // util.promisify(setTimeout), as Node's own setTimeout offers it: on the page clock.
  globalThis.setTimeout[promisify.custom] = (ms, value) => new Promise((resolve) => globalThis.setTimeout(resolve, ms, value));
  const clear = (h) => {
    if (h instanceof Handle) {
      fake.clear(h.id);
      h.done?.();
    } else if (typeof h === 'number') fake.clear(h);
    else if (h) nodeTimers.clearTimeout(h); // a native timer (Node's own, or set before)
  };
  globalThis.clearTimeout = clear;
  globalThis.clearInterval = clear;
}

// makeBroadcastChannel is BroadcastChannel within one profile: a message reaches the
// other open channels of that name in any tab of the profile, each handler run as its
// tab, a task later, as a browser delivers it.
function makeBroadcastChannel(needTab) {
  return class BroadcastChannel extends EventTarget {
    constructor(name) {
      super();
      this.name = String(name);
      this.onmessage = null;
      this.tab = needTab();
      const { channels } = this.tab.profile;
      if (!channels.has(this.name)) channels.set(this.name, new Set());
      channels.get(this.name).add(this);
      this.closeFn = () => this.close();
      this.tab.closers.add(this.closeFn);
    }
    postMessage(data) {
      if (this.closed) throw new DOMException('the channel is closed', 'InvalidStateError');
      const copy = structuredClone(data);
      for (const other of this.tab.profile.channels.get(this.name) ?? []) {
        if (other === this) continue;
        setImmediate(() => {
          if (other.closed) return;
          const event = new MessageEvent('message', { data: copy });
          current.run(other.tab, () => {
            try {
              other.onmessage?.call(other, event);
            } catch (err) {
              console.error('[kit] a BroadcastChannel handler threw:', err?.stack ?? err);
            }
            other.dispatchEvent(event); // EventTarget reports a throwing listener itself
          });
        });
      }
    }
    close() {
      this.closed = true;
      this.tab.profile.channels.get(this.name)?.delete(this);
      this.tab.closers.delete(this.closeFn);
    }
  };
}

// makeXMLHttpRequest is XMLHttpRequest over pageFetch, as much of it as HTTP clients use
// (axios's xhr adapter among them): open, setRequestHeader, send, abort, timeout,
// withCredentials, responseType, the response headers, and the on* and
// addEventListener events readystatechange, load, error, abort, timeout, loadend.
function makeXMLHttpRequest(needTab) {
  const events = ['readystatechange', 'loadstart', 'progress', 'load', 'error', 'abort', 'timeout', 'loadend'];
  class XMLHttpRequest extends EventTarget {
    constructor() {
      super();
      for (const e of events) this[`on${e}`] = null;
      this.upload = new EventTarget();
      this.readyState = 0;
      this.status = 0;
      this.statusText = '';
      this.response = null;
      this.responseText = '';
      this.responseType = '';
      this.responseURL = '';
      this.timeout = 0;
      this.withCredentials = false;
      this._headers = new Headers();
      this._responseHeaders = new Headers();
    }
    open(method, url) {
      this._method = String(method).toUpperCase();
      this._url = String(url);
      this._headers = new Headers();
      this._setState(1);
    }
    setRequestHeader(name, value) {
      this._headers.append(name, value);
    }
    overrideMimeType() {}
    getResponseHeader(name) {
      return this.readyState >= 2 ? this._responseHeaders.get(name) : null;
    }
    getAllResponseHeaders() {
      if (this.readyState < 2) return '';
      let all = '';
      for (const [k, v] of this._responseHeaders) all += `${k}: ${v}\r\n`;
      return all;
    }
    send(body) {
      const tab = needTab();
      this._abort = new AbortController();
      let timer = null;
      if (this.timeout > 0) {
        // A real-time bound, as a browser's XHR timeout is: the page clock does not move it.
        timer = nativeSetTimeout(() => this._abort.abort(new DOMException('timeout', 'TimeoutError')), this.timeout);
      }
      const noBody = this._method === 'GET' || this._method === 'HEAD' || body === undefined || body === null;
      this._fire('loadstart');
      pageFetch(tab, new URL(this._url, `${tab.profile.pageOrigin}/`), {
        method: this._method,
        headers: this._headers,
        body: noBody ? undefined : body,
        credentials: this.withCredentials ? 'include' : 'same-origin',
        signal: this._abort.signal,
      })
        .then(async (res) => {
          this.status = res.status;
          this.statusText = res.statusText;
          this.responseURL = res.url;
          this._responseHeaders = res.headers;
          this._setState(2);
          this._setState(3);
          const type = this.responseType;
          if (type === 'arraybuffer') this.response = await res.arrayBuffer();
          else if (type === 'blob') this.response = await res.blob();
          else {
            const text = await res.text();
            if (type === 'json') {
              try {
                this.response = JSON.parse(text);
              } catch {
                this.response = null;
              }
            } else {
              this.responseText = text;
              this.response = text;
            }
          }
          nativeClearTimeout(timer);
          this._setState(4);
          this._fire('load');
          this._fire('loadend');
        })
        .catch((err) => {
          nativeClearTimeout(timer);
          const reason = this._abort.signal.reason;
          const kind = this._aborted ? 'abort' : reason?.name === 'TimeoutError' ? 'timeout' : 'error';
          this.status = 0;
          this._setState(4);
          this._fire(kind, kind === 'error' ? err : undefined);
          this._fire('loadend');
        });
    }
    abort() {
      if (!this._abort || this.readyState === 4) return;
      this._aborted = true;
      this._abort.abort(new DOMException('aborted', 'AbortError'));
    }
    _setState(state) {
      this.readyState = state;
      this._fire('readystatechange');
    }
    _fire(type, err) {
      const event = new Event(type);
      if (err) Object.defineProperty(event, 'message', { value: `${err.cause?.code ?? err.name}: ${err.cause?.message ?? err.message}` });
      this[`on${type}`]?.call(this, event);
      this.dispatchEvent(event);
    }
  }
  for (const [i, s] of ['UNSENT', 'OPENED', 'HEADERS_RECEIVED', 'LOADING', 'DONE'].entries()) XMLHttpRequest[s] = i;
  return XMLHttpRequest;
}
