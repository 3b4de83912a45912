// axios-no-credentials is axios-singleflight with one bug: its axios instance does not
// set `withCredentials`. On one origin nothing shows (a browser sends same-origin
// cookies anyway); from another origin the browser neither stores the refresh cookie
// the login sets nor sends one, so every refresh is refused. The BROWSER rows exist
// to catch it: it is the one-bug mutant of RC22.

import { createSingleFlightClient } from './axios-singleflight.mjs';

export { version, features } from './axios-singleflight.mjs';
export const name = 'axios-no-credentials';

export default (env) => createSingleFlightClient(env, { withCredentials: false });
