// axios-singleflight is the seed tutorial's client fixed to satisfy the whole retry
// contract (the RC requirements of the scenario catalog). It is written as what we
// would tell the tutorial's readers to write instead: the same `api` instance and
// interceptors, plus a little session state. Everything here also works unchanged in
// a browser, except the cookie jar, which the browser provides, and the Node stream
// plumbing of streamed uploads and event streams (a browser's bodies are Blobs,
// replayable as they are, and its event stream would be read from fetch's body).
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
// Bodies (feature bodies; RC5): a replay must send the body of the first send. JSON and
// form bodies are strings and multipart bodies a FormData of Blobs: axios sends them
// again as they are (a FormData is serialised again). A streamed body can be read only
// once, so the request interceptor tees it: the stream goes out as it is (chunked)
// while its bytes are copied aside, and a replay sends the copy. When the copy is not
// whole — the answer came before the stream was read to its end, or the stream was
// larger than REPLAY_COPY_LIMIT — the body cannot be sent again, and the 401 goes to
// the caller at once, with no refresh on its behalf.
//
// GraphQL (RC1): on POST /graphql, an answer 200 {"errors":[{"extensions":{"code":
// "UNAUTHENTICATED"}}]} is the server's way of saying 401, and is handled exactly like
// one: one refresh (single flight), one replay; a replay answered that way again goes
// back to the caller as it is (200 with the errors).
//
// Idempotency (RC15, RC20): every application POST without an Idempotency-Key gets one
// (crypto.randomUUID()), once per call — the interceptor adds it to the call's config,
// and a replay sends that same config — so the server can answer a replay of a write it
// already applied with the first result. A key the caller gave is kept as it is. (The
// auth endpoints get none: login, refresh and logout are not the app's writes. From
// another origin, a browser sends the header only where the server's CORS preflight
// allows it; the fake server allows it on /api/ideas.)
//
// Event streams (feature sse): each connect is an ordinary call through `api`, so it
// carries the CURRENT access token and waits for a refresh in flight; a connect
// answered 401 goes through the same interceptor (one refresh, single flight, then one
// reconnect with the new token). When the server ends the stream, the client connects
// again with Last-Event-ID (the last id it saw), so no event is lost, paced by
// lib/event-stream.mjs (at most 3 connects a second, backoff after failures). A 401
// that comes out of the interceptor — the refresh was refused, the session is over —
// ends the stream (streamError); other failures (5xx, network) are retried. A first
// connect that fails answers subscribe with its outcome.
//
// Run: node clientunderTest/node/axios-singleflight/driver.mjs (speaks driver protocol v1).

import axios from 'axios';
import { wrapper } from 'axios-cookiejar-support';
import { CookieJar } from 'tough-cookie';
import { INSTANCE_HEADER, runDriver } from '../lib/driver-loop.mjs';
import { createLocks, createStorage } from '../lib/browser-profile.mjs';
import { pathOf, toAxiosConfig } from '../lib/axios-call.mjs';
import { openEventStream } from '../lib/event-stream.mjs';
import { Transform, pipeline } from 'node:stream';

// The auth endpoints are never intercepted: a 401 from refresh is final (RC6), and a
// 401 from login or register is a credential error, not an expiry (RC14). They also
// never wait for a running refresh (the refresh would be waiting for itself).
const AUTH_PATHS = new Set(['/auth/refresh', '/auth/login', '/auth/register', '/auth/logout']);
const isAuthCall = (url = '') => AUTH_PATHS.has(url.split('?')[0]);

// isGraphQLAuthFailure: a GraphQL answer that means 401 (see above).
const GRAPHQL_PATH = '/graphql';
const isGraphQLAuthFailure = (res) =>
  res?.status === 200 &&
  pathOf(res.config) === GRAPHQL_PATH &&
  Array.isArray(res.data?.errors) &&
  res.data.errors.some((e) => e?.extensions?.code === 'UNAUTHENTICATED');

// REPLAY_COPY_LIMIT bounds the copy of a streamed body kept for its replay: 16 MiB, twice
// the fake server's upload limit. A longer stream still goes out; it just cannot be
// replayed.
const REPLAY_COPY_LIMIT = 16 * 1024 * 1024;

// BodyCopy is the copy of a one-shot streamed body, made while it is sent (a class, so
// axios's config merge keeps it by reference).
class BodyCopy {
  chunks = [];
  size = 0;
  whole = false; // the stream was read to its end
  tooLarge = false;
}

