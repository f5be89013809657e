// The bindings in Node, with the real peers (node --test tests/apps/test/):
// MaestroProvider under @openfeature/web-sdk for every reason and error code,
// React's server rendering (the fallback, and no `window` touched), and Vue's
// read-only ref in an effect scope. `maestro-gate/testing` starts a fresh gate
// for each case (the bindings' "node" condition imports the same gate).
import { test } from 'node:test';
import assert from 'node:assert/strict';

// SSR: nothing may touch `window` (Node has none; a getter records a touch).
let windowTouched = 0;
Object.defineProperty(globalThis, 'window', { configurable: true, get() { windowTouched++; return undefined; } });

const { startGate } = await import('maestro-gate/testing');
const { OpenFeature, ProviderEvents } = await import('@openfeature/web-sdk');
const { MaestroProvider } = await import('maestro-gate/openfeature');
const { createElement: h } = await import('react');
const { renderToString } = await import('react-dom/server');
const { MaestroGate, useMaestro } = await import('maestro-gate/react');
const { effectScope, watch, nextTick } = await import('vue');
const vue = await import('maestro-gate/vue');

const pick = ({ value, reason, variant, errorCode, flagMetadata }) => ({ value, reason, variant, errorCode, flagMetadata });

async function providerOn(state, options) {
  await startGate(state);
  const provider = new MaestroProvider({ log: 'silent', ...options });
  await OpenFeature.setProviderAndWait(provider);
  return { provider, client: OpenFeature.getClient() };
}

test('openfeature: STATIC while on, DISABLED with false after a live kill, and one configuration change', async () => {
  const { provider, client } = await providerOn({ enabled: true });
  assert.equal(provider.metadata.name, 'maestro-gate');
  assert.equal(provider.runsOn, 'client');
  assert.deepEqual(pick(client.getBooleanDetails('maestro', false)),
    { value: true, reason: 'STATIC', variant: 'on', errorCode: undefined, flagMetadata: { source: 'default' } });
  const changes = [];
  client.addHandler(ProviderEvents.ConfigurationChanged, (e) => changes.push(e.flagsChanged));
  globalThis.MAESTRO_ENABLED = false;
  assert.deepEqual(pick(client.getBooleanDetails('maestro', true)),
    { value: false, reason: 'DISABLED', variant: 'off', errorCode: undefined, flagMetadata: { source: 'window.MAESTRO_ENABLED' } });
  await new Promise((r) => setImmediate(r)); // (the SDK runs its handlers asynchronously)
  assert.deepEqual(changes, [['maestro']]);
  await OpenFeature.clearProviders();
});

test('openfeature: off from the env answers false whatever the default', async () => {
  const { client } = await providerOn({ env: { VITE_MAESTRO_ENABLED: 'false' } });
  assert.deepEqual(pick(client.getBooleanDetails('maestro', true)),
    { value: false, reason: 'DISABLED', variant: 'off', errorCode: undefined, flagMetadata: { source: 'VITE_MAESTRO_ENABLED' } });
  await OpenFeature.clearProviders();
});

test('openfeature: SPLIT for an on by a rollout', async () => {
  const { client } = await providerOn({ rollout: 100, userId: 'u1' });
  assert.deepEqual(pick(client.getBooleanDetails('maestro', false)),
    { value: true, reason: 'SPLIT', variant: 'on', errorCode: undefined, flagMetadata: { source: 'rollout' } });
  await OpenFeature.clearProviders();
});

test('openfeature: an unavailable gate is ERROR, GENERAL, false (and the SDK answers the default)', async () => {
  const { provider, client } = await providerOn({ wasm: new Uint8Array([0, 1, 2, 3]), log: 'silent' });
  const r = provider.resolveBooleanEvaluation('maestro', true, {});
  assert.deepEqual(pick(r), { value: false, reason: 'ERROR', variant: 'off', errorCode: 'GENERAL', flagMetadata: { source: 'unavailable' } });
  assert.match(r.errorMessage, /wasm could not be loaded/);
  // OpenFeature answers the caller's default for any error code (its spec):
  // the README says to pass `false`, which then reads off.
  const d = client.getBooleanDetails('maestro', false);
  assert.deepEqual([d.value, d.reason, d.errorCode], [false, 'ERROR', 'GENERAL']);
  assert.match(d.errorMessage, /wasm could not be loaded/);
  await OpenFeature.clearProviders();
});

