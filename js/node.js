// maestro-gate under Node: the health document for a build's environment,
// computed by the same wasm core the browser runs.
import { readFileSync } from 'node:fs';
import { initSync, healthFor } from './maestro_gate.js';

let loaded = false;

/**
 * The `maestro-health` document (JSON text) for `env` (`process.env`, or Vite's
 * resolved env), exactly as `health()` would answer in a page built with it.
 */
export function healthDocument(env, options = {}) {
  if (!loaded) {
    initSync(readFileSync(new URL('./maestro_gate_bg.wasm', import.meta.url)));
    loaded = true;
  }
  const doc = healthFor({ env, defaultEnabled: options.defaultEnabled, log: 'silent' });
  return JSON.stringify(doc, null, 2) + '\n';
}
