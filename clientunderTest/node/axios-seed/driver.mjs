// axios-seed is the seed tutorial's client ("Refresh Token When Expires"), written from
// its description on the current axios: an `api` instance, a request interceptor that
// adds the in-memory access token, and the tutorial's response interceptor verbatim.
//
// KEEP ITS BUGS. This driver exists so the harness can show what the tutorial's code
// does under token expiry: every 401 starts its own refresh (no single flight), a 401
// from login or logout starts a refresh too, a refresh failure hands the caller the
// original 401, a refresh that lands after logout still wins, and so on. Do not fix
// anything here; axios-singleflight is the fixed version.
//
// Several instances (feature instances: tabs of one browser profile) share the cookie
// jar and nothing else — the tutorial has no cross-tab coordination at all. Each tab
// has its own interceptor, so two tabs meeting an expiry together both refresh with
// the same cookie, and the second is detected as reuse (a bug kept on purpose). After
// a logout in one tab the others keep their in-memory token: there is no cross-tab
// logout signal in the tutorial.
//
// Bodies (feature bodies): the interceptor replays `error.config` as it is, so what a
// replay sends is whatever that config still holds. JSON, form and multipart bodies
// come out intact (axios serialises a FormData again on each send); a streamed body
// was consumed by the first send, and its replay goes out EMPTY — the caller is told
// 201 for an upload that lost its file (the real bug; kept).
//
// Only HTTP 401 means "expired" to the tutorial: a GraphQL server that says so with
// 200 {"errors":[{"extensions":{"code":"UNAUTHENTICATED"}}]} is handed to the caller
// as is, never refreshed (kept). The client sends no Idempotency-Key of its own; a
// header the caller gave is kept on the replay, since error.config keeps its headers.
//
// Event streams (feature sse): the app opens its stream the naive way, like an
// EventSource polyfill given headers: the Authorization header is captured when the
// subscription starts and every reconnect sends that same captured token (with
// Last-Event-ID). When a connect is refused with 401 the app's error handler calls the
// tutorial's refresh (the new token serves the app's other calls), but the stream keeps
// its captured header: once the token it started with has expired, every reconnect is
// 401 (the real bug "an SSE stream that reconnects with the token it captured at
// start"). Bounded: connects are paced by lib/event-stream.mjs (at most 3 a second,
// with a backoff), and after 5 failed connects in a row the stream gives up
// (streamError; a subscribe that never connected answers the last refusal).
//
// Run: node clientunderTest/node/axios-seed/driver.mjs (speaks driver protocol v1).

import axios from 'axios';
import { wrapper } from 'axios-cookiejar-support';
import { CookieJar } from 'tough-cookie';
import { INSTANCE_HEADER, runDriver } from '../lib/driver-loop.mjs';
import { toAxiosConfig } from '../lib/axios-call.mjs';
import { openEventStream } from '../lib/event-stream.mjs';

// GIVE_UP_AFTER is how many connects of an event stream may fail in a row before the
// app stops reconnecting (the driver's bound, so the captured-token bug cannot spin).
const GIVE_UP_AFTER = 5;

function createClient({ baseURL, signal, persisted, instance, log }) {
  // --- src/lib/axios.ts ---------------------------------------------------------
  // The browser keeps the HttpOnly refresh cookie (Path=/api/auth); here a
  // tough-cookie jar plays the browser's part, honouring Path, Max-Age and expiry.
  const api = wrapper(
    axios.create({
      baseURL: baseURL + '/api',
      withCredentials: true,
      // driver plumbing: the instance (tab) number goes with every request, for the journal
      headers: { 'Content-Type': 'application/json', [INSTANCE_HEADER]: String(instance) },
      // the browser's cookies: shared by every tab of the profile, and they survive a reload (restart)
      jar: (persisted.jar ??= new CookieJar()),
      signal, // driver plumbing: init aborts this client's in-flight work
      proxy: false, // the fake server is on loopback; never route it through a proxy
    }),
  );

  // The access token lives in memory only (setStoredAccessToken in the tutorial).
  let accessToken = null;
  const getStoredAccessToken = () => accessToken;
  const setStoredAccessToken = (token) => {
    accessToken = token;
  };

  // --- src/api/auth.ts ----------------------------------------------------------
  const refreshAccessToken = async () => {
    const res = await api.post('/auth/refresh');
    return res.data;
  };

  // Attach the token to every request when there is one.
  api.interceptors.request.use((config) => {
    const token = getStoredAccessToken();
    if (token) {
      config.headers.Authorization = `Bearer ${token}`;
    }
    return config;
  });

  // Retry once if 401 — exactly the tutorial's interceptor.
  api.interceptors.response.use(
    (res) => res,
    async (error) => {
      const originalRequest = error.config;

      if (
        error.response?.status === 401 &&
        !originalRequest._retry &&
        !originalRequest.url.includes('/auth/refresh')
      ) {
        originalRequest._retry = true;

        try {
          const { accessToken: newToken } = await refreshAccessToken();
          setStoredAccessToken(newToken);
          originalRequest.headers.Authorization = `Bearer ${newToken}`;
          return api(originalRequest);
        } catch (err) {
          // The tutorial logs the whole error; its message is enough (and leaks no tokens).
          console.error('Refresh token failed', err?.message);
        }
      }

      return Promise.reject(error);
    },
  );

  // --- the application code the harness drives ----------------------------------
  return {
    async login(email, password) {
      const res = await api.post('/auth/login', { email, password });
      setStoredAccessToken(res.data?.accessToken ?? null);
      return res;
    },
    request(call) {
      return api.request(toAxiosConfig(call, baseURL));
    },
    async logout() {
      const res = await api.post('/auth/logout');
      setStoredAccessToken(null);
      return res;
    },
    // The app's live updates: an EventSource-like stream whose headers are fixed when
    // it is opened — the token of that moment, captured for every reconnect.
    subscribe({ path }) {
      const token = getStoredAccessToken();
      const headers = {
        Accept: 'text/event-stream',
        [INSTANCE_HEADER]: String(instance), // driver plumbing, for the journal
        ...(token && { Authorization: `Bearer ${token}` }),
      };
      return openEventStream({
        signal,
        log,
        // Not through `api`: the stream sends the headers it was opened with.
        connect: ({ lastEventId, signal: connectSignal }) =>
          axios.get(baseURL + path, {
            headers: lastEventId === null ? headers : { ...headers, 'Last-Event-ID': lastEventId },
            responseType: 'stream',
            signal: connectSignal,
            proxy: false,
          }),
        // onerror: "the token expired? refresh it" — for the rest of the app only.
        retry: async (error, { failures }) => {
          if (error.response?.status === 401) {
            try {
              const { accessToken: newToken } = await refreshAccessToken();
              setStoredAccessToken(newToken);
            } catch (err) {
              console.error('Refresh token failed', err?.message);
            }
          }
          return failures < GIVE_UP_AFTER;
        },
      });
    },
  };
}

runDriver({
  name: 'axios-seed-interceptor',
  version: `axios ${axios.VERSION}`,
  // the loop's plumbing: the caller's signal reaches axios; the jar survives a reload and
  // is shared by the instances (tabs); bodies and event streams as described above
  features: ['cancel', 'restart', 'instances', 'bodies', 'sse'],
  createClient,
});
