// axios-auth-refresh-client.mjs is the app the axios-auth-refresh adapters share: the
// library's README (axios-auth-refresh 5.0.2, README.md "Usage" and "Request
// interceptor"), followed as written, on an axios instance of this client's own (the
// README installs it on the global `axios`; an instance keeps no state between clients,
// and a restart makes a new one). Only the interceptor's options differ between the
// adapters that use it.
//
// As the README shows:
// - refreshAuthLogic POSTs the refresh endpoint through the same (intercepted) axios,
//   stores the new token with `localStorage.setItem('token', …)` (here the page's
//   localStorage: `storage`), sets it on `failedRequest.response.config.headers`, and
//   resolves; the library replays the failed request.
// - a request interceptor reads the token each time (`Bearer ${getAccessToken()}` —
//   `Bearer null` when there is none, as written).
// - with `deduplicateRefresh: false`, the refresh call carries `skipAuthRefresh: true`,
//   as the README's "Deduplicate refresh calls" requires for that setting.
// The app's own parts: the instance sends cookies (`withCredentials: true`, axios's
// option for the HttpOnly refresh cookie across origins), login stores the token the
// same way, logout removes it.
//
// KEEP THE LIBRARY'S BEHAVIOUR: whatever its options do with concurrent 401s, a refresh
// that lands after logout still stores its token, a 401 from login runs the refresh,
// only HTTP 401 (statusCodes default) means expired, the caller's signal does not stop
// its wait for the refresh.

import axios from 'axios';
import { createAuthRefresh } from 'axios-auth-refresh';
import { outcome, toAxiosConfig } from './axios-call.mjs';

export const libraryVersion = (options) =>
  `axios-auth-refresh 5.0.2 (axios ${axios.VERSION}; options ${JSON.stringify(options)})`;

/**
 * createAuthRefreshClient is the adapter API's createClient for the README's app, with
 * `options` passed to createAuthRefresh as they are.
 */
export function createAuthRefreshClient({ baseURL, storage }, options) {
  const api = axios.create({ baseURL: baseURL + '/api', withCredentials: true });

  // Obtain the fresh token each time the function is called
  function getAccessToken() {
    return storage.getItem('token');
  }

  // Use interceptor to inject the token to requests
  api.interceptors.request.use((request) => {
    request.headers['Authorization'] = `Bearer ${getAccessToken()}`;
    return request;
  });

  // With `deduplicateRefresh: false` the README ("Deduplicate refresh calls") says:
  // "you must mark your refresh calls with skipAuthRefresh to avoid interceptor loops".
  const refreshConfig = options?.deduplicateRefresh === false ? { skipAuthRefresh: true } : undefined;

  // Function that will be called to refresh authorization
  const refreshAuthLogic = (failedRequest) =>
    api.post('/auth/refresh', undefined, refreshConfig).then((tokenRefreshResponse) => {
      storage.setItem('token', tokenRefreshResponse.data.accessToken);
      failedRequest.response.config.headers['Authorization'] = 'Bearer ' + tokenRefreshResponse.data.accessToken;
      return Promise.resolve();
    });

  // Instantiate the interceptor
  if (options === undefined) createAuthRefresh(api, refreshAuthLogic);
  else createAuthRefresh(api, refreshAuthLogic, options);

  return {
    login: (email, password) =>
      outcome(
        api.post('/auth/login', { email, password }).then((res) => {
          storage.setItem('token', res.data.accessToken);
          return res;
        }),
      ),
    request: (call) => outcome(api.request(toAxiosConfig(call, baseURL))),
    logout: () =>
      outcome(
        api.post('/auth/logout').then((res) => {
          storage.removeItem('token');
          return res;
        }),
      ),
  };
}
