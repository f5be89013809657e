// maestro-gate/vite: a Vite plugin that writes the runbook's health document.
//
//   import maestroGate from 'maestro-gate/vite';
//   export default { plugins: [maestroGate()] };
//
// `vite build` emits `maestro-health` (JSON) computed from the very env the
// bundle is built with (.env files and the shell), and prints the core's
// warning for an invalid value on stderr (`strict: true` fails the build).
// `vite dev` serves the document for the dev server's env; `vite preview`
// serves the built file as it is, with `application/json`.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildCheck, healthDocument } from './node.js';

export default function maestroGate(options = {}) {
  const fileName = options.fileName || 'maestro-health';
  let env = {};
  let base = '/';
  let command = 'serve';
  let logger;
  // Mounts `answer(req, res)` at /<fileName> (under `base` too).
  const mount = (server, answer) => {
    server.middlewares.use((req, res, next) => {
      const path = (req.url || '').split('?')[0];
      if (path !== base + fileName && path !== '/' + fileName) return next();
      res.setHeader('cache-control', 'no-store');
      answer(res).catch(next);
    });
  };
  return {
    name: 'maestro-gate',
    configResolved(config) {
      env = config.env;
      base = config.base || '/';
      command = config.command;
      logger = config.logger;
    },
    // Dev: the document for the dev server's own env, as the bundle it serves.
    configureServer(server) {
      mount(server, async (res) => {
        res.setHeader('content-type', 'application/json');
        res.end(healthDocument(env, options));
      });
    },
    // Preview: the file the build wrote, never one computed from the
    // preview's env (which need not be the build's).
    configurePreviewServer(server) {
      const { root, build } = server.config;
      const file = resolve(root, build.outDir, fileName);
      mount(server, async (res) => {
        let body;
        try {
          body = await readFile(file);
        } catch {
          res.statusCode = 404;
          res.setHeader('content-type', 'text/plain; charset=utf-8');
          res.end(`maestro-gate: ${file} not found: run \`vite build\` first (vite preview serves the built ${fileName}, it does not compute one)\n`);
          return;
        }
        res.setHeader('content-type', 'application/json');
        res.end(body);
      });
    },
    buildStart() {
      if (command !== 'build') return;
      const { warnings } = buildCheck(env, options);
      if (warnings.length === 0) return;
      if (options.strict) this.error(warnings.join('\n'));
      for (const line of warnings) logger.warn(line);
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName, source: buildCheck(env, options).document });
    },
  };
}

export { buildCheck, healthDocument };
