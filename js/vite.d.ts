// The options' type is generated from the Rust types (types.generated.d.ts: src/types.rs).
import type { MaestroGatePluginOptions } from './types.generated.js';
export type { MaestroGatePluginOptions } from './types.generated.js';

/** A Vite plugin: `vite build` emits `maestro-health` from the build's env, prints a warning for an
 * invalid value (`strict` fails the build) and adds a preload hint for the gate's `.wasm` (`preload`);
 * dev serves the document for its env; preview serves the built file. Both receive the decision
 * beacon at `report`, appending it to `beacons`. Only the options' own properties are read
 * (`defaultEnabled`: as `init()` reads it; an inherited off counts). */
export default function maestroGate(options?: MaestroGatePluginOptions): {
  name: string;
  [hook: string]: unknown;
};

/** The health document (JSON text) for `env`, as `health()` answers in a page built with it. */
export function healthDocument(env: Record<string, unknown>, options?: MaestroGatePluginOptions): string;

/** What the plugin and the CLI do at build time: the health document (JSON text) for `env`, and the
 * `[MAESTRO] ...` warnings `init()` would print for it, one per invalid source (empty when none is).
 * `options.defaultEnabled` is read as `init()` reads it: an inherited on is ignored, with its warning. */
export function buildCheck(
  env: Record<string, unknown>,
  options?: MaestroGatePluginOptions,
): { readonly document: string; readonly warnings: readonly string[] };
