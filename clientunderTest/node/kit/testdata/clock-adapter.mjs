// clock-adapter.mjs is a test adapter for the kit's own specs (node_kit_test.go): it
// sends nothing over HTTP except GET /api/ideas (to be held at the server), and answers
// with what the page clock and its timers show.
export const name = 'kit-probe';

export default function createClient({ baseURL }) {
  let fired = 0;
  let timer = null;
  return {
    login: async () => ({ status: 200, body: null }),
    logout: async () => ({ status: 204, body: null }),
    async request({ path, signal }) {
      switch (path) {
        case '/now':
          return { status: 200, body: { now: Date.now(), fired } };
        case '/arm': // a 30 s timer on the page clock
          clearTimeout(timer);
          timer = setTimeout(() => fired++, 30_000);
          return { status: 200, body: { now: Date.now(), fired } };
        default: {
          const res = await fetch(baseURL + path, { signal });
          return { status: res.status, body: await res.json().catch(() => null) };
        }
      }
    },
    close() {
      clearTimeout(timer);
    },
  };
}
