// The options types as an app compiled with `exactOptionalPropertyTypes` (as in
// @tsconfig/strictest) sees them (`tsc -p tests/types/exact`, beside
// tests/types/consumer.ts and bindings.ts under the same flag): every optional
// option takes `undefined` too, as the code reads it (the default), so that
// `init({ remote: config.healthUrl })` with `healthUrl?: string` compiles.
import { init, clearClientState } from '../../../pkg/index.js';
import type { InitOptions, CleanupOptions, GuardOptions as ErrorGuard, UnleashOptions } from '../../../pkg/index.js';
import maestroGate from '../../../pkg/vite.js';
import type { MaestroGatePluginOptions } from '../../../pkg/vite.js';
import { maestroGuard } from '../../../pkg/sw.js';
import type { GuardOptions } from '../../../pkg/sw.js';
import type { GateState } from '../../../pkg/testing.js';
import type { MaestroProviderOptions } from '../../../pkg/openfeature.js';

// The optional keys of T whose type does not take `undefined` (none, in each).
type OptionalKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? K : never }[keyof T];
// (`Required`: under the flag, `-?` drops the optional marker and keeps a written `undefined`.)
type Refusing<T> = { [K in OptionalKeys<T>]-?: undefined extends Required<T>[K] ? never : K }[OptionalKeys<T>];
type None<K> = [K] extends [never] ? true : { refusing: K };
export const checks: [
  None<Refusing<InitOptions>>, None<Refusing<CleanupOptions>>, None<Refusing<ErrorGuard>>,
  None<Refusing<UnleashOptions>>, None<Refusing<MaestroGatePluginOptions>>, None<Refusing<GuardOptions>>,
  None<Refusing<GateState>>, None<Refusing<MaestroProviderOptions>>,
] = [true, true, true, true, true, true, true, true];

// As an app writes it: a config whose fields may be missing.
interface Config { healthUrl?: string; pollMs?: number; guard?: ErrorGuard; userId?: string; report?: string }
export async function start(config: Config): Promise<void> {
  await init({ remote: config.healthUrl, pollMs: config.pollMs, guard: config.guard, userId: config.userId, report: config.report });
  await init({ guard: { errors: config.pollMs, windowMs: undefined }, log: undefined, wasm: undefined });
  await clearClientState({ database: undefined, allTabs: undefined });
  maestroGate({ report: undefined, preload: undefined });
  maestroGuard({ block: '/maestro/', remote: config.healthUrl, pollMs: config.pollMs });
  // An option that is not one is still an error.
  // @ts-expect-error no such option
  await init({ remoteUrl: config.healthUrl });
}
