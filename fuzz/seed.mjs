// Writes the seed corpus of each fuzz target into fuzz/corpus/<target>/, one
// file per input named by its SHA-1 (as libFuzzer names what it adds), from
// the conformance table (tests/conformance/cases.json), the Unleash client
// specification's ids and percentages (node_modules/@unleash/client-specification)
// and the hostile cases of the existing tests. Run by hand after changing the
// seeds (`node fuzz/seed.mjs`); the corpus is committed, and campaigns add to it.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const seeds = { flag: new Set(), health: new Set(), options: new Set(), summary: new Set(), quote: new Set() };

// A conformance value as the page reads it: String(value) (JSON, or {js, text}).
const text = (v) => (v === undefined ? '' : v && typeof v === 'object' ? (v.text ?? JSON.stringify(v)) : String(v));

const { cases } = JSON.parse(readFileSync(join(root, 'tests/conformance/cases.json'), 'utf8'));
for (const c of cases) {
  seeds.flag.add([text(c.window), text(c.env), text(c.default)].join('\0'));
  for (const v of [c.window, c.env, c.default]) if (v !== undefined) seeds.flag.add(text(v));
  const h = c.expect?.health;
  if (h) {
    seeds.health.add(JSON.stringify(h));
    const line = { v: 1, event: 'start', enabled: c.expect.enabled, source: c.expect.source, reason: c.expect.reason };
    seeds.summary.add(JSON.stringify(line));
  }
}

// Unleash: user and session ids (names, comments), rollout percentages (flag values).
const spec = join(root, 'node_modules/@unleash/client-specification/specifications');
const ids = new Set();
const percents = new Set();
const walk = (v, key) => {
  if (Array.isArray(v)) v.forEach((x) => walk(x, key));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  else if (typeof v === 'string' && /id$/i.test(key ?? '')) ids.add(v);
  else if (['rollout', 'percentage'].includes(key)) percents.add(String(v));
};
for (const f of readdirSync(spec).filter((f) => f.endsWith('.json'))) walk(JSON.parse(readFileSync(join(spec, f), 'utf8')));
for (const p of percents) {
  seeds.flag.add(p);
  seeds.flag.add(`${p}%`);
  seeds.health.add(JSON.stringify({ maestro_enabled: true, rollout: Number(p) }));
  seeds.health.add(JSON.stringify({ maestro_enabled: true, rollout: `${p}%` }));
}
for (const id of ids) {
  seeds.quote.add(id);
  seeds.summary.add(JSON.stringify({ v: 1, event: 'change', enabled: false, source: id }));
}

// The hostile cases of the tests.
for (const v of ['', ' ', 'flase', 'TRUE', ' yes\t', 'on\u00a0', 'ON\n', '\u0130', 'true\u0000', '1.0', '-0', '0x1',
  '1e2', '100%', '101', '007', '0025%', ' 25 %', '%', '25%%', 'NaN', 'Infinity', 'x'.repeat(5000)]) seeds.flag.add(v);
