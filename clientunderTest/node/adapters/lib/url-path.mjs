// url-path.mjs names the URL path of an axios request config. It is its own module,
// with no Node import, so that browser adapters (../adapters) can load it too.

/**
 * pathOf is the URL path a request config goes to (no query), whether its url is
 * relative to the instance's baseURL ('/auth/me' → '/api/auth/me') or absolute
 * ('http://…/graphql' → '/graphql').
 */
export function pathOf(config) {
  const url = String(config?.url ?? '');
  try {
    if (/^[a-z][a-z\d+\-.]*:\/\//i.test(url)) return new URL(url).pathname;
    const base = String(config?.baseURL ?? '').replace(/\/+$/, '');
    return new URL(base + '/' + url.replace(/^\/+/, '')).pathname;
  } catch {
    return url.split('?')[0];
  }
}
