// maestro-gate/react: useMaestro() and <MaestroGate>, React bindings over the
// package's public API (pkg/react.js). See README.md.
// The decision is an external store: `decision()` read through
// useSyncExternalStore, subscribed through `onChange`, so a live kill
// re-renders. On the server (renderToString) the store answers the server
// snapshot, disabled, and nothing here touches `window`. Never throws into
// the app: whatever fails answers "disabled". Nothing here is on the
// decision path: an app that does not import this file downloads nothing more.
import { createElement, Fragment, useSyncExternalStore } from 'react';
import { decision, onChange } from './index.js';

const SERVER = Object.freeze({
  enabled: false, source: 'unavailable', value: null, reason: 'Disabled: rendered on the server', rollout: null,
});

// The decision as last read: useSyncExternalStore wants the same object
// while nothing changed, and `decision()` builds a new one each call.
let last = SERVER;

function snapshot() {
  let d;
  try { d = decision(); } catch { return last; }
  if (!d || last.enabled !== d.enabled || last.source !== d.source || last.reason !== d.reason) last = d;
  return last;
}

function subscribe(callback) {
  try { return onChange(() => callback()); } catch { return () => {}; }
}

const server = () => SERVER;

/**
 * The gate's current decision (`enabled`, `source`, `reason`, ...), re-rendered on a live change.
 * Disabled until `init()` has resolved, and on the server.
 */
export function useMaestro() {
  return useSyncExternalStore(subscribe, snapshot, server);
}

/** Renders `children` only while MAESTRO is enabled, else `fallback`; a live kill unmounts them. */
export function MaestroGate({ children, fallback = null }) {
  return createElement(Fragment, null, useMaestro().enabled ? children : fallback);
}
