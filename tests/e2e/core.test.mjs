// The lean gate's glue (pkg/maestro_gate.js) under Node: every handle the wasm
// takes is given back, however often the exports are called, subscribers come
// and go, or MAESTRO_ENABLED is assigned. The glue is loaded from a copy with
// one line added that counts the live handles; nothing else is changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './helpers.mjs';

test('the lean gate releases every handle it takes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'maestro-core-'));
  const copy = join(dir, 'core.mjs');
  const glue = await readFile(join(ROOT, 'pkg', 'maestro_gate.js'), 'utf8');
  await writeFile(copy, glue + '\nexport const live = () => heap.length - free.length;\n');
  const core = await import(pathToFileURL(copy).href);
  core.initSync(await readFile(join(ROOT, 'pkg', 'maestro_gate_bg.wasm')));

  const d = core.decide({ env: { VITE_MAESTRO_ENABLED: 'true' }, log: 'silent' });
  assert.equal(d.reason, 'Enabled by VITE_MAESTRO_ENABLED=true');
  const settled = core.live();

  for (let i = 0; i < 500; i++) {
    core.decision();
    core.isEnabled();
  }
  assert.equal(core.live(), settled, 'reading the decision');

  const changes = [];
  const unsubscribe = core.onChange((next) => changes.push(next.reason));
  const during = core.live();
  for (let i = 0; i < 100; i++) core.onChange(() => {})();
  assert.equal(core.live(), during, 'subscribing and unsubscribing');

  globalThis.MAESTRO_ENABLED = 'yes'; // the gate's accessor now holds this value
  const holding = core.live();
  for (let i = 0; i < 100; i++) globalThis.MAESTRO_ENABLED = i % 2 ? 'yes' : 'true';
  assert.equal(core.live(), holding, 'assignments that keep it on');
  globalThis.MAESTRO_ENABLED = false;
  assert.deepEqual(changes, ['Disabled by window.MAESTRO_ENABLED=false']);
  for (let i = 0; i < 100; i++) globalThis.MAESTRO_ENABLED = 'on';
  assert.equal(core.decision().enabled, false, 'latched');
  const off = core.live();
  for (let i = 0; i < 100; i++) globalThis.MAESTRO_ENABLED = 'on';
  assert.equal(core.live(), off, 'ignored assignments once off');
  unsubscribe();
  delete globalThis.MAESTRO_ENABLED;
});
