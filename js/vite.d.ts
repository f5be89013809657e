import type { FlagValue } from './maestro_gate.js';

export interface MaestroGatePluginOptions {
  /** The emitted and served file name. Default `"maestro-health"`. */
  fileName?: string;
  /** The same `defaultEnabled` the app passes to `init()`. Default `true`. */
  defaultEnabled?: FlagValue;
}

/** A Vite plugin: `vite build` emits `maestro-health` from the build's env; dev and preview serve it. */
export default function maestroGate(options?: MaestroGatePluginOptions): {
  name: string;
  [hook: string]: unknown;
};

/** The health document (JSON text) for `env`, as `health()` answers in a page built with it. */
export function healthDocument(env: Record<string, unknown>, options?: MaestroGatePluginOptions): string;
