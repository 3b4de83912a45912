// axios-auth-refresh-unpaused is the axios-auth-refresh library used as its README
// shows (axios-auth-refresh 5.0.2, README.md "Usage", "Request interceptor"), with
// `deduplicateRefresh: false`: the behaviour every 3.x/4.x user has by default
// (`pauseInstanceWhileRefreshing: false`; CHANGELOG.md 5.0.0: "Set
// `deduplicateRefresh: false` to restore the previous behavior"). The README's
// "Deduplicate refresh calls" says the refresh call must then be marked
// `skipAuthRefresh`, or a 401 from it is intercepted too (joining the refresh it is
// part of, which then never settles): this app marks it (./lib/axios-auth-refresh-client.mjs).

import { createAuthRefreshClient, libraryVersion } from './lib/axios-auth-refresh-client.mjs';

const OPTIONS = { deduplicateRefresh: false };

export const name = 'axios-auth-refresh-unpaused';
export const version = libraryVersion(OPTIONS);
export const features = [];

export default function createClient(env) {
  return createAuthRefreshClient(env, OPTIONS);
}
