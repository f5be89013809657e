// The app's Service Worker with recorded options (tests/e2e/types.test.mjs):
// the names maestroGuard asks its options for, every option set, kept in
// Cache Storage ("types", /reads) for the page to read.
import { maestroGuard } from '/pkg/sw.js';

const reads = new Set();
const record = (k) => { if (typeof k === 'string') reads.add(k); };
maestroGuard(new Proxy({
  block: ['/maestro/'], remote: '/health-doc', pollMs: 600000, startBlocked: false, skipWaiting: true, claim: true, log: 'silent',
}, {
  get(t, k, r) { record(k); return Reflect.get(t, k, r); },
  has(t, k) { record(k); return Reflect.has(t, k); },
  getOwnPropertyDescriptor(t, k) { record(k); return Reflect.getOwnPropertyDescriptor(t, k); },
}));
const kept = caches.open('types').then((c) => c.put('/reads', new Response(JSON.stringify([...reads].sort()))));
self.addEventListener('install', (event) => event.waitUntil(kept));
