// maestro-gate: the package entry. This file is glue: it loads the wasm and
// keeps every export answering "disabled" (never throwing) when the wasm cannot
// load. Every decision is made by the Rust core in maestro_gate_bg.wasm.
import load, * as core from './maestro_gate.js';

let loading; // the promise of loading the wasm: true when loaded, false when it failed
let started; // the promise of the first init()
let ready = false; // true once the wasm is loaded and has not failed
let decided = false; // true once the Rust core has decided
let down = 'Disabled: init() has not finished';

const off = () => Object.freeze({ enabled: false, source: 'unavailable', value: null, reason: down });

function fail(prefix, error, options) {
  let text;
  try { text = String(error && error.message || error); } catch { text = 'unknown error'; }
  ready = decided = false;
  down = 'Disabled (fail safe): ' + prefix + ': ' + text;
  let level;
  try { level = options && options.log; } catch {}
  if (level !== 'silent') try { console.warn('[MAESTRO] ' + down); } catch {}
}

// Calls into the wasm; a trap there (which the core is written never to hit)
// turns the gate off instead of reaching the app.
function call(fn, fallback, arg, when = decided) {
  if (when) try { return fn(arg); } catch (e) { fail('the wasm core failed', e); }
  return fallback();
}

function loadOnce(options) {
  return (loading ||= (async () => {
    try {
      const wasm = options && options.wasm;
      await load(wasm == null ? undefined : { module_or_path: wasm });
      return (ready = true);
    } catch (e) {
      fail("maestro-gate's wasm could not be loaded", e, options);
      return false;
    }
  })());
}

async function boot(options) {
  if (!(await loadOnce(options))) return off();
  decided = true;
  const d = call(core.decide, off, options);
  try {
    const expose = options && options.exposeGlobal;
    if (expose !== false && !('maestroGate' in globalThis)) {
      globalThis.maestroGate = Object.freeze({ isEnabled, decision, health, clearClientState, verifyClientState, onCleanupRequest });
    }
  } catch {}
  return d;
}

/**
 * Loads the wasm, reads the sources, logs the decision once and resolves to it.
 * Never rejects: if the wasm cannot load, resolves disabled with source "unavailable".
 * Later calls return the first call's promise.
 */
export function init(options) {
  return (started ||= boot(options));
}

/** Whether MAESTRO is enabled. `false` until `init()` has resolved. */
export function isEnabled() {
  return call(core.isEnabled, () => false);
}

/** The current decision: `{ enabled, source, value, reason }`. */
export function decision() {
  return call(core.decision, off);
}

/** The health document: `{ status, maestro_enabled, source, reason, version }`. */
export function health() {
  return call(core.health, () => Object.freeze({
    status: 'disabled', maestro_enabled: false, source: 'unavailable', reason: down, version: '@VERSION@',
  }));
}

// The cleanup exports load the wasm themselves (init() is not required first).
// Without the wasm they report every part "unavailable" rather than throw.
function databaseName(options) {
  try { if (typeof options.database === 'string') return options.database; } catch {}
  return 'maestro_secrets';
}

function unavailableReport(options) {
  const area = () => ({ outcome: 'unavailable', removed: [], error: down });
  return { ok: false, database: { name: databaseName(options), outcome: 'unavailable', blocked: false, error: down },
    localStorage: area(), sessionStorage: area(), otherTabs: 0 };
}

function unknownState(options) {
  return { database: { name: databaseName(options), exists: null }, localStorageKeys: [], sessionStorageKeys: [], clean: null };
}

async function callAsync(fn, fallback, options) {
  if (await loadOnce()) try { return await fn(options); } catch (e) { fail('the wasm core failed', e); }
  return fallback(options);
}

/** Deletes MAESTRO's IndexedDB database and its prefixed storage keys, in every open tab. Never rejects. */
export function clearClientState(options) {
  return callAsync(core.clearClientState, unavailableReport, options);
}

/** Reports what MAESTRO client state is left, changing nothing. Never rejects. */
export function verifyClientState(options) {
  return callAsync(core.verifyClientState, unknownState, options);
}

/** Calls `callback` before every cleanup (this tab's or another's). Returns an unsubscribe function. */
export function onCleanupRequest(callback) {
  let unsubscribe;
  let cancelled = false;
  const subscribe = () => { if (!cancelled) unsubscribe = call(core.onCleanupRequest, () => undefined, callback, ready); };
  if (ready) subscribe(); else loadOnce().then(subscribe);
  return () => { cancelled = true; if (unsubscribe) unsubscribe(); };
}
