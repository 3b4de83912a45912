// axios-singleflight is the seed tutorial's client fixed to satisfy the whole retry
// contract, as a JS adapter module: it runs in a browser page (browser mode) and under
// Node through the JS kit (../kit/run.mjs), which supplies the same browser parts —
// the cookie store (HttpOnly refresh cookie, sent with `withCredentials`),
// `localStorage` and its `storage` event across tabs, and `navigator.locks`.
//
// In short: one refresh in flight per tab, shared by every caller (RC2), serialised
// across tabs by the Web Lock 'tokenclock.refresh' so a second tab presents the rotated
// cookie (RC19); a request started during a refresh waits for it (RC12); a request sent
// with an older token replays without a new refresh (RC9); a 401 from refresh ends the
// session in every tab (RC10) and any other refresh failure goes to the caller as it
// is (RC11); a refresh or replay that lands after logout is thrown away (RC13, RC17); a
// GraphQL 200 UNAUTHENTICATED is a 401 (RC1); every POST carries one Idempotency-Key,
// kept on its replay (RC15, RC20); a cancelled caller is answered at once while the
// shared refresh goes on (RC16); a token is renewed early, once, after three quarters
// of the lifetime the server gave (expiresIn), counted on the page's own clock with a
// timer — so a skewed device clock changes nothing (RC2, RC18) — and a call made when
// that time has passed without the timer running (a laptop waking from sleep) joins
// or starts that refresh before it goes out, as the Go reference client does.
//
// Event streams (feature sse, RC21): each connect is a call through `api` with axios's
// fetch adapter (a streamed body), so it carries the current token, waits for a
// refresh in flight, and a 401 gets the interceptor's one refresh and one reconnect;
// ../lib/event-stream.mjs reads the stream and reconnects with Last-Event-ID, paced.
// A 401 that comes out of the interceptor (the session is over) ends the stream.

import axios from 'axios';
import { outcome, toAxiosConfig } from './lib/axios-call.mjs';
import { openEventStream } from './lib/event-stream.mjs';

export const name = 'axios-singleflight';
export const version = `axios ${axios.VERSION}`;
export const features = ['bodies', 'sse'];

// The auth endpoints are never intercepted and never wait for a refresh.
const AUTH_PATHS = new Set(['/auth/refresh', '/auth/login', '/auth/register', '/auth/logout']);
const isAuthCall = (url = '') => AUTH_PATHS.has(url.split('?')[0]);

const GRAPHQL_PATH = '/graphql';
const isGraphQLAuthFailure = (res) =>
  res?.status === 200 &&
  new URL(res.config.url, res.config.baseURL + '/').pathname === GRAPHQL_PATH &&
  Array.isArray(res.data?.errors) &&
  res.data.errors.some((e) => e?.extensions?.code === 'UNAUTHENTICATED');

// REPLAY_COPY_LIMIT bounds the copy of a streamed body kept for its replay: 16 MiB,
// twice the fake server's upload limit.
const REPLAY_COPY_LIMIT = 16 << 20;

// copyOf reads a stream whole into one Uint8Array, or null past REPLAY_COPY_LIMIT.
async function copyOf(stream) {
  const chunks = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.byteLength;
    if (size > REPLAY_COPY_LIMIT) {
      await stream.cancel?.().catch(() => {});
      return null;
    }
    chunks.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) out.set(c, (at += c.byteLength) - c.byteLength);
  return out;
}

// SessionEnded rejects a refresh whose session ended (logout, new login) meanwhile.
class SessionEnded extends Error {}

// SESSION_KEY names the live session in localStorage (a random id, never a token).
const SESSION_KEY = 'tokenclock.session';
const REFRESH_LOCK = 'tokenclock.refresh';

