// maestro-gate: the package entry. This file is glue: it loads the wasm and
// keeps every export answering "disabled" (never throwing) when the wasm cannot
// load. Every decision is made by the Rust core in maestro_gate_bg.wasm.
import load, * as core from './maestro_gate.js';

let started; // the promise of the first init()
let ready = false; // true once the Rust core has decided
let down = 'Disabled: init() has not finished';

const off = () => Object.freeze({ enabled: false, source: 'unavailable', value: null, reason: down });

function fail(prefix, error, options) {
  let text;
  try { text = String(error && error.message || error); } catch { text = 'unknown error'; }
  ready = false;
  down = 'Disabled (fail safe): ' + prefix + ': ' + text;
  let level;
  try { level = options && options.log; } catch {}
  if (level !== 'silent') try { console.warn('[MAESTRO] ' + down); } catch {}
}

// Calls into the wasm; a trap there (which the core is written never to hit)
// turns the gate off instead of reaching the app.
function call(fn, fallback, arg) {
  if (ready) try { return fn(arg); } catch (e) { fail('the wasm core failed', e); }
  return fallback();
}

async function boot(options) {
  try {
    const wasm = options && options.wasm;
    await load(wasm == null ? undefined : { module_or_path: wasm });
  } catch (e) {
    fail("maestro-gate's wasm could not be loaded", e, options);
    return off();
  }
  ready = true;
  return call(core.decide, off, options);
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
