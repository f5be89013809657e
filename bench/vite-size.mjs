// What a page downloads with the gate, measured as Vite builds it (issue 14:
// "say both, or measure as Vite does"). A one-line app,
//   import { init } from 'maestro-gate'; init();
// is built by the real `vite build` with Vite's defaults (no config file), and
// the script sums, file by file, what the built page loads before init()
// resolves: the entry chunk, every chunk it imports statically, and the
// assets they reference (the gate's .wasm), from Vite's own manifest. The
// rollback and remote chunks, and their .wasm, load only when used and are
// left out; so is the HTML page. Gzip is -9, as bench/esm-size.mjs and
// `make bench` count it.
//
// Vite adds code of its own to an entry chunk that has dynamic imports (the
// gate's entry has two: the rollback and the remote poll): its module-preload
// polyfill and the helper it wraps around each dynamic import. To say how
// much, a control app with one dynamic import and nothing else is built the
// same way: its entry chunk is that code alone (gzip does not add up exactly,
// so it is an estimate of Vite's share).
//
//   node bench/vite-size.mjs     (needs pkg/ built and bench/node_modules installed)
import { build, version } from 'vite';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const OUT = join(HERE, 'out', 'vite-size');

export const VITE_APP = "import { init } from 'maestro-gate'; init();";

const sizes = (buf) => ({
  raw: buf.length,
  gzip: gzipSync(buf, { level: 9 }).length,
  brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
});

// Builds the app in `root` into its dist/ and returns the files its page
// loads at start, from Vite's manifest.
async function pageFiles(root) {
  const out = join(root, 'dist');
  await build({ root, configFile: false, logLevel: 'silent', build: { outDir: out, emptyOutDir: true, manifest: 'manifest.json' } });
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  const files = new Set();
  const visit = (key) => {
    const chunk = manifest[key];
    if (files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const asset of chunk.assets ?? []) files.add(asset);
    for (const dep of chunk.imports ?? []) visit(dep);
  };
  visit('index.html');
  return Promise.all([...files].sort().map(async (file) => ({ file, ...sizes(unhashed(await readFile(join(out, file)), file)) })));
}

/**
 * A chunk's bytes with the content hashes in the file names it refers to
 * (`maestro_gate_remote-B1qfkULZ.js`) replaced by a fixed eight characters:
 * a change inside a lazy chunk renames it, and the new hash moves the gzip
 * of the chunk that names it by a few bytes. Measured without that noise, a
 * size changes only when the code does (the budgets compare exactly).
 */
export const unhashed = (buf, file) => (/\.m?js$/.test(file)
  ? Buffer.from(buf.toString('latin1').replace(/(maestro_gate_[a-z_]+)-[A-Za-z0-9_-]{8}\.(js|wasm)/g, '$1-00000000.$2'), 'latin1')
  : buf);

const total = (files) => files.reduce((t, f) => ({ raw: t.raw + f.raw, gzip: t.gzip + f.gzip, brotli: t.brotli + f.brotli }), { raw: 0, gzip: 0, brotli: 0 });

async function app(root, files) {
  await mkdir(root, { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="./main.js"></script>\n');
  for (const [name, text] of Object.entries(files)) await writeFile(join(root, name), text + '\n');
}

/**
 * Vite's default build of the one-line app: the files its page loads at start
 * and their total, and the entry chunk of the control app (Vite's own code).
 */
export async function viteSize() {
  await rm(OUT, { recursive: true, force: true });
  await app(join(OUT, 'app'), { 'main.js': VITE_APP });
  await mkdir(join(OUT, 'app', 'node_modules'));
  await symlink(join(ROOT, 'pkg'), join(OUT, 'app', 'node_modules', 'maestro-gate'));
  await app(join(OUT, 'control'), { 'main.js': "import('./lazy.js').then((m) => m.f());", 'lazy.js': 'export const f = () => 1;' });
  const files = await pageFiles(join(OUT, 'app'));
  if (!files.some((f) => /maestro_gate_bg-.*\.wasm$/.test(f.file))) throw new Error(`the gate's .wasm is not among ${files.map((f) => f.file)}`);
  const [control] = await pageFiles(join(OUT, 'control'));
  return { version, files, total: total(files), viteOwn: control };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { version: v, files, total: t, viteOwn } = await viteSize();
  for (const f of files) console.log(`${f.file.padEnd(40)} ${String(f.raw).padStart(7)} raw ${String(f.gzip).padStart(6)} gzip`);
  console.log(`Vite ${v}, default build of \`${VITE_APP}\`: total ${t.gzip} gzip (${t.brotli} brotli); `
    + `Vite's own code in an entry chunk (preload polyfill and helper; a control app): about ${viteOwn.gzip} gzip`);
}
