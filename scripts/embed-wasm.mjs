// Inlines a .wasm into the minified script-tag file, in place of the string
// literal "@WASM@", as hex. Hex keeps each byte's pattern (two characters per
// byte, always aligned), so gzip and brotli compress it nearly as well as the
// .wasm itself (base64 cost about 3 KB more gzip), and browsers decode it
// natively with Uint8Array.fromHex. It is ASCII, so the page's or the
// server's charset cannot change it.
//
//   node scripts/embed-wasm.mjs <file.js> <module.wasm>
import { readFileSync, writeFileSync } from 'node:fs';

const [jsFile, wasmFile] = process.argv.slice(2);
const hex = readFileSync(wasmFile).toString('hex');
const parts = readFileSync(jsFile, 'utf8').split('"@WASM@"');
if (parts.length !== 2) throw new Error(`${jsFile}: expected one "@WASM@", found ${parts.length - 1}`);
const js = parts[0] + `"${hex}"` + parts[1];
if (/[^\x00-\x7f]/.test(js)) throw new Error(`${jsFile}: not ASCII`);
writeFileSync(jsFile, js);
