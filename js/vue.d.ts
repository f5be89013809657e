// maestro-gate/vue: a Vue 3 binding (vue is a peer dependency).
import type { Ref } from 'vue';
import type { Decision } from './index.js';

/**
 * A read-only ref of the gate's current decision, updated on a live kill. Disabled until
 * `init()` has resolved. Called in a component's setup, it unsubscribes when the component unmounts.
 */
export function useMaestro(): Readonly<Ref<Decision>>;
