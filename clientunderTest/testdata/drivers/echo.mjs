// echo.mjs: a well-behaved protocol-v1 driver for the Process adapter's tests.
// Requests are answered with what they carried; requests to /gather/N/TAG are held
// until N of them have arrived and then answered in reverse arrival order, which
// makes "replies in any order" deterministic.
import readline from 'node:readline';

const send = (reply, eol = '\n') => process.stdout.write(JSON.stringify(reply) + eol);
let gathered = [];

function request(c) {
  const gather = /^\/gather\/(\d+)\/(.*)$/.exec(c.path);
  if (gather) {
    gathered.push({ id: c.id, tag: gather[2], arrival: gathered.length });
    if (gathered.length < Number(gather[1])) return;
    const batch = gathered.reverse();
    gathered = [];
    batch.forEach((g, answer) => send({ id: g.id, status: 200, body: { tag: g.tag, arrival: g.arrival, answer } }));
    return;
  }
  switch (c.path) {
    case '/transport-error': return send({ id: c.id, error: 'ECONNRESET socket hang up' });
    case '/null-body': return send({ id: c.id, status: 200, body: null });
    case '/crlf': return send({ id: c.id, status: 200, body: 'crlf' }, '\r\n');
    case '/env':
      return send({ id: c.id, status: 200, body: {
        protocol: process.env.TOKENCLOCK_PROTOCOL ?? null,
        NO_PROXY: process.env.NO_PROXY ?? null,
        no_proxy: process.env.no_proxy ?? null,
        extra: process.env.ECHO_EXTRA ?? null,
      } });
  }
  send({ id: c.id, status: c.method === 'POST' ? 201 : 200, body: {
    method: c.method, path: c.path,
    hasBody: 'body' in c, body: c.body ?? null,
    hasHeaders: 'headers' in c, headers: c.headers ?? null,
  } });
}

readline.createInterface({ input: process.stdin, crlfDelay: Infinity }).on('line', (line) => {
  const c = JSON.parse(line);
  switch (c.cmd) {
    case 'hello': return send({ id: c.id, name: 'echo', version: 'test 1', features: ['echo'] });
    case 'init':
      console.error(`echo: init ${c.scenario} ${c.baseURL}`);
      gathered = [];
      return send({ id: c.id, ok: true });
    case 'login': return send({ id: c.id, status: 200, body: { email: c.email, password: c.password } });
    case 'logout': return send({ id: c.id, status: 204, body: null });
    case 'request': return request(c);
    case 'shutdown':
      send({ id: c.id, ok: true });
      return process.exit(0); // stdout to a pipe is synchronous on Linux: the reply is out
    default: return send({ id: c.id, error: `unsupported: ${c.cmd}` });
  }
});
