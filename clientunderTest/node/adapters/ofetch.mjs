// ofetch is ofetch's interceptors and auto retry put together the way its README's
// parts allow (ofetch 1.5.1, README.md "Interceptors" — onRequest, onResponseError —
// "Create fetch with default options" — `ofetch.create` for shared interceptors — and
// "Auto Retry" — `retry`, `retryStatusCodes`), as ofetch's users do it (unjs/ofetch#109,
// whose answer was `retryStatusCodes`): one instance with `retry: 1` and
// `retryStatusCodes: [401]`, an onRequest that sets `Authorization: Bearer <token>`
// from the app's state on every send (the retry included), and an onResponseError
// that, on a 401, calls the refresh endpoint and stores the new token; ofetch then
// sends the request again (its retry runs onRequest again, with the new token).
// Cookies: `credentials: 'include'` (a fetch option ofetch passes on), on the instance
// and on the refresh call (plain `ofetch`, so its own 401 is not intercepted).
//
// KEEP THE PATTERN AS DOCUMENTED: every 401 runs its own refresh (no single flight) —
// the replay's 401 too, before ofetch gives up; a refresh failure is thrown to the
// caller from inside the hook; `retry: 1` set by hand "will always retry for all
// requests" (POSTs too) and only on 401 (`retryStatusCodes` replaces the default
// list); a 401 from login refreshes; only HTTP 401 means expired; the caller's signal
// does not stop its wait for the refresh. ofetch throws FetchError for non-2xx answers
// (read back into {status, body}).

import { ofetch, FetchError } from 'ofetch';
import { apiURL } from './lib/fetch-call.mjs';

export const name = 'ofetch-interceptors';
export const version = 'ofetch 1.5.1'; // pinned in ../package.json (no version export)
export const features = [];

export default function createClient({ baseURL }) {
  let accessToken = null; // the app's state

  const refreshToken = async () => {
    const { accessToken: token } = await ofetch(apiURL(baseURL, '/api/auth/refresh'), {
      method: 'POST',
      credentials: 'include',
    });
    accessToken = token;
  };

  const apiFetch = ofetch.create({
    baseURL,
    credentials: 'include',
    retry: 1,
    retryStatusCodes: [401],
    onRequest({ options }) {
      if (accessToken) options.headers.set('Authorization', `Bearer ${accessToken}`);
    },
    async onResponseError({ response }) {
      if (response.status === 401) {
        await refreshToken();
      }
    },
  });

  // outcome: {status, body} for every HTTP answer; FetchError without a response (no
  // answer, abort) rejects with its cause.
  const outcome = async (promise) => {
    try {
      const res = await promise;
      return { status: res.status, body: res._data ?? null };
    } catch (err) {
      if (err instanceof FetchError && err.response) return { status: err.response.status, body: err.data ?? null };
      throw err?.cause ?? err;
    }
  };

  return {
    login: (email, password) =>
      outcome(
        apiFetch.raw('/api/auth/login', { method: 'POST', body: { email, password } }).then((res) => {
          accessToken = res._data?.accessToken ?? null;
          return res;
        }),
      ),
    request: ({ method, path, body, headers, signal }) =>
      outcome(
        apiFetch.raw(path, {
          method,
          signal,
          ...(headers && { headers }),
          ...(body !== undefined && body !== null && { body }),
        }),
      ),
    logout: () =>
      outcome(
        apiFetch.raw('/api/auth/logout', { method: 'POST' }).then((res) => {
          accessToken = null;
          return res;
        }),
      ),
  };
}
