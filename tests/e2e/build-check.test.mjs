// buildCheck (the lean gate's export behind the Vite plugin and the CLI) under
// Node: the health document and exactly the warnings `decide` prints at level
// warn, as data, with every handle given back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './helpers.mjs';

const ACCEPTED = '; accepted: true/false, 1/0, yes/no, on/off (blank means unset)';

test('buildCheck: the health document and decide\'s warn-level lines, frozen, no handle kept', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-check-'));
  const copy = join(dir, 'core.mjs');
  const glue = await readFile(join(ROOT, 'pkg', 'maestro_gate.js'), 'utf8');
  await writeFile(copy, glue + '\nexport const live = () => heap.length - free.length;\n');
  const core = await import(pathToFileURL(copy).href);
  core.initSync(await readFile(join(ROOT, 'pkg', 'maestro_gate_bg.wasm')));
  assert.equal(typeof core.buildCheck, 'function');

  const valid = core.buildCheck({ env: { VITE_MAESTRO_ENABLED: 'false' } });
  assert.deepEqual(valid.warnings, []);
  assert.deepEqual(valid.health, core.healthFor({ env: { VITE_MAESTRO_ENABLED: 'false' } }));
  assert.ok(Object.isFrozen(valid) && Object.isFrozen(valid.health));

  const typo = core.buildCheck({ env: { VITE_MAESTRO_ENABLED: 'flase' } });
  assert.deepEqual(typo.warnings, ['[MAESTRO] Disabled (fail safe): invalid VITE_MAESTRO_ENABLED="flase"' + ACCEPTED]);
  assert.equal(typo.health.status, 'disabled');

  const options = { env: { VITE_MAESTRO_ENABLED: 'flase' }, defaultEnabled: 'maybe' };
  const two = core.buildCheck(options);
  assert.equal(two.warnings.length, 2, two.warnings.join('\n'));

  const settled = core.live();
  for (let i = 0; i < 300; i++) core.buildCheck({ env: { VITE_MAESTRO_ENABLED: i % 2 ? 'flase' : ' Off ' }, defaultEnabled: 2 });
  assert.equal(core.live(), settled, 'every handle given back');

  // The same lines decide prints with console.warn.
  const warned = [];
  const original = console.warn;
  console.warn = (line) => warned.push(line);
  try {
    core.decide({ ...options, log: 'warn' });
    await new Promise((r) => setTimeout(r, 10)); // the start-up lines are written in a microtask
  } finally {
    console.warn = original;
  }
  assert.deepEqual(warned, [...two.warnings]);
});
