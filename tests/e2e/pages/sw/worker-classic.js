// The app's own Service Worker, as a classic worker: the guard from
// maestro-gate-sw.js through importScripts (as Workbox's generated worker loads it).
importScripts('/pkg/maestro-gate-sw.js');

const q = new URLSearchParams(self.location.search);
// What the guard warns, for the test to read at ./sw-warnings, as worker.mjs.
const warnings = [];
const warn = console.warn.bind(console);
console.warn = (...args) => { warnings.push(args.join(' ')); warn(...args); };
self.addEventListener('fetch', (event) => {
  if (new URL(event.request.url).pathname.endsWith('/sw-warnings')) event.respondWith(new Response(JSON.stringify(warnings)));
});
// ?remoteFalse, ?remoteNull: none; ?remoteEmpty: ''; ?remoteObject=PATH: a URL object (not a string).
const remote = q.has('remoteFalse') ? false : q.has('remoteNull') ? null : q.has('remoteEmpty') ? ''
  : q.has('remoteObject') ? new URL(q.get('remoteObject'), self.location.href) : q.get('remote') || undefined;
self.maestroGuard({
  block: ['/maestro/', '/patterned/*.js'],
  remote,
  pollMs: Number(q.get('pollMs')) || undefined,
  startBlocked: q.has('startBlocked'),
});
