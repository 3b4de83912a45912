// fetch-call.mjs is the glue the fetch-based library adapters (ky, ofetch, wretch,
// openapi-fetch, RTK Query) share with the JS adapter API (docs/browser-mode.md): where
// a call's path goes, and how an answer's body is read. It holds no state and touches
// no library, so each adapter's refresh logic stays its library's own.

/**
 * apiURL is the absolute URL of a call's path: paths under /api and /graphql alike
 * are on the API's server (baseURL is its origin).
 */
export function apiURL(baseURL, path) {
  return baseURL + path;
}

/**
 * jsonBody reads a Response's body the way the harness reports it: the parsed JSON,
 * the text when it is not JSON, null when it is empty. The Response is cloned first
 * when its body may be read elsewhere.
 */
export async function jsonBody(response) {
  const text = await response.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
