// Inlines a .wasm into the minified script-tag file, in place of the string
// literal "@WASM@", as a string of one character per byte (U+0000-U+00FF).
// In the UTF-8 file the bytes keep their patterns, so gzip and brotli compress
// it almost as well as the .wasm itself (base64 cost about 4 KB more gzip).
// The file starts with a UTF-8 byte order mark, which makes a browser decode
// it as UTF-8 whatever the page's or the server's charset says.
//
//   node scripts/embed-wasm.mjs <file.js> <module.wasm>
import { readFileSync, writeFileSync } from 'node:fs';

const [jsFile, wasmFile] = process.argv.slice(2);
const bytes = readFileSync(wasmFile);
let literal = "'";
for (const b of bytes) {
  if (b === 0x5c) literal += '\\\\';
  else if (b === 0x27) literal += "\\'";
  else if (b === 0x0a) literal += '\\n';
  else if (b === 0x0d) literal += '\\r';
  else if (b === 0x00) literal += '\\x00'; // `\0` before a digit would be an octal escape
  else literal += String.fromCharCode(b);
}
literal += "'";
const js = readFileSync(jsFile, 'utf8').replace(/^\uFEFF/, '');
const parts = js.split('"@WASM@"');
if (parts.length !== 2) throw new Error(`${jsFile}: expected one "@WASM@", found ${parts.length - 1}`);
writeFileSync(jsFile, '\uFEFF' + parts[0] + literal + parts[1]);
// The literal must read back as the module's bytes.
const back = new Function(`return ${literal}`)();
if (back.length !== bytes.length || [...back].some((c, i) => c.charCodeAt(0) !== bytes[i])) throw new Error('the inlined wasm does not read back');
