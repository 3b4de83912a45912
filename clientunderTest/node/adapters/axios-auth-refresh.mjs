// axios-auth-refresh is the axios-auth-refresh library used as its README shows
// (axios-auth-refresh 5.0.2, README.md "Usage": `createAuthRefresh(axios,
// refreshAuthLogic)`, and "Request interceptor"), with its DEFAULT options. In 5.x the
// default is `deduplicateRefresh: true` — the old `pauseInstanceWhileRefreshing`,
// renamed and turned on by default in 5.0.0 (CHANGELOG.md): while a refresh runs, new
// requests wait for it and 401s from the instance are not intercepted. The app around
// it is ./lib/axios-auth-refresh-client.mjs (its header says what it keeps as written).

import { createAuthRefreshClient, libraryVersion } from './lib/axios-auth-refresh-client.mjs';

export const name = 'axios-auth-refresh';
export const version = libraryVersion({});
export const features = [];

export default function createClient(env) {
  return createAuthRefreshClient(env, undefined);
}
