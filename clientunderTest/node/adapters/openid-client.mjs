// openid-client is panva's openid-client 6.9.0 under the oauth2 profile, used as its
// API reference shows (docs/README.md, "Configuration › discovery", "Grants ›
// genericGrantRequest" and "refreshTokenGrant", "Protected Resources ›
// fetchProtectedResource", "tokenRevocation"):
//
//   - discovery(server, clientId, clientSecret) reads the server's RFC 8414 metadata
//     (algorithm 'oauth2'); allowInsecureRequests lets it use the fake server's plain
//     http:// on loopback, as the reference says it is for;
//   - the login is genericGrantRequest(config, 'password', {username, password}): the
//     library has no helper for the password grant, and this is its way to send any;
//   - calls go through fetchProtectedResource(config, accessToken, url, method, body,
//     headers), which throws WWWAuthenticateChallengeError when the resource answers
//     with a WWW-Authenticate challenge; the app catches an invalid_token challenge,
//     trades its refresh token with refreshTokenGrant(config, refreshToken) and sends
//     the call once more ("Handle WWW-Authenticate Challenges as needed", the library's
//     examples say);
//   - logout is tokenRevocation(config, refreshToken).
//
// The tokens live in localStorage (the app persists them; tabs share them). KEEP THE
// PATTERN AS WRITTEN: every challenged call runs its own refresh (no single flight,
// no cross-tab lock), a refresh that fails is thrown to the caller, a refresh answer
// without refresh_token keeps the one the app has (TokenEndpointResponse's
// refresh_token is optional, and the app keeps what it holds), only a challenge means
// expired. openid-client reads no clock of the kit's and cannot cancel a call: the
// adapter announces neither.

import * as client from 'openid-client';
import { jsonBody } from './lib/fetch-call.mjs';

export const name = 'openid-client';
export const version = 'openid-client 6.9.0'; // pinned in ../package.json
export const features = [];
export const profiles = ['oauth2'];

const TOKENS = 'oauth2-tokens';

export default async function createClient({ baseURL, storage, oauth2 }) {
  const config = await client.discovery(new URL(baseURL), oauth2.clientId, oauth2.clientSecret,
    client.ClientSecretPost(oauth2.clientSecret), { algorithm: 'oauth2', execute: [client.allowInsecureRequests] });

  const tokens = () => JSON.parse(storage.getItem(TOKENS) ?? 'null');
  const keep = (t) => {
    const old = tokens();
    storage.setItem(TOKENS, JSON.stringify({
      access_token: t.access_token,
      refresh_token: t.refresh_token ?? old?.refresh_token,
    }));
  };

  // send is one protected call; an answer other than a challenge is the caller's.
  const send = async ({ method, path, body, headers }) => {
    const h = new Headers(headers ?? {});
    let payload;
    if (body !== undefined && body !== null) {
      h.set('content-type', 'application/json');
      payload = JSON.stringify(body);
    }
    const response = await client.fetchProtectedResource(config, tokens()?.access_token ?? '',
      new URL(path, baseURL), method, payload, h);
    return { status: response.status, body: await jsonBody(response) };
  };

  const challenged = (err) => err instanceof client.WWWAuthenticateChallengeError &&
    err.cause?.some((c) => c.parameters?.error === 'invalid_token');

  return {
    async login(email, password) {
      try {
        keep(await client.genericGrantRequest(config, 'password', { username: email, password }));
        return { status: 200, body: { loggedIn: true } };
      } catch (err) {
        if (err instanceof client.ResponseBodyError) return { status: err.status, body: { error: err.error } };
        throw err;
      }
    },
    async request(call) {
      try {
        return await send(call);
      } catch (err) {
        if (!challenged(err)) return challengeAnswer(err);
        keep(await client.refreshTokenGrant(config, tokens()?.refresh_token ?? ''));
        try {
          return await send(call);
        } catch (again) {
          return challengeAnswer(again);
        }
      }
    },
    async logout() {
      const t = tokens();
      storage.removeItem(TOKENS);
      await client.tokenRevocation(config, t?.refresh_token ?? '', { token_type_hint: 'refresh_token' });
      return { status: 200, body: null };
    },
  };
}

// challengeAnswer is what the caller sees of a challenge the app does not handle:
// the resource's own answer (the error carries the Response). Anything else is thrown.
async function challengeAnswer(err) {
  if (err instanceof client.WWWAuthenticateChallengeError && err.response) {
    return { status: err.response.status, body: await jsonBody(err.response) };
  }
  throw err;
}