for (const d of [
  '{"maestro_enabled":false}',
  '{"maestro_enabled":false,"maestro_enabled":true}',
  '{ "maestro_enabled" : true , "maestro\\u005fenabled" : false }',
  '{"maestro_enabled":1,"\\u006d\\u0061\\u0065\\u0073\\u0074\\u0072\\u006F\\u005F\\u0065\\u006e\\u0061\\u0062\\u006c\\u0065\\u0064":0}',
  '{"maestro_enabled":true,"nested":{"maestro_enabled":false}}',
  '{"maestro_enabled":true,"list":[{"maestro_enabled":false}]}',
  '{"status":"a \\"maestro_enabled\\": b","maestro_enabled":true}',
  '{"status":"\\\\","maestro_enabled":true}',
  '{"maestro_enabled\\u0000":true,"maestro_enable":false,"Maestro_enabled":0}',
  '["maestro_enabled","maestro_enabled"]',
  '{"maestro_enabled":true,"rollout":10,"rollout":90}',
  '{"maestro_enabled":true,"r\\u006fllout":10,"rollout":90}',
  '{"maestro_enabled":"flase"}',
  '{"maestro_enabled":true,"rollout":"25%"}',
  '{"maestro_enabled":true,"rollout":1e400}',
  '{"maestro_enabled":true,"rollout":100.0000000000000001}',
  '{"maestro_enabled":true,"rollout":-0}',
  `{"maestro_enabled":true,"pad":"${'x'.repeat(8200)}"}`,
  '<!doctype html><title>404</title>',
  '{"maestro_enabled":true}\u0000',
]) seeds.health.add(d);
const own = ['{}', '{"prefix":"app:"}', '{"acceptClearAllFromOtherTabs":true}', '{"prefix":"","acceptClearAllFromOtherTabs":"true"}'];
for (const mode of ['prefixed', 'all', 'none', 'ALL', 'everything', null]) {
  for (const o of own) {
    const m = { maestroGate: 'cleanup', id: 1, tab: 2, database: 'maestro_secrets', prefix: '', sessionStorage: mode, fromOtherTab: true };
    seeds.options.add(`${JSON.stringify({ ...m, prefix: 'maestro:' })}\0${o}`);
    seeds.options.add(`${JSON.stringify(m)}\0${o}`);
  }
}
for (const g of ['{"database":"","prefix":"x","sessionStorage":"all","blockedTimeoutMs":-1,"allTabs":false,"log":"silent"}',
  '{"database":7,"prefix":null,"sessionStorage":"prefixed","blockedTimeoutMs":1e309}', '{"blockedTimeoutMs":"NaN"}',
  '{"maestroGate":"answer","id":1,"tab":3,"outcome":"cleared","removed":2}', '{"maestroGate":"remote","url":"/h","enabled":false,"rollout":5}',
  '{"maestroGate":"remote","url":"/h","enabled":true,"rollout":25}\0{"bucket":57}',
  '{"maestroGate":"remote","url":"/h","enabled":true,"rollout":"25%"}\0{"bucket":12}',
  '{"maestroGate":"remote","url":"/h","enabled":true,"rollout":250}\0{"bucket":100}',
  '{"maestroGate":"remote","url":"/h","enabled":true,"rollout":-1}\0{"bucket":4294967296}',
  '{"maestroGate":"guard"}', '{"maestroGate":"__proto__"}']) seeds.options.add(g);
for (const l of ['', '\n\n', 'not json', '{"enabled":true,"source":"default","event":"start"}',
  '{"enabled":"true","source":"default","event":"start"}', '{"enabled":false,"source":"a b","event":"start"}',
  '{"enabled":false,"source":"window.MAESTRO_ENABLED","event":"cleanup","source":"x"}',
  '{"enabled":false,"source":"\u202eevil","event":"change"}', `{"enabled":true,"source":"${'s'.repeat(41)}","event":"start"}`,
  '\r\n{"enabled":true,"source":"remote","event":"change"}\r\n', '[1,2,3]', 'null']) seeds.summary.add(l);
// maestro-db's property test's pieces, and whole hostile names.
const property = readFileSync(join(root, 'crates/maestro-db/tests/property.rs'), 'utf8');
const pieces = property.slice(property.indexOf('const PIECES'), property.indexOf('];'));
for (const m of pieces.matchAll(/^\s*"((?:[^"\\]|\\.)*)",$/gm)) seeds.quote.add(JSON.parse(`"${m[1]}"`));
for (const q of ['maestro_audit_logs', 'We"ird $x$ \'name\'', "'; DROP TABLE public.canary; --", 'x\\\'; DROP', '$maestro$ $maestro_1$',
  'a\nb', '-- c', '/* c', 'é🙂', '\u0085\u2028', 'x'.repeat(70)]) seeds.quote.add(q);

for (const [target, set] of Object.entries(seeds)) {
  const dir = join(root, 'fuzz/corpus', target);
  mkdirSync(dir, { recursive: true });
  for (const s of set) {
    const bytes = Buffer.from(s, 'utf8');
    writeFileSync(join(dir, createHash('sha1').update(bytes).digest('hex')), bytes);
  }
  console.log(`${target}: ${set.size} seeds`);
}
