// maestro-gate/vite: a Vite plugin that writes the runbook's health document.
//
//   import maestroGate from 'maestro-gate/vite';
//   export default { plugins: [maestroGate()] };
//
// `vite build` emits `maestro-health` (JSON) computed from the very env the
// bundle is built with (.env files and the shell); `vite dev` and
// `vite preview` serve it at /maestro-health with `application/json`.
import { healthDocument } from './node.js';

export default function maestroGate(options = {}) {
  const fileName = options.fileName || 'maestro-health';
  let env = {};
  let base = '/';
  const serve = (server) => {
    server.middlewares.use((req, res, next) => {
      const path = (req.url || '').split('?')[0];
      if (path !== base + fileName && path !== '/' + fileName) return next();
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-store');
      res.end(healthDocument(env, options));
    });
  };
  return {
    name: 'maestro-gate',
    configResolved(config) {
      env = config.env;
      base = config.base || '/';
    },
    configureServer: serve,
    configurePreviewServer: serve,
    generateBundle() {
      this.emitFile({ type: 'asset', fileName, source: healthDocument(env, options) });
    },
  };
}

export { healthDocument };
