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
//
// `vite dev` and `vite preview` also receive the decision beacon
// (init({ report: '/maestro-report' })): each beacon is appended as one line to
// a file the server names when it starts (`beacons`, by default
// node_modules/.maestro-gate/beacons.jsonl), which `maestro-gate
// report-summary` reads (js/receiver.js, the same receiver as `maestro-gate
// collect`). `report: false` leaves it out.
//
// `vite build` also adds `<link rel="preload" as="fetch" crossorigin>` for the
// gate's .wasm to each built HTML page that loads it (`preload: false` leaves
// it out), so that the .wasm downloads beside the entry chunk instead of after
// it: `init()`'s fetch() (mode cors, credentials same-origin, as the hint's
// `crossorigin`) then takes the preloaded response (see README.md, Performance).
import { readFile } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import { buildCheck, healthDocument } from './node.js';
import { openBeaconFile, receiver } from './receiver.js';

// The gate's .wasm (pkg/maestro_gate_bg.wasm) as the build emitted it, if
// the page's entry chunk or a chunk it imports statically loads it.
const GATE_WASM = 'maestro_gate_bg.wasm';
function gateWasm(bundle, entry) {
  const asset = Object.values(bundle || {}).find((f) => f.type === 'asset' && (f.names || [f.name]).includes(GATE_WASM));
  if (!asset) return;
  const name = posix.basename(asset.fileName);
  const seen = new Set();
  const loads = (chunk) => {
    if (!chunk || seen.has(chunk.fileName)) return false;
    seen.add(chunk.fileName);
    return chunk.code.includes(name) || chunk.imports.some((f) => loads(bundle[f]));
  };
  if (loads(entry)) return asset.fileName;
}

export default function maestroGate(options = {}) {
  // The options are the call's own properties, never inherited ones: a
  // polluted Object.prototype names no file to emit, no beacon file or
  // path, no `strict`, no `preload`. `defaultEnabled` is read from the
  // call's options as the gate reads it (`buildCheck`): an inherited on is
  // ignored, with the gate's warning, and an inherited off counts.
  const given = options;
  options = Object.defineProperties(Object.create(null), Object.getOwnPropertyDescriptors(Object(options ?? {})));
  const fileName = options.fileName || 'maestro-health';
  let env = {};
  let base = '/';
  let command = 'serve';
  let logger;
  let root = process.cwd();
  const report = options.report === undefined ? '/maestro-report' : options.report;
  // Receives the beacons at `report` (and under `base`), into the file it names.
  const receive = (server) => {
    if (typeof report !== 'string' || !report.startsWith('/')) return;
    const file = resolve(root, options.beacons || 'node_modules/.maestro-gate/beacons.jsonl');
    // Opened at the first beacon (an app without `report` gets no file); a
    // failure to open is that beacon's 500, with the reason.
    let out;
    const write = (line) => (out ||= openBeaconFile(file)).write(line);
    server.httpServer?.once('close', () => out?.close());
    logger.info(`maestro-gate: beacons sent to ${report} are appended to ${file} (npx maestro-gate report-summary ${file})`);
    server.middlewares.use(receiver({ paths: [report, base.replace(/\/$/, '') + report], write }));
  };
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
      root = config.root || root;
      command = config.command;
      logger = config.logger;
    },
    // Dev: the document for the dev server's own env, as the bundle it serves.
    configureServer(server) {
      receive(server);
      mount(server, async (res) => {
        res.setHeader('content-type', 'application/json');
        res.end(healthDocument(env, given));
      });
    },
    // Preview: the file the build wrote, never one computed from the
    // preview's env (which need not be the build's).
    configurePreviewServer(server) {
      const { root, build } = server.config;
      const file = resolve(root, build.outDir, fileName);
      receive(server);
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
      const { warnings } = buildCheck(env, given);
      if (warnings.length === 0) return;
      if (options.strict) this.error(warnings.join('\n'));
      for (const line of warnings) logger.warn(line);
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName, source: buildCheck(env, given).document });
    },
    // Build: the preload hint for the gate's .wasm, where the bundle has it.
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const wasm = options.preload !== false && gateWasm(ctx.bundle, ctx.chunk);
        if (!wasm) return;
        // A relative base ('./' or ''): relative to the page, as Vite writes its own tags.
        const href = base.startsWith('.') || base === '' ? posix.relative(posix.dirname(ctx.path), '/' + wasm) : base + wasm;
        return [{ tag: 'link', attrs: { rel: 'preload', href, as: 'fetch', crossorigin: true }, injectTo: 'head' }];
      },
    },
  };
}

export { buildCheck, healthDocument };
