// Prints the ES module decision path's size as `make bench` measures it
// (the whole public API imported by name; esbuild --bundle --minify
// --format=esm with splitting, gzip -9), quickly.
import { build } from 'esbuild';
import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'out', 'esm-size');
await rm(OUT, { recursive: true, force: true });
await mkdir(OUT, { recursive: true });
const API = 'init, isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest';
await writeFile(join(OUT, 'entry.mjs'), `import { ${API} } from 'maestro-gate'; globalThis.x = [${API}];`);
const { metafile } = await build({
  entryPoints: { size: join(OUT, 'entry.mjs') }, outdir: OUT, splitting: true, metafile: true, bundle: true, minify: true,
  format: 'esm', platform: 'browser', logLevel: 'silent', absWorkingDir: HERE,
  alias: { 'maestro-gate': join(HERE, '..', 'pkg', 'index.js') },
});
const out = Object.keys(metafile.outputs).find((p) => p.endsWith('size.js'));
const js = await readFile(join(HERE, out));
const wasm = await readFile(join(HERE, '..', 'pkg', 'maestro_gate_bg.wasm'));
const gz = (b) => gzipSync(b, { level: 9 }).length;
console.log(`JS ${js.length} raw, ${gz(js)} gzip; wasm ${wasm.length} raw, ${gz(wasm)} gzip; total ${gz(js) + gz(wasm)} gzip (target 7,558)`);
