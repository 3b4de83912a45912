// axios-call.mjs maps a protocol `request` command onto the application's axios
// instance, whose baseURL is `<server>/api` as in the seed tutorial.

/**
 * toAxiosConfig turns {method, path, body, headers} into a request config for the
 * `api` instance. Paths under /api become relative to the instance ('/api/ideas' →
 * '/ideas'), so the interceptors see the URLs the tutorial's code sees; any other
 * path is sent to the server root.
 */
export function toAxiosConfig(call, baseURL) {
  const config = { method: call.method.toLowerCase(), headers: { ...(call.headers ?? {}) } };
  config.url = call.path.startsWith('/api/') ? call.path.slice('/api'.length) : baseURL + call.path;
  if (call.signal) config.signal = call.signal; // the caller's cancel (feature cancel)
  if (call.body !== undefined) {
    // Always JSON, even for a bare string or number: axios would otherwise send a
    // string as form data. axios keeps an already-serialised JSON body as is on a
    // replay, so the second send carries the identical bytes.
    config.data = call.body;
    config.headers['Content-Type'] = 'application/json';
  }
  return config;
}
