/** Options of `maestroGuard` (see README.md, "The Service Worker guard"). */
export interface GuardOptions {
  /**
   * MAESTRO's chunks and API: a path prefix (`"/maestro/"`, the worker's
   * origin), a URL prefix (`"https://api.example.com/maestro/"`), or a
   * `URLPattern` string (`"/assets/maestro-*.js"`), or a list of them. A
   * request that matches is answered 503 while MAESTRO is off; any other is
   * never touched.
   */
  block: string | readonly string[];
  /** The health document the worker polls itself (as `init({ remote })` does). */
  remote?: string;
  /** The poll's interval in ms (default 60000, as the pages' poll). */
  pollMs?: number;
  /** Block until the worker has an answer (a page's decision, its poll, or what it kept). Default `false`. */
  startBlocked?: boolean;
  /** Take over at once when installed (`skipWaiting()`, once the kept answer is read). Default `true`. */
  skipWaiting?: boolean;
  /** Claim the pages open before the worker (`clients.claim()` on activate). Default `true`. */
  claim?: boolean;
  /** `"silent"`: no console line from the worker (the pages still hear each blocked URL). */
  log?: 'info' | 'warn' | 'silent';
}

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
export function maestroGuard(options: GuardOptions): void;
