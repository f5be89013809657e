// The options' and the message's types are generated from the Rust types
// (types.generated.d.ts: src/types.rs).
import type { ServiceWorkerGuardOptions } from './types.generated.js';
/** Options of `maestroGuard` (see README.md, "The Service Worker guard"). */
export type { ServiceWorkerGuardOptions as GuardOptions, ServiceWorkerGuardOptions } from './types.generated.js';
/** What the guard posts on the BroadcastChannel `"maestro-gate"` for each blocked URL, once. */
export type { BlockedMessage } from './types.generated.js';

/**
 * Installs the guard in this Service Worker. Call it once, while the
 * worker's script first runs (the browser keeps only the event handlers
 * added then). Never throws.
 */
export function maestroGuard(options: ServiceWorkerGuardOptions): void;
