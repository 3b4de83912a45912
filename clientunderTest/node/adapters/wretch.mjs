// wretch is wretch's documented refresh-and-replay (wretch 2.11.1): the `catcher`
// example of its API docs (Wretch#catcher, "The original request is passed along the
// error and can be used in order to perform an additional request": `const reAuthOn401
// = wretch().catcher(401, async (error, request) => { const token = await
// wretch("/renewtoken")…; storeToken(token); return request.auth(token).fetch()
// .unauthorized((err) => { throw err }).json() })`), the README's "Catchers" section
// showing the same with `.unauthorized`, and its "Cross origin authenticated requests"
// instance (`.auth(`Bearer ${token}`)`, `.options({ credentials: "include", mode:
// "cors" })`). The app reads the token it stored each time it builds a request, and
// the refresh is a POST here; the replay ends in `.res()` instead of `.json()` so the
// caller sees the status.
//
// KEEP THE PATTERN AS DOCUMENTED: every 401 runs its own refresh (no single flight), a
// refresh failure is thrown to the caller from inside the catcher, a 401 from login
// runs the catcher too, a refresh that lands after logout still stores its token, only
// HTTP 401 means expired, the caller's signal does not stop its wait for the refresh.
// wretch throws WretchError for non-2xx answers (read back into {status, body}).

import wretch from 'wretch';
import { apiURL, jsonBody } from './lib/fetch-call.mjs';

export const name = 'wretch-catcher';
export const version = 'wretch 2.11.1'; // pinned in ../package.json (no version export)
export const features = [];

export default function createClient({ baseURL }) {
  let accessToken = null;
  const storeToken = (token) => {
    accessToken = token;
  };

  const reAuthOn401 = wretch(baseURL)
    .options({ credentials: 'include', mode: 'cors' })
    .catcher(401, async (error, request) => {
      // Renew credentials
      const { accessToken: token } = await wretch(apiURL(baseURL, '/api/auth/refresh'))
        .options({ credentials: 'include', mode: 'cors' })
        .post()
        .json();
      storeToken(token);
      // Replay the original request with new credentials
      return request
        .auth(`Bearer ${token}`)
        .fetch()
        .unauthorized((err) => {
          throw err;
        })
        .res();
    });

  // api is the instance with the current token, built for each call.
  const api = () => (accessToken ? reAuthOn401.auth(`Bearer ${accessToken}`) : reAuthOn401);

  // outcome: {status, body} for every HTTP answer (a Response, or the WretchError
  // thrown for a non-2xx one, the refresh's own included); anything else rejects.
  const outcome = async (promise) => {
    try {
      const res = await promise;
      return { status: res.status, body: await jsonBody(res) };
    } catch (err) {
      if (typeof err?.status === 'number' && err.response) {
        return { status: err.status, body: err.json ?? err.text ?? null };
      }
      throw err;
    }
  };

  return {
    login: (email, password) =>
      outcome(
        api()
          .url('/api/auth/login')
          .post({ email, password })
          .res(async (res) => {
            accessToken = (await res.clone().json())?.accessToken ?? null;
            return res;
          }),
      ),
    request: ({ method, path, body, headers, signal }) =>
      outcome(
        api()
          .url(path)
          .options({ signal })
          .headers(headers ?? {})
          .fetch(method, '', body ?? null)
          .res(),
      ),
    logout: () =>
      outcome(
        api()
          .url('/api/auth/logout')
          .post()
          .res((res) => {
            accessToken = null;
            return res;
          }),
      ),
  };
}
