// axios-seed is the seed tutorial's client ("Refresh Token When Expires") as a JS
// adapter module, for browser mode: an `api` instance with `withCredentials`, a request
// interceptor that adds the in-memory access token, and the tutorial's response
// interceptor verbatim. In the browser the page's real cookie store keeps the
// HttpOnly refresh cookie.
//
// KEEP ITS BUGS, as the Node driver ../axios-seed/driver.mjs does (expected-failures
// beside it lists them): every 401 starts its own refresh (no single flight), a 401
// from login starts a refresh too, a refresh failure hands the caller the original
// 401, a refresh that lands after logout still wins, no cross-tab coordination, only
// HTTP 401 means expired, and a cancelled caller waits for the refresh anyway.

import axios from 'axios';
import { outcome, toAxiosConfig } from './lib/axios-call.mjs';

export const name = 'axios-seed-interceptor';
export const version = `axios ${axios.VERSION}`;
// What the client itself can send: form and multipart bodies (browser mode supplies
// tabs, reloads, cancel and the clock).
export const features = ['bodies'];

export default function createClient({ baseURL }) {
  // --- src/lib/axios.ts ---------------------------------------------------------
  const api = axios.create({
    baseURL: baseURL + '/api',
    withCredentials: true,
    headers: { 'Content-Type': 'application/json' },
  });

  // The access token lives in memory only (setStoredAccessToken in the tutorial).
  let accessToken = null;
  const getStoredAccessToken = () => accessToken;
  const setStoredAccessToken = (token) => {
    accessToken = token;
  };

  // --- src/api/auth.ts ----------------------------------------------------------
  const refreshAccessToken = async () => {
    const res = await api.post('/auth/refresh');
    return res.data;
  };

  api.interceptors.request.use((config) => {
    const token = getStoredAccessToken();
    if (token) {
      config.headers.Authorization = `Bearer ${token}`;
    }
    return config;
  });

  // Retry once if 401 — exactly the tutorial's interceptor.
  api.interceptors.response.use(
    (res) => res,
    async (error) => {
      const originalRequest = error.config;

      if (
        error.response?.status === 401 &&
        !originalRequest._retry &&
        !originalRequest.url.includes('/auth/refresh')
      ) {
        originalRequest._retry = true;

        try {
          const { accessToken: newToken } = await refreshAccessToken();
          setStoredAccessToken(newToken);
          originalRequest.headers.Authorization = `Bearer ${newToken}`;
          return api(originalRequest);
        } catch (err) {
          console.error('Refresh token failed', err?.message);
        }
      }

      return Promise.reject(error);
    },
  );

  // --- the application code the harness drives ----------------------------------
  return {
    login: (email, password) =>
      outcome(
        api.post('/auth/login', { email, password }).then((res) => {
          setStoredAccessToken(res.data?.accessToken ?? null);
          return res;
        }),
      ),
    request: (call) => outcome(api.request(toAxiosConfig(call, baseURL))),
    logout: () =>
      outcome(
        api.post('/auth/logout').then((res) => {
          setStoredAccessToken(null);
          return res;
        }),
      ),
  };
}