// teeBody puts a stream through a pass-through that copies its bytes aside: the
// returned stream is what goes out, the copy is for a replay.
function teeBody(source) {
  const copy = new BodyCopy();
  const tee = new Transform({
    transform(chunk, _enc, done) {
      if (!copy.tooLarge) {
        copy.size += chunk.length;
        if (copy.size > REPLAY_COPY_LIMIT) {
          copy.tooLarge = true;
          copy.chunks = [];
        } else {
          copy.chunks.push(Buffer.from(chunk));
        }
      }
      done(null, chunk);
    },
    flush(done) {
      copy.whole = true;
      done();
    },
  });
  pipeline(source, tee, () => {}); // a source error reaches axios through tee
  return { stream: tee, copy };
}

const isStream = (data) => data !== null && typeof data === 'object' && typeof data.pipe === 'function';

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

function createClient({ baseURL, signal, persisted, instance, log }) {
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
    // Once per call, not per send: a replay comes back here with the same config.
    if (config.method?.toLowerCase() === 'post' && !config.headers.has('Idempotency-Key')) {
      config.headers.set('Idempotency-Key', crypto.randomUUID());
    }
    if (isStream(config.data) && !config._bodyCopy) {
      const { stream, copy } = teeBody(config.data);
      config.data = stream;
      config._bodyCopy = copy;
    }
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

  // recover handles an answer that means "token expired": a 401 (thrown by axios), or
  // GraphQL's UNAUTHENTICATED answer (a response). It refreshes once and replays once,
  // or hands the answer to the caller as it came: thrown if it was thrown, returned if
  // it was a response.
  const recover = async (config, answer, thrown) => {
    const giveUp = () => {
      if (thrown) throw answer;
      return answer;
    };
    // A request is replayed at most once (RC3), and the auth endpoints are never
    // intercepted (RC6, RC14).
    if (!config || config._retry || isAuthCall(config.url)) return giveUp();
    // No live session, or the session changed while this request was out: not ours
    // to refresh (RC10, RC13).
    if (!loggedIn || config._epoch !== epoch) return giveUp();
    // A streamed body that was not copied whole cannot be sent again: the caller gets
    // the 401 now, rather than a replay with a cut body (RC5).
    const copy = config._bodyCopy;
    if (copy && (!copy.whole || copy.tooLarge)) return giveUp();
    config._retry = true;

    // Sent with an older token than the one held now: someone already refreshed.
    // Replay with the current token, no new refresh (RC9).
    if (config._sentWith !== accessToken) return replay(config, answer);

    try {
      await abortable(refreshOnce(), config.signal);
    } catch (err) {
      // A refresh that landed after logout is discarded: the caller sees its answer.
      if (err instanceof SessionEnded) return giveUp();
      // Otherwise the caller sees the refresh's failure: 401 when the session is
      // over, or the 5xx / network error that left it alive (RC7, RC11).
      throw err;
    }
    return replay(config, answer);
  };

  // replay sends the same config again: same method, URL, headers (its Idempotency-Key
  // too) and body — the copy of a streamed one (RC5); the request interceptor sets
  // exactly one Authorization header with the current token (RC4).
  const replay = (config, answer) => {
    if (config._bodyCopy) config.data = Buffer.concat(config._bodyCopy.chunks);
    // The refused answer of a streamed response (an event stream's connect) is never
    // read: let its connection go.
    const refused = (answer.response ?? answer).data;
    if (config.responseType === 'stream' && isStream(refused)) refused.resume();
    return api(config);
  };

  // Only the auth-failure signal of a protected resource means "token expired": a 401,
  // or GraphQL's UNAUTHENTICATED (RC1, RC6, RC14).
  api.interceptors.response.use(
    (res) => (isGraphQLAuthFailure(res) ? recover(res.config, res, false) : res),
    (error) => (error.response?.status === 401 ? recover(error.config, error, true) : Promise.reject(error)),
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
    // The app's live updates: every connect is a call through `api` (see above).
    subscribe({ path }) {
      return openEventStream({
        signal,
        log,
        connect: ({ lastEventId, signal: connectSignal }) => {
          const headers = { Accept: 'text/event-stream' };
          if (lastEventId !== null) headers['Last-Event-ID'] = lastEventId;
          const config = toAxiosConfig({ method: 'GET', path, headers, signal: connectSignal }, baseURL);
          config.responseType = 'stream';
          return api.request(config);
        },
        // A 401 that got past the interceptor is final: the refresh was refused or the
        // session is over. A first connect's failure is the subscribe's answer. Anything
        // else (5xx, network) is a reason to try again, paced.
        retry: (error, { connected }) => connected && error.response?.status !== 401,
      });
    },
  };
}

runDriver({
  name: 'axios-singleflight',
  version: `axios ${axios.VERSION}`,
  features: ['cancel', 'restart', 'instances', 'bodies', 'sse'],
  createClient,
});
