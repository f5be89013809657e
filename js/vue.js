// maestro-gate/vue: useMaestro(), a Vue 3 binding over the package's public
// API (pkg/vue.js). See README.md.
// A read-only ref of the gate's decision, updated through `onChange`, so a
// live kill updates what depends on it. Never throws into the app: whatever
// fails answers "disabled". Nothing here is on the decision path.
import { getCurrentScope, onScopeDispose, readonly, shallowRef } from 'vue';
import { decision, onChange } from './index.js';

const UNAVAILABLE = Object.freeze({
  enabled: false, source: 'unavailable', value: null, reason: 'Disabled (fail safe): decision() failed', rollout: null,
});

function read() {
  try { return decision() || UNAVAILABLE; } catch { return UNAVAILABLE; }
}

/**
 * A read-only ref of the gate's current decision, updated on a live change. Disabled until
 * `init()` has resolved. Inside a component's setup (or any effect scope) it unsubscribes
 * when the scope ends.
 */
export function useMaestro() {
  const state = shallowRef(read());
  let off = () => {};
  try { off = onChange(() => { state.value = read(); }); } catch {}
  if (getCurrentScope()) onScopeDispose(() => { try { off(); } catch {} });
  return readonly(state);
}
