// maestro-gate under Node: the health document for a build's environment,
// computed by the same wasm core the browser runs.
import { readFileSync } from 'node:fs';
import { initSync, buildCheck as check } from './maestro_gate.js';

let loaded = false;

/**
 * What the Vite plugin and the CLI do at build time, written once: the
 * `maestro-health` document (JSON text) for `env` (`process.env`, or Vite's
 * resolved env), exactly as `health()` would answer in a page built with it,
 * and the warnings (`[MAESTRO] ...` lines) `init()` would print for it, one per
 * invalid source. Both come from the wasm core; an empty `warnings` means
 * every source is valid.
 */
export function buildCheck(env, options = {}) {
  if (!loaded) {
    initSync(readFileSync(new URL('./maestro_gate_bg.wasm', import.meta.url)));
    loaded = true;
  }
  const { health, warnings } = check({ env, defaultEnabled: options.defaultEnabled, log: 'silent' });
  return Object.freeze({ document: JSON.stringify(health, null, 2) + '\n', warnings: Object.freeze(warnings) });
}

/**
 * The `maestro-health` document (JSON text) for `env` (`process.env`, or Vite's
 * resolved env), exactly as `health()` would answer in a page built with it.
 */
export function healthDocument(env, options = {}) {
  return buildCheck(env, options).document;
}
