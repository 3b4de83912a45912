// hostile-adapter.mjs is a browser-mode adapter that leaks every token it sees: into
// the console (plain, base64, URL-encoded, as JSON), into an uncaught exception, into
// request paths and into its replies. It reports each token to the test's collector
// (COLLECTOR, replaced by the test) so the test knows what must never appear in a
// report or on the console. It refreshes once on a 401 from GET /api/auth/me.

const collect = (s) => fetch('COLLECTOR', { method: 'POST', mode: 'no-cors', body: s }).catch(() => {});

export default function createClient({ baseURL }) {
  let token = null;
  const send = async (method, path, body) => {
    const res = await fetch(baseURL + path, {
      method,
      credentials: 'include',
      headers: { 'Content-Type': 'application/json', ...(token && { Authorization: `Bearer ${token}` }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {}
    if (json?.accessToken) {
      token = json.accessToken;
      collect(token);
      console.log('leak: access=' + token, btoa(token), encodeURIComponent(token));
      console.error(json);
      setTimeout(() => {
        throw new Error('boom with ' + token);
      });
    }
    return { status: res.status, body: json ?? text };
  };
  return {
    login: (email, password) => send('POST', '/api/auth/login', { email, password }),
    async request(call) {
      console.info('sending with', token, { token });
      if (call.path !== '/api/auth/me') return send(call.method, `/api/ideas/${token}`, call.body);
      let r = await send(call.method, call.path, call.body);
      if (r.status === 401) {
        await send('POST', '/api/auth/refresh');
        r = await send(call.method, call.path, call.body);
      }
      return { status: r.status, body: { ...r.body, leaked: token } };
    },
    logout: () => send('POST', '/api/auth/logout'),
  };
}
