// buildCheck (the Node-only module behind the Vite plugin and the CLI,
// pkg/maestro_gate_node*, built from crates/node): the health document and
// exactly the warnings the browser's gate prints at level warn, as frozen
// data. The conformance table (tests/e2e/conformance.test.mjs) checks the two
// agree on every case; this checks the shape and one case against the gate itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './helpers.mjs';

const ACCEPTED = '; accepted: true/false, 1/0, yes/no, on/off (blank means unset)';

test('buildCheck: the health document and the gate\'s warn-level lines, frozen', async () => {
  const node = await import(pathToFileURL(join(ROOT, 'pkg', 'maestro_gate_node.js')).href);
  node.initSync({ module: await readFile(join(ROOT, 'pkg', 'maestro_gate_node_bg.wasm')) });

  const valid = node.buildCheck({ env: { VITE_MAESTRO_ENABLED: 'false' } });
  assert.deepEqual(valid.warnings, []);
  assert.deepEqual({ ...valid.health }, {
    status: 'disabled', maestro_enabled: false, source: 'VITE_MAESTRO_ENABLED',
    reason: 'Disabled by VITE_MAESTRO_ENABLED=false', version: JSON.parse(await readFile(join(ROOT, 'pkg', 'package.json'), 'utf8')).version,
  });
  assert.ok(Object.isFrozen(valid) && Object.isFrozen(valid.health) && Object.isFrozen(valid.warnings));

  const typo = node.buildCheck({ env: { VITE_MAESTRO_ENABLED: 'flase' } });
  assert.deepEqual(typo.warnings, ['[MAESTRO] Disabled (fail safe): invalid VITE_MAESTRO_ENABLED="flase"' + ACCEPTED]);
  assert.equal(typo.health.status, 'disabled');

  const options = { env: { VITE_MAESTRO_ENABLED: 'flase' }, defaultEnabled: 'maybe' };
  const two = node.buildCheck(options);
  assert.equal(two.warnings.length, 2, two.warnings.join('\n'));
  assert.deepEqual(node.buildCheck(null).health.status, 'enabled', 'no options: the default');
  assert.equal(node.buildCheck({ get env() { throw new Error('no env'); } }).health.status, 'disabled', 'a throwing getter fails safe');

  // The same lines the browser's gate prints with console.warn, and the same health.
  const gate = await import(pathToFileURL(join(ROOT, 'pkg', 'index.js')).href + '?build-check');
  const warned = [];
  const original = console.warn;
  console.warn = (line) => warned.push(line);
  try {
    await gate.init({ ...options, log: 'warn', wasm: await readFile(join(ROOT, 'pkg', 'maestro_gate_bg.wasm')) });
    await new Promise((r) => setTimeout(r, 10)); // the start-up lines are written in a microtask
  } finally {
    console.warn = original;
  }
  assert.deepEqual(warned, [...two.warnings]);
  assert.deepEqual({ ...gate.health() }, { ...two.health });
  delete globalThis.MAESTRO_ENABLED;
});
