// adapter.mjs turns a JS adapter module's client (the API of docs/js-kit.md, the same
// one browser mode runs) into the client shape driver-loop.mjs serves: each call runs
// as the adapter's tab (web.mjs), {status, body} becomes the loop's {status, data}, and
// a subscription is watched until it is connected, or known never to be.

import { setTimeout as realSleep } from 'node:timers/promises';
import { describe, log } from './driver-loop.mjs';

/**
 * adapterClient builds instance tab's client with the adapter's createClient (which
 * may return a promise) and closes it when the tab closes (a restart, the next init).
 */
export function adapterClient(createClient, tab, baseURL, oauth2 = { profile: 'cookie' }) {
  const made = tab.run(async () => createClient({ baseURL, instance: tab.instance, storage: tab.localStorage, oauth2 }));
  made.catch((err) => log(`createClient failed on instance ${tab.instance}:`, describe(err)));
  tab.signal.addEventListener(
    'abort',
    () => made.then((c) => tab.run(() => c.close?.())).catch((err) => log('close failed:', describe(err))),
    { once: true },
  );
  const call = (fn) => made.then((c) => tab.run(() => fn(c))).then(asLoopResponse);
  return {
    login: (email, password) => call((c) => c.login(email, password)),
    // call: method, path, body, headers, signal, and bodyKind, size, seed (feature bodies).
    request: (callArgs) => call((c) => c.request({ ...callArgs, signal: tabSignal(tab, callArgs.signal) })),
    logout: () => call((c) => c.logout()),
    subscribe: ({ path }) => subscription(made, tab, path),
  };
}

// tabSignal is the call's signal as the adapter's tab sees it: the loop aborts a call
// from outside any tab, and a listener the adapter put on the signal must run as its
// tab (its fetches carry its instance header, its storage writes reach the other tabs).
function tabSignal(tab, signal) {
  if (!signal) return signal;
  const own = new AbortController();
  if (signal.aborted) own.abort(signal.reason);
  else signal.addEventListener('abort', () => tab.run(() => own.abort(signal.reason)), { once: true });
  return own.signal;
}

// asLoopResponse: the adapter resolves {status, body}; the loop reads {status, data}.
// A fetch Response handed over as it is would pass for {status, body: {}}: refused
// with the fix, as an adapter mistake (code ADAPTER), not a client's outcome.
function asLoopResponse(r) {
  if (typeof Response !== 'undefined' && r instanceof Response) {
    const err = new Error('the adapter resolved a fetch Response: resolve { status, body } (read the body first, e.g. await res.json())');
    err.code = 'ADAPTER';
    throw err;
  }
  return r && Number.isInteger(r.status) ? { status: r.status, data: r.body } : r;
}

// untilClosed settles when the tab closes.
function untilClosed(tab) {
  return new Promise((resolve) => {
    if (tab.signal.aborted) resolve();
    else tab.signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

// subscription adapts the adapter's subscribe(path) → {events(), close(), ready?} to
// the loop's {ready, snapshot(), close()}.
function subscription(made, tab, path) {
  let sub = null;
  let closed = false;
  const ready = made
    .then(async (c) => {
      if (typeof c.subscribe !== 'function') return { error: 'unsupported: subscribe' };
      sub = await tab.run(() => c.subscribe(path));
      if (closed) {
        sub?.close();
        return { error: 'unsubscribed' };
      }
      if (typeof sub?.ready?.then === 'function') {
        const r = await Promise.race([sub.ready, untilClosed(tab)]);
        if (tab.signal.aborted) return { error: 'aborted' };
        if (r?.ok) return { ok: true };
        if (Number.isInteger(r?.status)) return { status: r.status, body: r.body ?? null };
        return { error: String(r?.error ?? 'no connection') };
      }
      // No ready promise: watch it until it is open or over.
      for (;;) {
        const ev = sub.events();
        if (ev.open) return { ok: true };
        if (ev.streamError) return { error: String(ev.streamError) };
        if (closed) return { error: 'unsubscribed' };
        if (tab.signal.aborted) return { error: 'aborted' }; // a reload, or the next init
        await realSleep(10);
      }
    })
    .catch((err) => ({ error: describe(err) }));
  return {
    ready,
    snapshot() {
      const ev = sub?.events() ?? { events: [], open: false };
      const gone = tab.signal.aborted; // its tab reloaded or the scenario ended
      const streamError = ev.streamError ? String(ev.streamError) : gone ? 'aborted' : '';
      return {
        events: ev.events ?? [],
        open: Boolean(ev.open) && !gone,
        ended: closed || gone || streamError !== '',
        ...(streamError ? { streamError } : {}),
      };
    },
    close() {
      closed = true;
      sub?.close();
    },
  };
}
