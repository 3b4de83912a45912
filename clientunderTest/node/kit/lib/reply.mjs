// reply.mjs turns what the application code finally saw into a protocol-v1 reply.
// It is written for axios's shapes (a response is {status, data}; a failed call throws
// an error carrying .response, or a transport error with .code), which is also an easy
// shape for any other client to produce.

/**
 * shapeOutcome maps {ok, value} to a reply body (without the id):
 * a response → {status, body}; an error with a response → the same (axios throws on
 * non-2xx, yet the caller did see an HTTP status); anything else → {error}.
 */
export function shapeOutcome({ ok, value }) {
  if (ok) {
    if (value && Number.isInteger(value.status)) {
      return { status: value.status, body: shapeBody(value.data) };
    }
    return { error: 'internal: the client resolved without an HTTP response' };
  }
  const res = value?.response;
  if (res && Number.isInteger(res.status)) {
    return { status: res.status, body: shapeBody(res.data) };
  }
  return { error: transportError(value) };
}

/**
 * shapeBody: parsed JSON as is; a body that is not JSON as its text; empty → null.
 * axios already parses JSON bodies silently and leaves other text as a string.
 */
export function shapeBody(data) {
  if (data === undefined || data === null || data === '') return null;
  if (typeof Buffer !== 'undefined' && Buffer.isBuffer(data)) return shapeBody(data.toString('utf8'));
  if (typeof data === 'string') {
    try {
      return JSON.parse(data);
    } catch {
      return data;
    }
  }
  return data;
}

// transportError names a call that got no HTTP response: code first (ECONNRESET,
// ECONNREFUSED, ERR_CANCELED), then the message, as the protocol asks.
function transportError(err) {
  if (err?.name === 'CanceledError' || err?.code === 'ERR_CANCELED') return 'aborted';
  const code = err?.code ?? err?.cause?.code ?? 'ERROR';
  const message = err?.message ?? String(err);
  return message.startsWith(code) ? message : `${code} ${message}`;
}
