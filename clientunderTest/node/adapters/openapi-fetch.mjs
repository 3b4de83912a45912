// openapi-fetch is openapi-fetch's auth middleware as its docs show it (openapi-fetch
// 0.17.0; openapi-ts.dev/openapi-fetch/middleware-auth, "Auth › Basic auth" and
// "Conditional auth", with "Middleware" for onResponse and "Handling statefulness"):
// - onRequest, per "Basic auth": the access token lives in state of the app (here this
//   client's closure); if there is none, "fetch token, if it doesn't exist" with the
//   app's auth function — for a page whose refresh token is an HttpOnly cookie, that
//   is the refresh endpoint — then `request.headers.set("Authorization", `Bearer
//   ${accessToken}`)` and return the request. Per "Conditional auth", the auth routes
//   (login, refresh, logout) are left alone.
// - onResponse: the docs' "(optional) add logic here to refresh token when it expires"
//   done on the 401 the server answers: call the same auth function, and return the
//   request sent again as a new Request with the new header ("Create new instances when
//   modifying") through the client's `fetch`. The docs show no retry recipe (an open
//   issue, openapi-ts/openapi-typescript#2075, asks for one); this is the one the
//   middleware API allows.
// The client is created without a generated schema type (plain JS); paths are the
// API's own. Cookies: createClient's fetch options include `credentials: 'include'`.
//
// KEEP THE PATTERN AS DOCUMENTED: every 401 runs its own refresh (no single flight), so
// does every request sent with no token (after a reload, after logout); a refresh
// failure is ignored ("handle auth error") and the request goes out, or its 401 goes
// to the caller; the request handed to onResponse is the one already sent, so a body
// cannot be sent again (openapi-fetch does not clone it, "for performance"); only HTTP
// 401 means expired; the caller's signal does not stop a refresh.

import createOpenApiClient from 'openapi-fetch';

export const name = 'openapi-fetch-middleware';
export const version = 'openapi-fetch 0.17.0'; // pinned in ../package.json (no version export)
export const features = [];

const UNPROTECTED_ROUTES = ['/api/auth/login', '/api/auth/register', '/api/auth/refresh', '/api/auth/logout'];

export default function createClient({ baseURL }) {
  const client = createOpenApiClient({ baseUrl: baseURL, credentials: 'include' });

  let accessToken = undefined;

  // someAuthFunc: how this app gets an access token without the user — the refresh
  // endpoint, with the HttpOnly cookie.
  const someAuthFunc = async () => {
    const { data } = await client.POST('/api/auth/refresh');
    return { accessToken: data?.accessToken };
  };

  const authMiddleware = {
    async onRequest({ schemaPath, request }) {
      if (UNPROTECTED_ROUTES.some((pathname) => schemaPath.startsWith(pathname))) {
        return undefined; // don't modify request for certain paths
      }
      // fetch token, if it doesn't exist
      if (!accessToken) {
        const authRes = await someAuthFunc();
        if (authRes.accessToken) {
          accessToken = authRes.accessToken;
        } else {
          // handle auth error
        }
      }
      // add Authorization header to every request
      request.headers.set('Authorization', `Bearer ${accessToken}`);
      return request;
    },
    async onResponse({ schemaPath, request, response, options }) {
      if (UNPROTECTED_ROUTES.some((pathname) => schemaPath.startsWith(pathname))) {
        return undefined;
      }
      if (response.status !== 401) return undefined;
      // refresh token when it expired
      const authRes = await someAuthFunc();
      if (!authRes.accessToken) {
        return undefined; // handle auth error: the caller gets the 401
      }
      accessToken = authRes.accessToken;
      const retry = new Request(request, { headers: new Headers(request.headers) });
      retry.headers.set('Authorization', `Bearer ${accessToken}`);
      return options.fetch(retry);
    },
  };
  client.use(authMiddleware);

  // outcome: openapi-fetch resolves {data, error, response} for every HTTP answer and
  // throws only when fetch (or a middleware) did.
  const outcome = async (promise) => {
    const { data, error, response } = await promise;
    return { status: response.status, body: (response.ok ? data : error) ?? null };
  };

  return {
    login: (email, password) =>
      outcome(
        client.POST('/api/auth/login', { body: { email, password } }).then((r) => {
          if (r.data?.accessToken) accessToken = r.data.accessToken;
          return r;
        }),
      ),
    request: ({ method, path, body, headers, signal }) =>
      outcome(
        client.request(method, path, {
          signal,
          ...(headers && { headers }),
          ...(body !== undefined && body !== null && { body }),
        }),
      ),
    logout: () =>
      outcome(
        client.POST('/api/auth/logout').then((r) => {
          accessToken = undefined;
          return r;
        }),
      ),
  };
}
