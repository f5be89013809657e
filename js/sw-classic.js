// maestro-gate's Service Worker guard as a classic script (pkg/maestro-gate-sw.js),
// for a worker that loads it with importScripts (Workbox's, vite-plugin-pwa's
// generateSW with importScripts, a hand-written classic worker): it puts
// `maestroGuard` on the worker's global object. The guard is js/sw.js.
import { maestroGuard } from './sw.js';

self.maestroGuard = maestroGuard;
