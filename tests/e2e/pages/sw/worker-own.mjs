// An app's Service Worker with a handler of its own after the guard
// (tests/e2e/sw.test.mjs): it answers /app/data itself. A request the guard
// does not match must reach it untouched (had the guard answered it, this
// respondWith would throw and the page would get the guard's answer).
import { maestroGuard } from '/pkg/sw.js';

maestroGuard({ block: ['/maestro/'] });
self.addEventListener('fetch', (event) => {
  if (new URL(event.request.url).pathname === '/app/data') event.respondWith(new Response('from the app\'s own handler'));
});
