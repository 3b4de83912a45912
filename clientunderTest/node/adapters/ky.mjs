// ky is ky's own documented refresh: its README (ky 1.14.3, readme.md, "API › options ›
// hooks › hooks.afterResponse", the hook commented "Or retry with a fresh token on a
// 401 error"), used as an app would: on a 401 with `state.retryCount === 0` the hook
// POSTs the refresh endpoint with plain `ky` and returns `ky.retry({ request: new
// Request(request, { headers }), code: 'TOKEN_REFRESHED' })` with the new Bearer token.
// The token is set by the `hooks.beforeRequest` example of the same README ("Only set
// default auth header on initial request, not on retries"). The README's hook only uses
// the new token for its retry; the app also keeps it in memory for its next calls
// (which the README leaves to the app). Credentials: ky takes fetch's options, so the
// instance and the refresh call send `credentials: 'include'` (the refresh cookie is
// HttpOnly, possibly on another origin).
//
// KEEP THE PATTERN AS DOCUMENTED: every 401 runs its own refresh (no single flight),
// a refresh failure is thrown to the caller from inside the hook, a 401 from login
// runs the hook too, logout does not stop a refresh in flight, the caller's signal
// does not stop its wait for the refresh, only HTTP 401 means expired. ky's own
// defaults stay: `retry.limit` 2 (the forced retry counts; GETs are also retried on
// 408/413/429/500/502/503/504), the forced retry waits ky's computed delay (300 ms),
// `timeout` 10 s, HTTP errors thrown as HTTPError (read back into {status, body}).

import ky, { HTTPError } from 'ky';
import { apiURL, jsonBody } from './lib/fetch-call.mjs';

export const name = 'ky-after-response';
export const version = 'ky 1.14.3'; // pinned in ../package.json (ky exports no version)
export const features = [];

export default function createClient({ baseURL }) {
  let accessToken = null; // in memory, like the seed tutorial's app

  const api = ky.create({
    credentials: 'include',
    hooks: {
      beforeRequest: [
        (request, _options, { retryCount }) => {
          // Only set default auth header on initial request, not on retries
          // (retries may have refreshed token set by afterResponse)
          if (retryCount === 0 && accessToken) {
            request.headers.set('Authorization', `Bearer ${accessToken}`);
          }
        },
      ],
      afterResponse: [
        // Or retry with a fresh token on a 401 error
        async (request, _options, response, state) => {
          if (response.status === 401 && state.retryCount === 0) {
            // Only refresh on first 401, not on subsequent retries
            const { accessToken: token } = await ky
              .post(apiURL(baseURL, '/api/auth/refresh'), { credentials: 'include' })
              .json();
            accessToken = token;

            const headers = new Headers(request.headers);
            headers.set('Authorization', `Bearer ${token}`);

            return ky.retry({
              request: new Request(request, { headers }),
              code: 'TOKEN_REFRESHED',
            });
          }
        },
      ],
    },
  });

  // outcome: {status, body} for every HTTP answer (ky throws HTTPError for a non-2xx
  // one, the refresh's own included); anything else (no answer, abort) rejects.
  const outcome = async (promise) => {
    try {
      const res = await promise;
      return { status: res.status, body: await jsonBody(res) };
    } catch (err) {
      if (err instanceof HTTPError) return { status: err.response.status, body: await jsonBody(err.response) };
      throw err;
    }
  };

  return {
    login: (email, password) =>
      outcome(
        api.post(apiURL(baseURL, '/api/auth/login'), { json: { email, password } }).then(async (res) => {
          accessToken = (await res.clone().json())?.accessToken ?? null;
          return res;
        }),
      ),
    request: ({ method, path, body, headers, signal }) =>
      outcome(
        api(apiURL(baseURL, path), {
          method,
          signal,
          ...(headers && { headers }),
          ...(body !== undefined && body !== null && { json: body }),
        }),
      ),
    logout: () =>
      outcome(
        api.post(apiURL(baseURL, '/api/auth/logout')).then((res) => {
          accessToken = null;
          return res;
        }),
      ),
  };
}