test('openfeature: another key is FLAG_NOT_FOUND, another type TYPE_MISMATCH; flagKey renames the flag', async () => {
  const { client } = await providerOn({ enabled: true }, { flagKey: 'maestro-subsystem' });
  assert.deepEqual(pick(client.getBooleanDetails('maestro', true)),
    { value: true, reason: 'ERROR', variant: undefined, errorCode: 'FLAG_NOT_FOUND', flagMetadata: {} });
  assert.equal(client.getBooleanValue('maestro-subsystem', false), true);
  for (const [get, fallback] of [['getStringDetails', 'x'], ['getNumberDetails', 7], ['getObjectDetails', { a: 1 }]]) {
    const d = client[get]('maestro-subsystem', fallback);
    assert.deepEqual([d.value, d.reason, d.errorCode], [fallback, 'ERROR', 'TYPE_MISMATCH']);
    assert.equal(client[get]('nope', fallback).errorCode, 'FLAG_NOT_FOUND');
  }
  await OpenFeature.clearProviders();
});

test('openfeature: track sends nothing without report, and never throws', async () => {
  const sent = [];
  const had = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
  // (Node 20 has no navigator; 21 and later have one without sendBeacon.)
  Object.defineProperty(globalThis, 'navigator', { configurable: true, value: { sendBeacon: (...a) => { sent.push(a); throw new Error('refused'); } } });
  try {
    const { provider, client } = await providerOn({ enabled: true });
    client.track('checkout', { value: 1 });
    assert.deepEqual(sent, []);
    const reporting = new MaestroProvider({ report: '/r', userId: 'u-77' });
    reporting.track('checkout', { targetingKey: 'u-77' }, { value: 2, 'u-77': 1 }); // sendBeacon throws: swallowed
    assert.equal(sent.length, 1);
    assert.deepEqual(JSON.parse(sent[0][1]).details, { value: 2 }); // a name holding the user id is left out
    reporting.track('for-u-77', {}, { value: 2 }); // an event name holding it is not sent
    assert.equal(sent.length, 1);
    void provider;
  } finally {
    if (had) Object.defineProperty(globalThis, 'navigator', had);
    else delete globalThis.navigator;
    await OpenFeature.clearProviders();
  }
});

test('react: renderToString renders the fallback, and touches no window', async () => {
  await startGate({ enabled: true });
  const before = windowTouched;
  function Status() {
    const d = useMaestro();
    return h('p', null, `${d.enabled} ${d.source}`);
  }
  const html = renderToString(h('main', null, h(Status), h(MaestroGate, { fallback: h('i', null, 'off') }, h('b', null, 'MAESTRO'))));
  assert.equal(html, '<main><p>false unavailable</p><i>off</i></main>');
  assert.equal(windowTouched, before);
});

test('vue: a read-only ref, updated by a live kill', async () => {
  await startGate({ enabled: true });
  const scope = effectScope();
  const seen = [];
  const maestro = scope.run(() => {
    const m = vue.useMaestro();
    watch(m, (d) => seen.push(`${d.enabled} ${d.source}`));
    return m;
  });
  assert.equal(maestro.value.enabled, true);
  assert.equal(maestro.value.source, 'default');
  const warn = console.warn;
  console.warn = () => {}; // (Vue warns that the ref is read-only)
  try { maestro.value = { enabled: true }; } finally { console.warn = warn; }
  assert.equal(maestro.value.source, 'default');
  globalThis.MAESTRO_ENABLED = false;
  assert.equal(maestro.value.enabled, false);
  await nextTick();
  assert.deepEqual(seen, ['false window.MAESTRO_ENABLED']);
  scope.stop();
});

test('openfeature: options that throw never throw into the app', () => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const revoked = new MaestroProvider(proxy);
  assert.equal(revoked.flagKey, 'maestro');
  const provider = new MaestroProvider({ get env() { throw new Error('boom'); }, flagKey: 'k', log: 'silent' });
  assert.equal(provider.flagKey, 'k');
  assert.deepEqual(provider.options, { log: 'silent' });
});
