// Inlines .wasm files into a minified script-tag file, each in place of a
// string literal naming it ("@GATE_WASM@"), as hex. Hex keeps each byte's
// pattern (two characters per byte, always aligned), so gzip and brotli
// compress it nearly as well as the .wasm itself (base64 cost about 3 KB more
// gzip), and browsers decode it natively with Uint8Array.fromHex. It is
// ASCII, so the page's or the server's charset cannot change it.
//
//   node scripts/embed-wasm.mjs <file.js> NAME=<module.wasm> [NAME=<module.wasm> ...]
import { readFileSync, writeFileSync } from 'node:fs';

const [jsFile, ...pairs] = process.argv.slice(2);
let js = readFileSync(jsFile, 'utf8');
for (const pair of pairs) {
  const [name, wasmFile] = pair.split('=');
  const parts = js.split(`"@${name}@"`);
  if (parts.length !== 2) throw new Error(`${jsFile}: expected one "@${name}@", found ${parts.length - 1}`);
  js = parts[0] + `"${readFileSync(wasmFile).toString('hex')}"` + parts[1];
}
if (/"@[A-Z_]+@"/.test(js)) throw new Error(`${jsFile}: a wasm placeholder is left`);
if (/[^\x00-\x7f]/.test(js)) throw new Error(`${jsFile}: not ASCII`);
writeFileSync(jsFile, js);
