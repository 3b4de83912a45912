// rtk-query is RTK Query's documented re-authorization (@reduxjs/toolkit 2.15.0 with
// async-mutex 0.5.0): redux-toolkit.js.org/rtk-query/usage/customizing-queries,
// "Automatic re-authorization by extending fetchBaseQuery" and its follow-up
// "Preventing multiple unauthorized errors" — the `baseQueryWithReauth` that waits for
// the mutex (`await mutex.waitForUnlock()`), sends, and on a 401 either takes the
// mutex and refreshes (`baseQuery(refresh, api, extraOptions)`, then
// `api.dispatch(tokenReceived(data))` and the retry, or `api.dispatch(loggedOut())`),
// or, when the mutex is already locked, waits for it and retries. The token goes on
// each request in `prepareHeaders` from `getState()` (fetchBaseQuery docs, "Setting
// default headers on requests"); cookies with fetchBaseQuery's `credentials:
// 'include'` (a fetch option it passes on).
//
// Driven the simplest faithful way: a store (configureStore with an auth slice and the
// api's reducer and middleware) and an api whose endpoints are mutations — login,
// logout, and `call` for any request — dispatched with `initiate`. Mutations, because a
// query with the same arguments shares one request and caches its answer, which would
// hide the calls the harness makes; an endpoint's transformResponse keeps the HTTP
// status. A caller's signal aborts its mutation (`promise.abort()`), which aborts the
// baseQuery's `api.signal`. The docs' module-level mutex and store live in
// createClient here (a restart makes new ones).
//
// KEEP THE PATTERN AS DOCUMENTED: a 401 that arrives after the mutex was released
// starts another refresh (no "already refreshed" check), a request waiting in
// `waitForUnlock` is sent after a failed refresh too, the refresh runs under the
// signal of the caller that started it (a cancel aborts the shared refresh), a refresh
// that lands after logout still dispatches its token, a 401 from login refreshes, only
// HTTP 401 means expired, and the mutex is per tab.

import { configureStore, createSlice } from '@reduxjs/toolkit';
import { createApi, fetchBaseQuery } from '@reduxjs/toolkit/query';
import { Mutex } from 'async-mutex';

export const name = 'rtk-query-reauth-mutex';
export const version = '@reduxjs/toolkit 2.15.0, async-mutex 0.5.0'; // pinned in ../package.json
export const features = [];

export default function createClient({ baseURL }) {
  // --- authSlice.ts ----------------------------------------------------------------
  const authSlice = createSlice({
    name: 'auth',
    initialState: { token: null },
    reducers: {
      tokenReceived(state, action) {
        state.token = action.payload.accessToken;
      },
      loggedOut(state) {
        state.token = null;
      },
    },
  });
  const { tokenReceived, loggedOut } = authSlice.actions;

  // --- baseQueryWithReauth.ts ("Preventing multiple unauthorized errors") -----------
  // create a new mutex
  const mutex = new Mutex();
  const baseQuery = fetchBaseQuery({
    baseUrl: baseURL,
    credentials: 'include',
    prepareHeaders: (headers, { getState }) => {
      const token = getState().auth.token;
      // If we have a token set in state, let's assume that we should be passing it.
      if (token) {
        headers.set('authorization', `Bearer ${token}`);
      }
      return headers;
    },
  });
  const baseQueryWithReauth = async (args, api, extraOptions) => {
    // wait until the mutex is available without locking it
    await mutex.waitForUnlock();
    let result = await baseQuery(args, api, extraOptions);
    if (result.error && result.error.status === 401) {
      // checking whether the mutex is locked
      if (!mutex.isLocked()) {
        const release = await mutex.acquire();
        try {
          const refreshResult = await baseQuery({ url: '/api/auth/refresh', method: 'POST' }, api, extraOptions);
          if (refreshResult.data) {
            api.dispatch(tokenReceived(refreshResult.data));
            // retry the initial query
            result = await baseQuery(args, api, extraOptions);
          } else {
            api.dispatch(loggedOut());
          }
        } finally {
          // release must be called once the mutex should be released again.
          release();
        }
      } else {
        // wait until the mutex is available without locking it
        await mutex.waitForUnlock();
        result = await baseQuery(args, api, extraOptions);
      }
    }
    return result;
  };

  // --- api.ts and store.ts ---------------------------------------------------------
  const withStatus = {
    transformResponse: (body, meta) => ({ status: meta.response.status, body }),
    transformErrorResponse: (error, meta) => ({ ...error, httpStatus: meta?.response?.status }),
  };
  const api = createApi({
    reducerPath: 'api',
    baseQuery: baseQueryWithReauth,
    endpoints: (build) => ({
      login: build.mutation({
        query: (credentials) => ({ url: '/api/auth/login', method: 'POST', body: credentials }),
        ...withStatus,
      }),
      logout: build.mutation({ query: () => ({ url: '/api/auth/logout', method: 'POST' }), ...withStatus }),
      call: build.mutation({ query: (args) => args, ...withStatus }),
    }),
  });
  const store = configureStore({
    reducer: { auth: authSlice.reducer, [api.reducerPath]: api.reducer },
    middleware: (getDefaultMiddleware) => getDefaultMiddleware().concat(api.middleware),
  });

  // run dispatches a mutation and answers {status, body} for every HTTP answer; a
  // fetch that got none (FETCH_ERROR, TIMEOUT_ERROR) or an aborted mutation rejects.
  const run = async (endpoint, arg, signal) => {
    const promise = store.dispatch(api.endpoints[endpoint].initiate(arg));
    const onAbort = () => promise.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) promise.abort();
    try {
      const result = await promise;
      if ('data' in result) return result.data;
      const err = result.error;
      if (typeof err?.httpStatus === 'number') return { status: err.httpStatus, body: err.data ?? null };
      if (err?.name === 'AbortError') throw new DOMException(err.message ?? 'Aborted', 'AbortError');
      throw new Error(`${err?.status ?? 'error'}: ${err?.error ?? err?.message ?? JSON.stringify(err)}`);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      promise.reset();
    }
  };

  return {
    async login(email, password) {
      const res = await run('login', { email, password });
      if (res.status === 200) store.dispatch(tokenReceived(res.body));
      return res;
    },
    request: ({ method, path, body, headers, signal }) =>
      run(
        'call',
        {
          url: path,
          method,
          ...(headers && { headers }),
          ...(body !== undefined && body !== null && { body }),
        },
        signal,
      ),
    async logout() {
      const res = await run('logout');
      store.dispatch(loggedOut());
      return res;
    },
    close() {
      store.dispatch(api.util.resetApiState());
    },
  };
}
