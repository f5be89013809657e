// buildCheck (the Node-only module behind the Vite plugin and the CLI,
// pkg/maestro_gate_node*, built from crates/node): the health document and
// exactly the warnings the browser's gate prints at level warn, as frozen
// data. The conformance table (tests/e2e/conformance.test.mjs) checks the two
// agree on every case; this checks the shape and one case against the gate itself.
// Then VITE_MAESTRO_ROLLOUT, which the plugin and the CLI write as "rollout".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, viteBuild } from './helpers.mjs';

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
  // The page's health has what only a page knows too: its rollout and its
  // guard (null here, as neither is set).
  const { rollout, guard, ...page } = gate.health();
  assert.deepEqual([rollout, guard], [null, null]);
  assert.deepEqual(page, { ...two.health });
  delete globalThis.MAESTRO_ENABLED;
});

// maestro-gate/node's buildCheck(env, options) reads `defaultEnabled` as the
// gate reads it: an own on counts; an inherited one (a class's getter, a
// polluted Object.prototype) is ignored with the gate's warning; an
// inherited off counts.
test('buildCheck(env, options): an inherited defaultEnabled is read as the gate reads it', async () => {
  const { buildCheck } = await import(pathToFileURL(join(ROOT, 'pkg', 'node.js')).href);
  const reason = (options) => {
    const { document, warnings } = buildCheck({}, options);
    return [JSON.parse(document).reason, ...warnings];
  };
  const IGNORED = '[MAESTRO] Ignoring defaultEnabled=true: not an own property, and only an own property can turn MAESTRO on';
  assert.deepEqual(reason({ defaultEnabled: false }), ['Disabled (default)']);
  assert.deepEqual(reason({ defaultEnabled: true }), ['Enabled (default)']);
  assert.deepEqual(reason(Object.create({ defaultEnabled: false })), ['Disabled (default)']);
  assert.deepEqual(reason(new (class { get defaultEnabled() { return true; } })()), ['Enabled (default)', IGNORED]);
  // A class's getter runs on the caller's options (its `this`), as init() runs it.
  assert.deepEqual(reason(new (class { d = false; get defaultEnabled() { return this.d; } })()), ['Disabled (default)']);
  assert.deepEqual(reason(new (class { d = true; get defaultEnabled() { return this.d; } })()), ['Enabled (default)', IGNORED]);
  for (const [value, want] of [[true, ['Enabled (default)', IGNORED]], [false, ['Disabled (default)']]]) {
    let got;
    try {
      Object.prototype.defaultEnabled = value;
      got = reason({});
    } finally {
      delete Object.prototype.defaultEnabled;
    }
    assert.deepEqual(got, want, String(value));
  }
});

const ROLLOUT_ACCEPTED = '; accepted: an integer from 0 to 100, with or without % (blank means unset)';

