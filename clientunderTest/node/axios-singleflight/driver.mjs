// axios-singleflight is the seed tutorial's client fixed to satisfy the whole retry
// contract (RC1–RC14 in the scenario catalog). It is written as what we would tell the
// tutorial's readers to write instead: the same `api` instance and interceptors, plus
// a little session state. Everything here also works unchanged in a browser, except
// the cookie jar, which the browser provides.
//
// Tabs (feature instances): the tabs of one browser profile share the cookie jar, and
// with it the one refresh cookie. Each tab has its own in-memory access token and its
// own single flight, so two tabs can meet an expiry together; with rotation, the second
// refresh must not present the cookie the first one just spent. So every refresh (and
// login, which stores a new cookie) runs under the profile-wide lock 'refresh'
// (navigator.locks.request in a browser): a tab that wants to refresh while another
// tab refreshes waits, then presents whatever cookie the jar holds by then — the
// rotated one — and gets its own access token (RC19). A login, a logout or a session
// that ended in one tab is noted in localStorage ('tokenclock.session'), and the other
// tabs' `storage` listeners drop their in-memory session: after a logout they stop
// sending the old token and stop refreshing, and after a new login they refresh into
// the new session on their next call.
//
// Run: node clientunderTest/node/axios-singleflight/driver.mjs (speaks driver protocol v1).

import axios from 'axios';
import { wrapper } from 'axios-cookiejar-support';
import { CookieJar } from 'tough-cookie';
import { INSTANCE_HEADER, runDriver } from '../lib/driver-loop.mjs';
import { createLocks, createStorage } from '../lib/browser-profile.mjs';
import { toAxiosConfig } from '../lib/axios-call.mjs';

// The auth endpoints are never intercepted: a 401 from refresh is final (RC6), and a
// 401 from login or register is a credential error, not an expiry (RC14). They also
// never wait for a running refresh (the refresh would be waiting for itself).
const AUTH_PATHS = new Set(['/auth/refresh', '/auth/login', '/auth/register', '/auth/logout']);
const isAuthCall = (url = '') => AUTH_PATHS.has(url.split('?')[0]);

// SessionEnded rejects a refresh whose session was ended (logout, new login) while it
// was in flight: its tokens belong to a dead session and are thrown away (RC13).
class SessionEnded extends Error {}

// SESSION_KEY is the localStorage key naming the live session (a random id, never a
// token): present while logged in, replaced by each login, removed when the session
// ends. Its changes are how the other tabs learn of a login or logout.
const SESSION_KEY = 'tokenclock.session';
// REFRESH_LOCK is the Web Lock every tab takes around a refresh and a login.
const REFRESH_LOCK = 'tokenclock.refresh';

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

function createClient({ baseURL, signal, persisted, instance }) {
  // What the tabs of a browser profile share, and what a reload keeps: the cookie
  // store (holding the HttpOnly refresh cookie), localStorage (the session marker) and
  // navigator.locks. The access token is memory only, per tab.
  const jar = (persisted.jar ??= new CookieJar());
  const storage = (persisted.storage ??= createStorage()).openTab(signal); // window.localStorage
  const locks = (persisted.locks ??= createLocks()); // navigator.locks
  const api = wrapper(
    axios.create({
      baseURL: baseURL + '/api',
      withCredentials: true, // send and store the refresh cookie; every rotation is kept (RC8)
      // driver plumbing: the instance (tab) number goes with every request, for the journal
      headers: { 'Content-Type': 'application/json', [INSTANCE_HEADER]: String(instance) },
      jar,
      signal, // driver plumbing: init aborts this client's in-flight work
      proxy: false, // the fake server is on loopback; never route it through a proxy
    }),
  );

  // Session state, in memory only, like the tutorial's setStoredAccessToken.
  let accessToken = null;
  let loggedIn = storage.getItem(SESSION_KEY) !== null; // false before login, after logout and after a terminal refresh failure (in any tab)
  let epoch = 0; // bumped by login and logout (in any tab): work of an older session is ignored
  let refreshing = null; // this tab's one refresh in flight, shared by all its callers (RC2)

  // dropSession forgets this tab's in-memory session; live says whether the profile
  // still has one (then the next call refreshes from the shared cookie).
  const dropSession = (live) => {
    epoch += 1;
    accessToken = null;
    loggedIn = live;
    refreshing = null;
  };
  const startSession = (token) => {
    dropSession(Boolean(token));
    accessToken = token;
    if (token) storage.setItem(SESSION_KEY, crypto.randomUUID());
    else storage.removeItem(SESSION_KEY);
  };
  const endSession = () => {
    dropSession(false);
    storage.removeItem(SESSION_KEY);
  };
  // Another tab logged in, logged out or saw the session end: whatever token this tab
  // holds belongs to a session that is over or replaced (RC13).
  storage.onStorage((e) => {
    if (e.key === SESSION_KEY) dropSession(e.newValue !== null);
  });

  // refreshOnce starts a refresh, or joins the one already running in this tab (single
  // flight, RC2). Everyone waiting on it settles together: with the new token, or with
  // the refresh's own error (RC7) — a 401 ends the session (RC10), anything else keeps
  // it (RC11). Across tabs, the refresh lock serialises the refreshes (RC19): the
  // cookie is read from the jar when the refresh goes out, after the lock is granted,
  // so it is the one the previous holder's refresh rotated in.
  const refreshOnce = () => {
    if (refreshing) return refreshing;
    const myEpoch = epoch;
    const p = (async () => {
      try {
        // The lock is dropped if this tab goes away (reload) while it waits or holds it.
        await locks.request(REFRESH_LOCK, { signal }, async () => {
          // The session ended (here or in another tab) while we waited: nothing to refresh.
          if (myEpoch !== epoch) throw new SessionEnded('session ended before the refresh started');
          try {
            const res = await api.post('/auth/refresh');
            if (myEpoch !== epoch) throw new SessionEnded('session ended during the refresh');
            accessToken = res.data.accessToken;
          } catch (err) {
            if (err instanceof SessionEnded) {
              // The late response set a cookie of the dead session. A browser cannot touch
              // an HttpOnly cookie, but the server revoked that family at logout; here we
              // also drop it so no later request even presents it (RC13) — unless a new
              // login has stored its own cookie since. Still under the lock, so no login
              // can store its cookie in between.
              if (!loggedIn) await jar.removeAllCookies();
            } else if (myEpoch === epoch && err.response?.status === 401) {
              endSession(); // terminal, for every tab: no refresh until the next login (RC10)
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
      // A refresh of an older session still in flight (in any tab) would store its
      // rotated cookie over ours when it lands: log in under the refresh lock, after it.
      const res = await locks.request(REFRESH_LOCK, { signal }, () => api.post('/auth/login', { email, password }));
      startSession(res.data?.accessToken ?? null);
      return res;
    },
    request(call) {
      return api.request(toAxiosConfig(call, baseURL));
    },
    async logout() {
      // End the session first: a refresh that completes after this point is discarded,
      // and nothing sent from now on carries this session's access token (RC13) — in
      // this tab, and, through the storage event, in every other tab of the profile.
      endSession();
      return api.post('/auth/logout');
    },
  };
}

runDriver({
  name: 'axios-singleflight',
  version: `axios ${axios.VERSION}`,
  features: ['cancel', 'restart', 'instances'],
  createClient,
});
