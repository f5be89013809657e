// The app's own Service Worker, as a module worker: the guard from maestro-gate/sw.
// Its options come from the query (tests/e2e/sw.test.mjs).
import { maestroGuard } from '/pkg/sw.js';
import './record.js';

const q = new URLSearchParams(self.location.search);
maestroGuard({
  block: ['/maestro/', '/patterned/*.js'],
  remote: self.remoteOf(q),
  pollMs: Number(q.get('pollMs')) || undefined,
  startBlocked: q.has('startBlocked'),
});
