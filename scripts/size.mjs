// Prints the shipped size of the given files: raw, gzip -9 and brotli q11, and the total.
import { readFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';

export function sizes(buf) {
  return {
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2);
  const total = { raw: 0, gzip: 0, brotli: 0 };
  const row = (name, s) => console.log(`${name.padEnd(28)} ${String(s.raw).padStart(8)} ${String(s.gzip).padStart(8)} ${String(s.brotli).padStart(8)}`);
  console.log(`${'shipped file'.padEnd(28)} ${'raw'.padStart(8)} ${'gzip'.padStart(8)} ${'brotli'.padStart(8)}`);
  for (const f of files) {
    const s = sizes(readFileSync(f));
    row(f, s);
    for (const k in total) total[k] += s[k];
  }
  row('total (each file compressed)', total);
}