test('buildCheck and the Vite plugin write VITE_MAESTRO_ROLLOUT as "rollout"; an invalid one fails safe', async () => {
  const node = await import(pathToFileURL(join(ROOT, 'pkg', 'maestro_gate_node.js')).href);
  node.initSync({ module: await readFile(join(ROOT, 'pkg', 'maestro_gate_node_bg.wasm')) });
  // The build cannot know a browser's bucket: the document says the
  // percentage, with a status of its own for a partial rollout, and a
  // rollout of 0 is every page off.
  for (const [value, percent, status] of [['25%', 25, 'partial'], [' 25 ', 25, 'partial'], [40, 40, 'partial'],
    ['1', 1, 'partial'], ['99', 99, 'partial'], ['0', 0, 'disabled'], [0, 0, 'disabled'], ['100', 100, 'enabled']]) {
    const check = node.buildCheck({ env: { VITE_MAESTRO_ROLLOUT: value } });
    assert.deepEqual(check.warnings, [], String(value));
    assert.equal(check.health.rollout, percent);
    assert.equal(check.health.status, status, String(value));
    assert.equal(check.health.maestro_enabled, status !== 'disabled', String(value));
    if (percent === 0) assert.equal(check.health.source, 'rollout');
  }
  for (const value of [undefined, null, '', '  ']) {
    assert.equal('rollout' in node.buildCheck({ env: { VITE_MAESTRO_ROLLOUT: value } }).health, false, `${value} is unset`);
  }
  for (const [value, shown] of [['abc', '"abc"'], ['2.5', '"2.5"'], [101, '101'], [true, 'true'], [{}, '[object Object]']]) {
    const check = node.buildCheck({ env: { VITE_MAESTRO_ROLLOUT: value } });
    const reason = `Disabled (fail safe): invalid VITE_MAESTRO_ROLLOUT=${shown}${ROLLOUT_ACCEPTED}`;
    assert.deepEqual(check.warnings, [`[MAESTRO] ${reason}`]);
    const { status, source, reason: why } = check.health;
    assert.deepEqual({ status, source, reason: why, rollout: 'rollout' in check.health },
      { status: 'disabled', source: 'rollout', reason, rollout: false });
  }
  const threw = node.buildCheck({ env: { get VITE_MAESTRO_ROLLOUT() { throw new Error('boom'); } } });
  assert.deepEqual(threw.warnings, ['[MAESTRO] Disabled (fail safe): reading VITE_MAESTRO_ROLLOUT threw: boom']);
  assert.equal(threw.health.maestro_enabled, false);
  // Off already: the flag decides, the rollout only warns, and a valid one is still written.
  const off = node.buildCheck({ env: { VITE_MAESTRO_ENABLED: 'false', VITE_MAESTRO_ROLLOUT: 'x' } });
  assert.deepEqual([off.health.source, off.warnings], ['VITE_MAESTRO_ENABLED', [`[MAESTRO] invalid VITE_MAESTRO_ROLLOUT="x"${ROLLOUT_ACCEPTED}`]]);
  assert.equal(node.buildCheck({ env: { VITE_MAESTRO_ENABLED: 'false', VITE_MAESTRO_ROLLOUT: '5' } }).health.rollout, 5);

  // The plugin's hooks, as vite build calls them.
  const { default: maestroGate } = await import(pathToFileURL(join(ROOT, 'pkg', 'vite.js')).href);
  const build = (env, options = {}) => {
    const warned = [];
    const emitted = [];
    const plugin = maestroGate(options);
    plugin.configResolved({ env, base: '/', command: 'build', logger: { warn: (l) => warned.push(l) } });
    const context = { error: (m) => { throw new Error(m); }, emitFile: (f) => emitted.push(f) };
    plugin.buildStart.call(context);
    plugin.generateBundle.call(context);
    return { warned, doc: JSON.parse(emitted[0].source) };
  };
  const good = build({ VITE_MAESTRO_ROLLOUT: '10' });
  assert.deepEqual([good.warned, good.doc.rollout, good.doc.maestro_enabled], [[], 10, true]);
  const bad = build({ VITE_MAESTRO_ROLLOUT: 'ten' });
  assert.deepEqual(bad.warned, [`[MAESTRO] Disabled (fail safe): invalid VITE_MAESTRO_ROLLOUT="ten"${ROLLOUT_ACCEPTED}`]);
  assert.equal(bad.doc.status, 'disabled');
  assert.throws(() => build({ VITE_MAESTRO_ROLLOUT: 'ten' }, { strict: true }), /invalid VITE_MAESTRO_ROLLOUT="ten"/);
});

test('vite build with VITE_MAESTRO_ROLLOUT=30 emits maestro-health with "status": "partial", "rollout": 30; with 0, disabled', async () => {
  const dir = await viteBuild({ VITE_MAESTRO_ROLLOUT: '30' });
  const doc = JSON.parse(await readFile(join(dir, 'maestro-health'), 'utf8'));
  assert.deepEqual([doc.status, doc.maestro_enabled, doc.rollout], ['partial', true, 30]);
  const zero = JSON.parse(await readFile(join(await viteBuild({ VITE_MAESTRO_ROLLOUT: '0' }), 'maestro-health'), 'utf8'));
  assert.deepEqual([zero.status, zero.maestro_enabled, zero.source, zero.rollout], ['disabled', false, 'rollout', 0]);
});
