// The conformance table (tests/conformance/cases.json) in Node, against the
// package's own entry (pkg/index.js) and the gate's .wasm in pkg/: each case
// imports a fresh copy of the entry, sets globalThis.MAESTRO_ENABLED (the
// runtime source in Node), records the console, and compares every field.
// The same table runs natively and in both browsers (tests/conformance.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './helpers.mjs';

const { cases } = JSON.parse(readFileSync(join(ROOT, 'tests', 'conformance', 'cases.json'), 'utf8'));
const wasm = readFileSync(join(ROOT, 'pkg', 'maestro_gate_bg.wasm'));
const rolloutWasm = readFileSync(join(ROOT, 'pkg', 'maestro_gate_rollout_bg.wasm'));
// The table runs twice: a rollout or a guard narrowed by the first-answer module's narrowing
// build (what a page with no document to read loads, as every case of the table is), then by
// the whole module (what a page with `remote` loads: the recipe's).
const BUILDS = [['the narrowing build', 'maestro_gate_narrow_bg.wasm'], ['the first-answer module', 'maestro_gate_answer_bg.wasm']]
  .map(([what, file]) => [what, readFileSync(join(ROOT, 'pkg', file))]);
let answerWasm; // (this run's)
// The cases that set a rollout or a guard (the first-answer module narrows the
// gate's decision; a guard's rollout module loads after it), an inherited one included.
const ROLLOUT = ['rollout', 'envRollout', 'windowRollout', 'guard'];
const narrows = (c) => ROLLOUT.some((k) => Object.hasOwn(c, k))
  || /"(rollout|VITE_MAESTRO_ROLLOUT|MAESTRO_ROLLOUT)"/.test(JSON.stringify({ ...c, expect: null }));
const entry = pathToFileURL(join(ROOT, 'pkg', 'index.js')).href;
// The Node-only build-time check (the Vite plugin's and the CLI's): it must agree with the gate.
const node = await import(pathToFileURL(join(ROOT, 'pkg', 'maestro_gate_node.js')).href);
node.initSync({ module: readFileSync(join(ROOT, 'pkg', 'maestro_gate_node_bg.wasm')) });

// A source's value (JSON, or {js} for what JSON cannot hold).
const value = (spec) => (spec && typeof spec === 'object' && 'js' in spec ? (0, eval)(`(${spec.js})`) : spec);
// A getter that throws the case's error.
const thrower = (spec) => (spec && typeof spec === 'object' && 'throws' in spec
  ? () => { if (spec.plain) throw spec.throws; throw new Error(spec.throws); } : null);

// `target` with `fields` that are not its own properties (issue 18, off
// first): `proto` (on its prototype, as Object.create makes), `getter`
// (getters of its class) or `proxy` (answered by a Proxy's get trap).
function notOwn(kind, fields, target = {}) {
  const read = (spec) => thrower(spec) || (() => value(spec));
  if (kind === 'proxy') {
    return new Proxy(target, { get: (t, k, r) => (Object.hasOwn(fields, k) ? read(fields[k])() : Reflect.get(t, k, r)) });
  }
  const proto = kind === 'getter' ? class {}.prototype : {};
  for (const [k, spec] of Object.entries(fields)) {
    if (kind === 'getter' || thrower(spec)) Object.defineProperty(proto, k, { configurable: true, get: read(spec) });
    else proto[k] = value(spec);
  }
  return Object.setPrototypeOf(target, proto);
}
const kindOf = (spec) => {
  const [k, ...rest] = spec && typeof spec === 'object' ? Object.keys(spec) : [];
  return !rest.length && ['proto', 'getter', 'proxy'].includes(k) ? k : null;
};

function options(c) {
  if (c.optionsThrow) {
    // Every getter throws, but the wasm's bytes (which only Node needs) are an own property.
    return new Proxy({}, {
      get(_, key) { if (key === 'wasm') return wasm; throw new TypeError(c.optionsThrow); },
      getOwnPropertyDescriptor(_, key) {
        if (key === 'wasm') return { value: wasm, configurable: true, enumerable: true };
        throw new TypeError(c.optionsThrow);
      },
    });
  }
  const o = { wasm };
  // (In Node, pkg/index.js cannot fetch the first-answer and the rollout modules' .wasm either.)
  if (narrows(c)) Object.assign(o, { answerWasm, rolloutWasm });
  if (c.envThrows) Object.defineProperty(o, 'env', { enumerable: true, get() { throw new Error(c.envThrows); } });
  if (c.envObject) o.env = kindOf(c.envObject) ? notOwn(kindOf(c.envObject), Object.values(c.envObject)[0]) : { ...c.envObject };
  // An own property: a value, or a getter that throws.
  const set = (obj, key, spec) => {
    const t = thrower(spec);
    if (t) Object.defineProperty(obj, key, { enumerable: true, get: t }); else obj[key] = value(spec);
  };
  if (Object.hasOwn(c, 'env')) set(o.env = {}, 'VITE_MAESTRO_ENABLED', c.env);
  if (Object.hasOwn(c, 'envRollout')) set(o.env ||= {}, 'VITE_MAESTRO_ROLLOUT', c.envRollout);
  if (Object.hasOwn(c, 'default')) set(o, 'defaultEnabled', c.default);
  if (Object.hasOwn(c, 'rollout')) set(o, 'rollout', c.rollout);
  if (Object.hasOwn(c, 'guard')) {
    const g = c.guard;
    // A JSON object's fields are values as elsewhere.
    if (g && typeof g === 'object' && !('js' in g) && !('throws' in g)) {
      o.guard = Object.fromEntries(Object.entries(g).map(([k, v]) => [k, value(v)]));
    } else set(o, 'guard', g);
  }
  for (const k of ['userId', 'rolloutGroup']) if (Object.hasOwn(c, k)) o[k] = c[k];
  if (c.log) o.log = c.log;
  const kind = kindOf(c.optionsObject);
  return kind ? notOwn(kind, c.optionsObject[kind], o) : o;
}

