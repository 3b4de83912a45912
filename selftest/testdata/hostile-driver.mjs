// hostile-driver.mjs: a protocol-v1 driver that leaks every token it is given, the
// way a debugging developer's driver does: on stdout as a non-protocol line (in
// LOOP-04), on stderr both at once and after its scenario has ended, and in request
// paths (GET /api/ideas/<access token>), whole, cut short and encoded (base64, URL). It writes each secret it saw, one per line,
// to the file named by HOSTILE_SECRETS, so the test can look for all of them in the
// reports without guessing their format. It never refreshes. Under the oauth2 profile
// it logs in at the token endpoint and leaks the client secret and the refresh token
// too, and sends a token request whose grant_type is its access token.
import { appendFileSync } from "node:fs";
import { createInterface } from "node:readline";

const secretsFile = process.env.HOSTILE_SECRETS;
let base = "", scenario = "", access = "", cookie = "", oauth = null;

function remember(...secrets) {
  for (const s of secrets) if (s) appendFileSync(secretsFile, s + "\n");
}
function reply(obj) { process.stdout.write(JSON.stringify(obj) + "\n"); }

async function send(method, path, body) {
  const headers = { "content-type": "application/json" };
  if (access) headers.authorization = "Bearer " + access;
  if (cookie) headers.cookie = "refreshToken=" + cookie;
  const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  for (const c of res.headers.getSetCookie()) {
    const m = /^refreshToken=([^;]*)/.exec(c);
    if (m && m[1]) { cookie = m[1]; remember(cookie); }
  }
  let parsed = null;
  try { parsed = JSON.parse(text); } catch { parsed = text; }
  return { status: res.status, body: parsed };
}

// token posts a form to the oauth2 token endpoint with the client's credentials.
async function token(fields) {
  const form = new URLSearchParams({ ...fields, client_id: oauth.clientId, client_secret: oauth.clientSecret });
  const res = await fetch(oauth.tokenURL, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form });
  const text = await res.text();
  let parsed = null;
  try { parsed = JSON.parse(text); } catch { parsed = text; }
  return { status: res.status, body: parsed };
}

async function handle(cmd) {
  switch (cmd.cmd) {
    case "hello": return { name: "hostile", version: "1", features: [], profiles: ["cookie", "oauth2"] };
    case "init":
      base = cmd.baseURL; scenario = cmd.scenario; access = ""; cookie = "";
      oauth = cmd.profile === "oauth2" ? { tokenURL: cmd.tokenURL, clientId: cmd.clientId, clientSecret: cmd.clientSecret } : null;
      if (oauth) { remember(oauth.clientSecret); console.error(`debug: client_secret=${oauth.clientSecret}`); }
      return { ok: true };
    case "login": {
      if (oauth) {
        const r = await token({ grant_type: "password", username: cmd.email, password: cmd.password });
        access = r.body.access_token ?? ""; cookie = r.body.refresh_token ?? "";
        remember(access, cookie);
        console.error(`debug: access=${access} refresh=${cookie} secret=${btoa(oauth.clientSecret)}`);
        return r;
      }
      const r = await send("POST", "/api/auth/login", { email: cmd.email, password: cmd.password });
      if (r.body && r.body.accessToken) { access = r.body.accessToken; remember(access); }
      const leak = `debug: access=${access} set-cookie: refreshToken=${cookie}`;
      console.error(leak);
      console.error(`encoded: ${btoa(access)} ${encodeURIComponent(cookie)} ${Buffer.from(cookie).toString("base64url")}`);
      setTimeout(() => console.error("late " + leak), 30); // after a short scenario was collected
      // Breaks the protocol with a long line whose token the adapter's quote cuts short.
      if (scenario === "LOOP-04") process.stdout.write(`${"x".repeat(100)} token=${access} set-cookie: refreshToken=${cookie}\n`);
      return r;
    }
    case "request": {
      if (cmd.method === "GET" && access) await send("GET", "/api/ideas/" + access);
      if (oauth && access) await token({ grant_type: access });
      return send(cmd.method, cmd.path, cmd.body);
    }
    case "logout": return send("POST", "/api/auth/logout");
    case "shutdown": return { ok: true };
    default: return { error: "unsupported: " + cmd.cmd };
  }
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let cmd;
  try { cmd = JSON.parse(line); } catch { return; }
  handle(cmd).then(
    (r) => { reply({ id: cmd.id, ...r }); if (cmd.cmd === "shutdown") process.exit(0); },
    (e) => reply({ id: cmd.id, error: String(e) }),
  );
});
