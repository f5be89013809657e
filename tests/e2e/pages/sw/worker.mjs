// The app's own Service Worker, as a module worker: the guard from maestro-gate/sw.
// Its options come from the query (tests/e2e/sw.test.mjs).
import { maestroGuard } from '/pkg/sw.js';

const q = new URLSearchParams(self.location.search);
// What the guard warns, for the test to read at ./sw-warnings (a worker's
// console reaches neither browser's driver here). Before the guard's own
// fetch listener, which passes that path on.
const warnings = [];
const warn = console.warn.bind(console);
console.warn = (...args) => { warnings.push(args.join(' ')); warn(...args); };
self.addEventListener('fetch', (event) => {
  if (new URL(event.request.url).pathname.endsWith('/sw-warnings')) event.respondWith(new Response(JSON.stringify(warnings)));
});
// ?remoteFalse, ?remoteNull: none; ?remoteEmpty: ''; ?remoteObject=PATH: a URL object (not a string).
const remote = q.has('remoteFalse') ? false : q.has('remoteNull') ? null : q.has('remoteEmpty') ? ''
  : q.has('remoteObject') ? new URL(q.get('remoteObject'), self.location.href) : q.get('remote') || undefined;
maestroGuard({
  block: ['/maestro/', '/patterned/*.js'],
  remote,
  pollMs: Number(q.get('pollMs')) || undefined,
  startBlocked: q.has('startBlocked'),
});
