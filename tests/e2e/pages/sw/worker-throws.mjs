// A Service Worker whose guard meets an exception (tests/e2e/sw.test.mjs):
// after the guard is installed, URLPattern's test() throws, so every request
// that no prefix entry matches throws inside the guard.
import { maestroGuard } from '/pkg/sw.js';

maestroGuard({ block: ['/maestro/', '/patterned/*.js'] });
URLPattern.prototype.test = function () { throw new Error('boom'); };
