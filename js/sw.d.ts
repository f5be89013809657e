// The options' type is generated from the Rust types (types.generated.d.ts).
import type { ServiceWorkerGuardOptions } from './types.generated.js';
/** Options of `maestroGuard` (see README.md, "The Service Worker guard"). */
export type { ServiceWorkerGuardOptions as GuardOptions, ServiceWorkerGuardOptions } from './types.generated.js';

/** What the guard posts on the BroadcastChannel `"maestro-gate"` for each blocked URL, once. */
export interface BlockedMessage {
  maestroGate: 'blocked';
  url: string;
  /** `[MAESTRO] Blocked by the Service Worker guard: <url> (<reason>)` */
  line: string;
}

/**
 * Installs the guard in this Service Worker. Call it once, while the
 * worker's script first runs (the browser keeps only the event handlers
 * added then). Never throws.
 */
export function maestroGuard(options: ServiceWorkerGuardOptions): void;
