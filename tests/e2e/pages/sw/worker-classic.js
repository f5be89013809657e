// The app's own Service Worker, as a classic worker: the guard from
// maestro-gate-sw.js through importScripts (as Workbox's generated worker loads it).
importScripts('/pkg/maestro-gate-sw.js', './record.js');

const q = new URLSearchParams(self.location.search);
self.maestroGuard({
  block: ['/maestro/', '/patterned/*.js'],
  remote: self.remoteOf(q),
  pollMs: Number(q.get('pollMs')) || undefined,
  startBlocked: q.has('startBlocked'),
});
