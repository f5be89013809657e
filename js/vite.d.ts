import type { FlagValue } from './types.generated.js';

export interface MaestroGatePluginOptions {
  /** The emitted and served file name. Default `"maestro-health"`. */
  fileName?: string;
  /** The same `defaultEnabled` the app passes to `init()`. Default `true`. */
  defaultEnabled?: FlagValue;
  /** Fail `vite build` when a value is invalid (a typo such as `"flase"`), with the core's warning,
   * instead of printing the warning and building a disabled app. Default `false`. */
  strict?: boolean;
  /** `vite build` adds `<link rel="preload" as="fetch" crossorigin>` for the gate's `.wasm` to each
   * built HTML page that loads it, so that it downloads beside the entry chunk. Default `true`. */
  preload?: boolean;
  /** The decision beacon's URL (`init({ report })`) that `vite dev` and `vite preview` receive:
   * each beacon is appended as one line to `beacons`. Default `"/maestro-report"`; `false`: none. */
  report?: string | false;
  /** The file the beacons are appended to (named when the server starts), relative to the
   * project's root. Default `"node_modules/.maestro-gate/beacons.jsonl"`. */
  beacons?: string;
}

/** A Vite plugin: `vite build` emits `maestro-health` from the build's env, prints a warning for an
 * invalid value (`strict` fails the build) and adds a preload hint for the gate's `.wasm` (`preload`);
 * dev serves the document for its env; preview serves the built file. Both receive the decision
 * beacon at `report`, appending it to `beacons`. */
export default function maestroGate(options?: MaestroGatePluginOptions): {
  name: string;
  [hook: string]: unknown;
};

/** The health document (JSON text) for `env`, as `health()` answers in a page built with it. */
export function healthDocument(env: Record<string, unknown>, options?: MaestroGatePluginOptions): string;

/** What the plugin and the CLI do at build time: the health document (JSON text) for `env`, and the
 * `[MAESTRO] ...` warnings `init()` would print for it, one per invalid source (empty when none is). */
export function buildCheck(
  env: Record<string, unknown>,
  options?: MaestroGatePluginOptions,
): { readonly document: string; readonly warnings: readonly string[] };
