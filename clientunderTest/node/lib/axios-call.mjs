// axios-call.mjs maps a protocol `request` command onto the application's axios
// instance, whose baseURL is `<server>/api` as in the seed tutorial.

import { buildBody } from './bodies.mjs';

/**
 * toAxiosConfig turns {method, path, body, headers, bodyKind, size, seed} into a
 * request config for the `api` instance. Paths under /api become relative to the
 * instance ('/api/ideas' → '/ideas'), so the interceptors see the URLs the tutorial's
 * code sees; any other path (/graphql) is sent to the server root.
 *
 * The body is built by bodies.mjs (feature `bodies`): JSON by default; a form string;
 * a FormData (multipart); or a one-shot Readable (stream) — a new one per call.
 */
export function toAxiosConfig(call, baseURL) {
  const config = { method: call.method.toLowerCase(), headers: { ...(call.headers ?? {}) } };
  config.url = call.path.startsWith('/api/') ? call.path.slice('/api'.length) : baseURL + call.path;
  if (call.signal) config.signal = call.signal; // the caller's cancel (feature cancel)
  const body = buildBody(call);
  if (body) {
    // JSON is always sent as JSON, even a bare string or number: axios would otherwise
    // send a string as form data. axios keeps an already-serialised JSON body as is on
    // a replay, so the second send carries the identical bytes.
    config.data = body.data;
    config.headers['Content-Type'] = body.contentType;
  }
  return config;
}

export { pathOf } from './url-path.mjs';