// abortable waits for promise unless the caller's signal aborts first (RC16).
function abortable(promise, signal) {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new axios.CanceledError('cancelled by the caller'));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new axios.CanceledError('cancelled by the caller'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export default function createClient(env) {
  return createSingleFlightClient(env, { withCredentials: true });
}

// createSingleFlightClient builds the client; withCredentials false is the one bug of
// ./axios-no-credentials.mjs.
export function createSingleFlightClient({ baseURL, storage }, { withCredentials }) {
  // No default Content-Type: each call sets its own (toAxiosConfig), and a default JSON
  // one would make axios serialise a FormData replay as JSON in a browser.
  const api = axios.create({
    baseURL: baseURL + '/api',
    withCredentials, // true: send and store the refresh cookie, across origins too
  });

  const life = new AbortController(); // this page's client: aborted by close()
  let accessToken = null;
  let loggedIn = storage.getItem(SESSION_KEY) !== null;
  let epoch = 0;
  let refreshing = null;
  // The early refresh of the current token: when it is due (wall clock, ms) and its timer.
  let renewAt = null;
  let renewTimer = null;

  // setToken makes token the current one and schedules its early refresh.
  const setToken = (token, expiresIn) => {
    accessToken = token;
    clearTimeout(renewTimer);
    renewAt = renewTimer = null;
    if (!token || !(expiresIn > 0)) return;
    const after = expiresIn * 750; // three quarters of the lifetime, in ms
    renewAt = Date.now() + after;
    renewTimer = setTimeout(() => {
      renewTimer = null;
      // Only for the token it was set for, and only if nothing renews it already.
      if (accessToken === token && !refreshing && loggedIn) refreshOnce().catch(() => {});
    }, after);
  };

  const dropSession = (live) => {
    epoch += 1;
    setToken(null);
    loggedIn = live;
    refreshing = null;
  };
  const startSession = (token, expiresIn) => {
    dropSession(Boolean(token));
    setToken(token, expiresIn);
    if (token) storage.setItem(SESSION_KEY, crypto.randomUUID());
    else storage.removeItem(SESSION_KEY);
  };
  const endSession = () => {
    dropSession(false);
    storage.removeItem(SESSION_KEY);
  };
  // Another tab logged in, logged out or saw the session end. (A real browser delivers
  // this event a moment after the other tab's write.) A login while this tab had no
  // session invalidates nothing of ours: calls it sent without a token may still
  // refresh into the new session.
  const onStorage = (e) => {
    if (e.key !== SESSION_KEY) return;
    if (e.oldValue === null && e.newValue !== null && accessToken === null && !refreshing) {
      loggedIn = true;
      return;
    }
    dropSession(e.newValue !== null);
  };
  window.addEventListener('storage', onStorage);

  const refreshOnce = () => {
    if (refreshing) return refreshing;
    const myEpoch = epoch;
    const p = (async () => {
      try {
        await navigator.locks.request(REFRESH_LOCK, async () => {
          if (myEpoch !== epoch) throw new SessionEnded('session ended before the refresh started');
          try {
            const res = await api.post('/auth/refresh');
            if (myEpoch !== epoch) throw new SessionEnded('session ended during the refresh');
            setToken(res.data.accessToken, res.data.expiresIn);
          } catch (err) {
            if (err instanceof SessionEnded) {
              // The late answer stored a rotated cookie of the dead session, which the
              // page cannot delete (HttpOnly) and the browser would send with every call
              // under its Path. Log out again: the server's answer clears the cookie
              // (RC13). Still under the lock, so no login can store its cookie meanwhile.
              if (!loggedIn) await api.post('/auth/logout').catch(() => {});
            } else if (myEpoch === epoch && err.response?.status === 401) {
              endSession(); // terminal, for every tab (RC10)
            }
            throw err;
          }
        });
      } finally {
        if (refreshing === p) refreshing = null;
      }
    })();
    refreshing = p;
    return p;
  };

  api.interceptors.request.use(async (config) => {
    if (isAuthCall(config.url)) return config;
    if (config.method?.toLowerCase() === 'post' && !config.headers.has('Idempotency-Key')) {
      config.headers.set('Idempotency-Key', crypto.randomUUID());
    }
    // Due for its early refresh with the timer not run yet (a laptop waking from sleep):
    // renew first, once, shared with every other call.
    if (!refreshing && accessToken && loggedIn && renewAt !== null && Date.now() >= renewAt) {
      refreshOnce().catch(() => {});
    }
    if (refreshing) await abortable(refreshing.catch(() => {}), config.signal);
    if (accessToken) config.headers.Authorization = `Bearer ${accessToken}`;
    else delete config.headers.Authorization;
    config._sentWith = accessToken;
    config._epoch = epoch;
    // A streamed body can be read once (RC5): send one branch, keep the other's bytes
    // for a replay — at most REPLAY_COPY_LIMIT of them.
    if (config.data instanceof ReadableStream && !config._copy) {
      const [send, keep] = config.data.tee();
      config.data = send;
      config._copy = copyOf(keep);
      config._copy.catch(() => {});
    }
    return config;
  });

  const recover = async (config, answer, thrown) => {
    const giveUp = () => {
      if (thrown) throw answer;
      return answer;
    };
    if (!config || config._retry || isAuthCall(config.url)) return giveUp();
    // The profile's storage says whether a session is live, before this tab's storage
    // event may have told it: another tab may have just logged in.
    if (!loggedIn && storage.getItem(SESSION_KEY) !== null) loggedIn = true;
    if (!loggedIn || config._epoch !== epoch) return giveUp();
    config._retry = true;
    if (config._copy) {
      // A streamed body is replayed from its copy, or not at all.
      const copy = await config._copy.catch(() => null);
      if (copy === null) return giveUp();
      config.data = copy;
    }
    if (config._sentWith !== accessToken) return api(config); // someone already refreshed (RC9)
    try {
      await abortable(refreshOnce(), config.signal);
    } catch (err) {
      if (err instanceof SessionEnded) return giveUp();
      throw err; // the refresh's own failure (RC7, RC11)
    }
    return api(config);
  };

  api.interceptors.response.use(
    (res) => (isGraphQLAuthFailure(res) ? recover(res.config, res, false) : res),
    (error) => (error.response?.status === 401 ? recover(error.config, error, true) : Promise.reject(error)),
  );

  return {
    async login(email, password) {
      // After any refresh of an older session still in flight in any tab (its rotated
      // cookie would land over ours).
      return outcome(
        navigator.locks.request(REFRESH_LOCK, () => api.post('/auth/login', { email, password })).then((res) => {
          startSession(res.data?.accessToken ?? null, res.data?.expiresIn);
          return res;
        }),
      );
    },
    request: (call) => outcome(api.request(toAxiosConfig(call, baseURL))),
    async logout() {
      endSession(); // first: a refresh that completes after this is discarded (RC13)
      return outcome(api.post('/auth/logout'));
    },
    subscribe(path) {
      const sub = openEventStream({
        signal: life.signal,
        log: (...a) => console.error(...a),
        connect: ({ lastEventId, signal }) => {
          const headers = { Accept: 'text/event-stream' };
          if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
          const config = toAxiosConfig({ method: 'GET', path, headers, signal }, baseURL);
          config.responseType = 'stream';
          config.adapter = 'fetch'; // XMLHttpRequest cannot stream a body
          return api.request(config);
        },
        retry: (error, { connected }) => connected && error.response?.status !== 401,
      });
      return { ready: sub.ready, events: sub.snapshot, close: sub.close };
    },
    close() {
      life.abort();
      window.removeEventListener('storage', onStorage);
      clearTimeout(renewTimer);
    },
  };
}
