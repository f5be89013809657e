// Optimises a wasm-bindgen module with wasm-opt -Oz and shortens its import
// and export names (`__wbg_get_2080c49015e35254` becomes `w`), then renames
// them to match in the wasm-bindgen glue beside it. The long names are hashes,
// which compress badly, and each is written twice (wasm and JS).
//
//   node scripts/minify-names.mjs <module_bg.wasm> <glue.js>
//
// The rename is mechanical and checked: every import name must occur exactly
// once in the glue (as its key in the imports object), every export is only
// read as `wasm.<name>`, and the build fails if the glue does not look so.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const [wasmFile, glueFile] = process.argv.slice(2);
if (!wasmFile || !glueFile) throw new Error('usage: minify-names.mjs <module_bg.wasm> <glue.js>');

// binaryen 132 from npm: Debian's 108 turns the externref table into anyref.
// -lmu (--low-memory-unused: the first 1,024 B of memory are the bottom of
// the 64 KiB stack, never reached; it lets wasm-opt fold a pointer's added
// constant into the access's offset), -ocimfs 40 (inline a function with one
// caller only up to 40 instructions, where -Oz inlines any) and a flattened,
// re-looped second and third -Oz, measured (gzip -9 by zlib; rollback /
// remote / rollout / sw): -Oz alone 42,189 / 39,945 / 12,684 / 15,950; with
// -lmu 42,117 / 39,715 / 12,607 / 15,746; with these 40,677 / 38,378 /
// 12,454 / 15,766 (-lmu -ocimfs 40 -Oz -Oz without flattening: 40,870 /
// 38,605 / 12,517 / 15,756).
const out = execFileSync(
  new URL('../node_modules/.bin/wasm-opt', import.meta.url).pathname,
  ['-lmu', '-ocimfs', '40', '-Oz', '--flatten', '--rereloop', '-Oz', '-Oz', '--minify-imports-and-exports-and-modules', '--strip-debug', '--strip-producers', '--strip-target-features', '--detect-features',
    wasmFile, '-o', wasmFile],
  { encoding: 'utf8' },
);
const map = JSON.parse(out.slice(out.indexOf('{')));
const module = new WebAssembly.Module(readFileSync(wasmFile));
const modules = [...new Set(WebAssembly.Module.imports(module).map((i) => i.module))];
const oldModules = [...new Set(map.imports.map(([m]) => m))];
if (modules.length !== 1 || oldModules.length !== 1) throw new Error(`expected one import module, got ${modules} / ${oldModules}`);

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
let glue = readFileSync(glueFile, 'utf8');
const replaceExactly = (pattern, to, count, what) => {
  const re = new RegExp(pattern, 'g');
  const n = (glue.match(re) || []).length;
  if (count !== undefined && n !== count) throw new Error(`${glueFile}: ${what} occurs ${n} times, expected ${count}`);
  glue = glue.replace(re, to);
};

replaceExactly(`"${escape(oldModules[0])}":`, `"${modules[0]}":`, 1, `module ${oldModules[0]}`);
for (const [, from, to] of map.imports) replaceExactly(`\\b${escape(from)}:`, `${to}:`, 1, `import ${from}`);
for (const [from, to] of map.exports) replaceExactly(`\\bwasm\\.${escape(from)}\\b`, `wasm.${to}`, undefined, `export ${from}`);
// Every export the glue reads is a renamed one, and no import keeps its old name.
const renamed = new Set(map.exports.map(([, to]) => to));
for (const [, name] of glue.matchAll(/\bwasm\.(\w+)/g)) {
  if (!renamed.has(name)) throw new Error(`${glueFile}: wasm.${name} is not an export after the rename`);
}
for (const [, from] of map.imports) {
  if (glue.includes(from)) throw new Error(`${glueFile}: import ${from} is still named`);
}
writeFileSync(glueFile, glue);

// wasm-bindgen's typings of the module's exports (InitOutput) follow the rename.
const dts = glueFile.replace(/\.js$/, '.d.ts');
if (existsSync(dts)) {
  const text = readFileSync(dts, 'utf8');
  const start = text.indexOf('export interface InitOutput {');
  const end = text.indexOf('}', start);
  if (start < 0 || end < 0) throw new Error(`${dts}: no InitOutput interface`);
  let block = text.slice(start, end);
  for (const [from, to] of map.exports) block = block.replace(new RegExp(`readonly ${escape(from)}:`), `readonly ${to}:`);
  writeFileSync(dts, text.slice(0, start) + block + text.slice(end));
}