// globalObject: the global object's prototype carries these (values or getters).
function globalProto(c, set) {
  const kind = kindOf(c.globalObject);
  if (!kind) return;
  const p = Object.getPrototypeOf(globalThis);
  for (const [k, spec] of Object.entries(c.globalObject[kind])) {
    if (!set) delete p[k];
    else if (kind === 'getter' || thrower(spec)) {
      Object.defineProperty(p, k, { configurable: true, get: thrower(spec) || (() => value(spec)) });
    } else p[k] = value(spec);
  }
}

for (const [what, bytes] of BUILDS) test(`every case of the conformance table, in Node, through pkg/index.js (narrowed by ${what})`, async () => {
  answerWasm = bytes;
  const failures = [];
  let ran = 0;
  const skipped = [];
  let buildChecked = cases.length;
  const { info, warn } = console;
  for (const [i, c] of cases.entries()) {
    // Replacing the options object leaves no place for the wasm's bytes (in
    // Node the entry cannot fetch its .wasm by itself): the browsers run these.
    if (c.options) { skipped.push(c.name); continue; }
    delete globalThis.MAESTRO_ENABLED;
    delete globalThis.MAESTRO_ROLLOUT;
    for (const [k, v] of Object.entries(c.inherited || {})) Object.prototype[k] = v;
    globalProto(c, true);
    for (const [name, key] of [['MAESTRO_ENABLED', 'window'], ['MAESTRO_ROLLOUT', 'windowRollout']]) {
      if (!Object.hasOwn(c, key)) continue;
      const t = thrower(c[key]);
      if (t) Object.defineProperty(globalThis, name, { configurable: true, get: t });
      else globalThis[name] = value(c[key]);
    }
    const lines = [];
    console.info = (...a) => lines.push('info: ' + a.join(' '));
    console.warn = (...a) => lines.push('warn: ' + a.join(' '));
    let got;
    try {
      // The build-time check first, on the sources as the page has them.
      const check = node.buildCheck(options(c));
      const gate = await import(`${entry}?case=${i}&by=${encodeURIComponent(what)}`);
      const d = await gate.init(options(c));
      await new Promise((r) => setTimeout(r, 0)); // the start-up line is written from a microtask
      const h = gate.health();
      got = {
        enabled: d.enabled, source: d.source, value: d.value, reason: d.reason, console: lines,
        health: { status: h.status, maestro_enabled: h.maestro_enabled },
      };
      if (gate.isEnabled() !== d.enabled || h.reason !== d.reason) got.disagrees = true;
      // The build-time check: the same health, and the same warnings (before
      // any log filter). Not with a rollout or a guard: a build knows no
      // bucket and no guard (tests/e2e/cli.test.mjs checks its rollout).
      const { status, maestro_enabled, source, reason } = check.health;
      if (narrows(c)) buildChecked--;
      else if (status !== h.status || maestro_enabled !== h.maestro_enabled || source !== d.source || reason !== d.reason) {
        got.buildCheckHealth = check.health;
      }
      const warnings = c.log || narrows(c) ? null : c.expect.console.filter((l) => l.startsWith('warn: ')).map((l) => l.slice(6));
      if (warnings && JSON.stringify(check.warnings) !== JSON.stringify(warnings)) got.buildCheckWarnings = check.warnings;
    } finally {
      // Every copy of the gate on a page hears every kill (the watch reads the
      // flag each second): this case's copy is turned off, quietly, so that it
      // cannot print into a later case.
      console.info = console.warn = () => {};
      try { globalThis.MAESTRO_ENABLED = false; } catch {} // through its accessor: at once
      console.info = info;
      console.warn = warn;
      delete globalThis.MAESTRO_ENABLED;
      delete globalThis.MAESTRO_ROLLOUT;
      for (const k of Object.keys(c.inherited || {})) delete Object.prototype[k];
      globalProto(c, false);
    }
    ran++;
    try { assert.deepEqual(got, c.expect); } catch (e) { failures.push(`${c.name}: ${e.message}`); }
  }
  assert.equal(failures.length, 0, `${failures.length} of ${ran} cases failed:\n${failures.join('\n')}`);
  assert.ok(ran >= cases.length - 2, `ran ${ran} of ${cases.length}`);
  console.log(`conformance (Node): ${ran} passed, 0 failed; ${skipped.length} left to the browsers (${skipped.join('; ')});`
    + ` the build-time check agreed on ${buildChecked - skipped.length}`);
});
