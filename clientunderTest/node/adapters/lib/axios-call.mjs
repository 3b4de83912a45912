// axios-call.mjs is the glue between the JS adapter API (docs/browser-mode.md) and an
// axios instance in a browser page: a call becomes an axios config, and what axios
// answered becomes {status, body}. It uses only what a browser has (FormData, Blob).

// generatedBytes is the body convention of feature bodies: `tokenclock:<seed>:`
// repeated and cut at size.
function generatedBytes(seed, size) {
  const unit = new TextEncoder().encode(`tokenclock:${seed}:`);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = unit[i % unit.length];
  return out;
}

// generatedStream is the same bytes as a ReadableStream, in 64 KiB chunks.
function generatedStream(seed, size) {
  const bytes = generatedBytes(seed, size);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + 65536));
      at += 65536;
    },
  });
}

/**
 * toAxiosConfig turns {method, path, body, headers, signal, bodyKind, size, seed} into
 * a config for the `api` instance (baseURL `<server>/api`, as in the seed tutorial):
 * paths under /api become relative to it, any other (/graphql) goes to the server's
 * root. Bodies: JSON (already serialised, so a replay sends the same bytes), a form
 * string, a FormData with the generated file (axios serialises it again on a replay),
 * or a ReadableStream (sent once: replaying it is the client's business).
 */
export function toAxiosConfig(call, baseURL) {
  const config = { method: call.method.toLowerCase(), headers: { ...(call.headers ?? {}) }, signal: call.signal };
  config.url = call.path.startsWith('/api/') ? call.path.slice('/api'.length) : baseURL + call.path;
  switch (call.bodyKind ?? 'json') {
    case 'form':
      config.data = new URLSearchParams(Object.entries(call.body ?? {})).toString();
      config.headers['Content-Type'] = 'application/x-www-form-urlencoded';
      break;
    case 'multipart': {
      const form = new FormData();
      for (const [k, v] of Object.entries(call.body ?? {})) form.append(k, v);
      form.append('file', new Blob([generatedBytes(call.seed, call.size)], { type: 'application/octet-stream' }), `tokenclock-${call.seed}.bin`);
      config.data = form; // axios lets the browser set the multipart boundary
      break;
    }
    case 'stream':
      // A ReadableStream: only a fetch can send one (duplex 'half'), and it can be read
      // once. Chromium sends streamed uploads over HTTP/2 only, so in browser mode the
      // rows that need one are skipped; the JS kit under Node sends it chunked.
      config.data = generatedStream(call.seed, call.size);
      config.headers['Content-Type'] = 'application/octet-stream';
      config.adapter = 'fetch';
      break;
    default:
      if (call.body !== undefined && call.body !== null) {
        config.data = JSON.stringify(call.body);
        config.headers['Content-Type'] = 'application/json';
      }
  }
  return config;
}

/**
 * outcome resolves what the caller saw: {status, body} for any HTTP response (axios
 * rejects a non-2xx one, with .response), and rejects only when there was none.
 */
export async function outcome(promise) {
  try {
    const res = await promise;
    return { status: res.status, body: res.data ?? null };
  } catch (err) {
    if (err?.response) return { status: err.response.status, body: err.response.data ?? null };
    throw err;
  }
}
