// axios-singleflight is the seed tutorial's client fixed to satisfy the whole retry
// contract (RC1–RC14 in the scenario catalog). It is written as what we would tell the
// tutorial's readers to write instead: the same `api` instance and interceptors, plus
// a little session state. Everything here also works unchanged in a browser, except
// the cookie jar, which the browser provides.
//
// Run: node clientunderTest/node/axios-singleflight/driver.mjs (speaks driver protocol v1).

import axios from 'axios';
import { wrapper } from 'axios-cookiejar-support';
import { CookieJar } from 'tough-cookie';
import { runDriver } from '../lib/driver-loop.mjs';
import { toAxiosConfig } from '../lib/axios-call.mjs';

// The auth endpoints are never intercepted: a 401 from refresh is final (RC6), and a
// 401 from login or register is a credential error, not an expiry (RC14). They also
// never wait for a running refresh (the refresh would be waiting for itself).
const AUTH_PATHS = new Set(['/auth/refresh', '/auth/login', '/auth/register', '/auth/logout']);
const isAuthCall = (url = '') => AUTH_PATHS.has(url.split('?')[0]);

// SessionEnded rejects a refresh whose session was ended (logout, new login) while it
// was in flight: its tokens belong to a dead session and are thrown away (RC13).
class SessionEnded extends Error {}

// abortable waits for promise unless signal (the caller's cancel) aborts first: a
// caller that gives up is answered at once, while the shared refresh it waits for
// goes on for everyone else (RC16).
function abortable(promise, signal) {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new axios.CanceledError('cancelled by the caller'));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new axios.CanceledError('cancelled by the caller'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function createClient({ baseURL, signal, persisted }) {
  // What a browser keeps across a reload: the cookie store (holding the HttpOnly
  // refresh cookie) and a "logged in" flag in storage. The access token is memory only.
  const jar = (persisted.jar ??= new CookieJar());
  const api = wrapper(
    axios.create({
      baseURL: baseURL + '/api',
      withCredentials: true, // send and store the refresh cookie; every rotation is kept (RC8)
      headers: { 'Content-Type': 'application/json' },
      jar,
      signal, // driver plumbing: init aborts this client's in-flight work
      proxy: false, // the fake server is on loopback; never route it through a proxy
    }),
  );

  // Session state, in memory only, like the tutorial's setStoredAccessToken.
  let accessToken = null;
  let loggedIn = Boolean(persisted.loggedIn); // false before login, after logout and after a terminal refresh failure
  let epoch = 0; // bumped by login and logout: work of an older session is ignored
  let refreshing = null; // the one refresh in flight, shared by everyone (RC2)
  const inFlightRefreshes = new Set(); // including refreshes of ended sessions

  const startSession = (token) => {
    epoch += 1;
    accessToken = token;
    loggedIn = persisted.loggedIn = Boolean(token);
    refreshing = null;
  };
  const endSession = () => {
    epoch += 1;
    accessToken = null;
    loggedIn = persisted.loggedIn = false;
    refreshing = null;
  };

  // refreshOnce starts a refresh, or joins the one already running (single flight, RC2).
  // Everyone waiting on it settles together: with the new token, or with the refresh's
  // own error (RC7) — a 401 ends the session (RC10), anything else keeps it (RC11).
  const refreshOnce = () => {
    if (refreshing) return refreshing;
    const myEpoch = epoch;
    const p = (async () => {
      try {
        const res = await api.post('/auth/refresh');
        if (myEpoch !== epoch) throw new SessionEnded('session ended during the refresh');
        accessToken = res.data.accessToken;
      } catch (err) {
        if (err instanceof SessionEnded) {
          // The late response set a cookie of the dead session. A browser cannot touch an
          // HttpOnly cookie, but the server revoked that family at logout; here we also
          // drop it so no later request even presents it (RC13) — unless a new login
          // has stored its own cookie since.
          if (!loggedIn) await jar.removeAllCookies();
        } else if (myEpoch === epoch && err.response?.status === 401) {
          endSession(); // terminal: no refresh until the next login (RC10)
        }
        throw err;
      } finally {
        if (refreshing === p) refreshing = null;
      }
    })();
    refreshing = p;
    inFlightRefreshes.add(p);
    p.catch(() => {}).finally(() => inFlightRefreshes.delete(p));
    return p;
  };

  // Request interceptor: wait for a running refresh before sending, so a request
  // started during a refresh goes out with its result (RC12), then attach the current
  // token. Remember which token and session this send used (for RC9 and RC13).
  api.interceptors.request.use(async (config) => {
    if (isAuthCall(config.url)) return config;
    if (refreshing) await abortable(refreshing.catch(() => {}), config.signal);
    if (accessToken) {
      config.headers.Authorization = `Bearer ${accessToken}`; // replaces, never adds (RC4)
    } else {
      delete config.headers.Authorization; // a dead session's token is never sent (RC7, RC13)
    }
    config._sentWith = accessToken;
    config._epoch = epoch;
    return config;
  });

  api.interceptors.response.use(
    (res) => res,
    async (error) => {
      const config = error.config;
      // Only a 401 from a protected resource means "token expired" (RC1, RC6, RC14);
      // and a request is replayed at most once (RC3).
      if (!config || error.response?.status !== 401 || config._retry || isAuthCall(config.url)) {
        throw error;
      }
      // No live session, or the session changed while this request was out: not ours
      // to refresh (RC10, RC13).
      if (!loggedIn || config._epoch !== epoch) throw error;
      config._retry = true;

      // Sent with an older token than the one held now: someone already refreshed.
      // Replay with the current token, no new refresh (RC9).
      if (config._sentWith !== accessToken) return api(config);

      try {
        await abortable(refreshOnce(), config.signal);
      } catch (err) {
        // A refresh that landed after logout is discarded: the caller sees its 401.
        if (err instanceof SessionEnded) throw error;
        // Otherwise the caller sees the refresh's failure: 401 when the session is
        // over, or the 5xx / network error that left it alive (RC7, RC11).
        throw err;
      }
      // Replay the same config: same method, URL and already-serialised body (RC5); the
      // request interceptor sets exactly one Authorization header with the new token (RC4).
      return api(config);
    },
  );

  return {
    async login(email, password) {
      // A refresh of an older session still in flight would store its rotated cookie
      // over ours when it lands: let it land first.
      await Promise.allSettled([...inFlightRefreshes]);
      const res = await api.post('/auth/login', { email, password });
      startSession(res.data?.accessToken ?? null);
      return res;
    },
    request(call) {
      return api.request(toAxiosConfig(call, baseURL));
    },
    async logout() {
      // End the session first: a refresh that completes after this point is discarded,
      // and nothing sent from now on carries this session's access token (RC13).
      endSession();
      return api.post('/auth/logout');
    },
  };
}

runDriver({
  name: 'axios-singleflight',
  version: `axios ${axios.VERSION}`,
  features: ['cancel', 'restart'],
  createClient,
});
