// maestro-gate/react: React 18 and 19 bindings (react is a peer dependency).
import type { ReactNode } from 'react';
import type { Decision } from './index.js';

/**
 * The gate's current decision, through `useSyncExternalStore` over `onChange`: a live kill
 * re-renders. Disabled until `init()` has resolved, and on the server (`renderToString`).
 */
export function useMaestro(): Decision;

/** `<MaestroGate>`'s props. */
export interface MaestroGateProps {
  /** Rendered only while MAESTRO is enabled; unmounted on a kill. */
  children?: ReactNode;
  /** Rendered while MAESTRO is disabled (before `init()`, on the server, after a kill). Default nothing. */
  fallback?: ReactNode;
}

/** Renders its children only while MAESTRO is enabled, else `fallback`. */
export function MaestroGate(props: MaestroGateProps): ReactNode;
