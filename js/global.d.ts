// `window.maestroGate`: set by the script-tag build (maestro-gate.js), and by
// the ES module's init() unless `init({ exposeGlobal: false })`; and
// `window.MAESTRO_ENABLED`, the runbook's runtime kill.
// Use with: /// <reference types="maestro-gate/global" />
import type * as gate from './index.js';

declare global {
  // eslint-disable-next-line no-var
  var maestroGate:
    | {
        readonly isEnabled: typeof gate.isEnabled;
        readonly decision: typeof gate.decision;
        readonly health: typeof gate.health;
        readonly onChange: typeof gate.onChange;
        readonly clearClientState: typeof gate.clearClientState;
        readonly verifyClientState: typeof gate.verifyClientState;
        readonly onCleanupRequest: typeof gate.onCleanupRequest;
        readonly recordError: typeof gate.recordError;
        readonly resetGuard: typeof gate.resetGuard;
        /** The script-tag build only: a promise of the decision made while the tag ran. */
        readonly init?: () => Promise<gate.Decision>;
      }
    | undefined;

  interface Window {
    /** The runbook's runtime kill: `window.MAESTRO_ENABLED = false` turns the gate off in this page
     * (before the app loads, or live after `init()`). Read back as assigned. */
    MAESTRO_ENABLED?: gate.FlagValue;
    /** A gradual rollout's percentage for this page (read at start-up; the smallest set wins). */
    MAESTRO_ROLLOUT?: gate.RolloutValue;
  }
}

export {};
