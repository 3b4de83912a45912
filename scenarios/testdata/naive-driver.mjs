// A deliberately naive protocol-v1 driver for the harness's own tests: plain fetch,
// no refresh logic at all. It passes rows that need no refresh (LOOP-04, LOOP-06),
// and misbehaves on purpose in the scenario named by BREAK_AT, the way BROKEN says:
//   hang    never answers the first request
//   die     exits on the first request
//   garbage prints a non-JSON line on stdout
//   flood   sends GETs to the server in a tight loop (request flood)
import { createInterface } from 'node:readline';

const broken = process.env.BROKEN || '';
const breakAt = process.env.BREAK_AT || '';
let baseURL = '';
let token = null;
let scenario = '';

const reply = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

async function http(method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    const res = await fetch(baseURL + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
    return { status: res.status, body: parsed };
  } catch (err) {
    return { error: String(err && err.cause ? err.cause.code || err.cause : err) };
  }
}

async function handle(msg) {
  switch (msg.cmd) {
    case 'hello': return { name: 'naive-fetch', version: 'test', features: [] };
    case 'init': baseURL = msg.baseURL; token = null; scenario = msg.scenario; return { ok: true };
    case 'login': {
      const r = await http('POST', '/api/auth/login', { email: msg.email, password: msg.password });
      if (r.status === 200) token = r.body.accessToken;
      return r;
    }
    case 'logout': { const r = await http('POST', '/api/auth/logout'); token = null; return { status: r.status }; }
    case 'request': {
      if (scenario === breakAt) {
        if (broken === 'hang') return new Promise(() => {});
        if (broken === 'die') process.exit(3);
        if (broken === 'garbage') { process.stdout.write('this is not json\n'); return new Promise(() => {}); }
        if (broken === 'flood') {
          for (let i = 0; i < 100000; i++) { const r = await http('GET', '/api/auth/me'); if (r.error) break; }
        }
      }
      return http(msg.method, msg.path, msg.body);
    }
    case 'shutdown': setImmediate(() => process.exit(0)); return { ok: true };
    default: return { error: `unsupported: ${msg.cmd}` };
  }
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  const msg = JSON.parse(line);
  handle(msg).then((r) => reply({ id: msg.id, ...r }), (e) => reply({ id: msg.id, error: String(e) }));
});
rl.on('close', () => process.exit(0));
