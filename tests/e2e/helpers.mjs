// Shared pieces for the end-to-end tests: a static file server on a free
// loopback port, and Vite builds. The browsers are in browsers.mjs.
import { createServer } from 'node:http';
import { readFile, mkdtemp } from 'node:fs/promises';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, extname, normalize, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '..', '..'));

const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.svg': 'image/svg+xml',
};

/** Serves `dir` on 127.0.0.1 at a free port. `routes` maps a path to a handler(req, res). */
export async function serve(dir, routes = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (routes[path]) return routes[path](req, res);
    const file = normalize(join(dir, path.endsWith('/') ? path + 'index.html' : path));
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

/** `vite build` of www/ into a fresh temporary folder, with `env` added to the environment. */
export async function viteBuild(env) {
  const outDir = await mkdtemp(join(tmpdir(), 'maestro-www-'));
  const clean = { ...process.env };
  delete clean.VITE_MAESTRO_ENABLED;
  delete clean.VITE_MAESTRO_ROLLOUT;
  const r = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn', '--outDir', outDir, '--emptyOutDir'], {
    cwd: join(ROOT, 'www'), env: { ...clean, ...env }, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
  return outDir;
}

/** `maestro-gate collect` on a free port; resolves once it listens. */
export async function collect(args) {
  const child = spawn(process.execPath, [join(ROOT, 'pkg', 'cli.js'), 'collect', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  for (let i = 0; i < 100 && !/collecting beacons at (\S+)/.test(out) && child.exitCode === null; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = /collecting beacons at (\S+) into (\S+)/.exec(out);
  if (!m) { child.kill(); throw new Error(`collect did not start: ${out}`); }
  return { url: m[1], file: m[2], child, stop: async () => { child.kill('SIGTERM'); await once(child, 'exit'); } };
}

