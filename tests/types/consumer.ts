// Type-checks the published .d.ts as an app sees it (`tsc -p tests/types`).
// Each @ts-expect-error line must stay an error, or tsc fails.
import {
  init, isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest, recordError, resetGuard,
} from '../../pkg/index.js';
import maestroGate, { buildCheck, healthDocument } from '../../pkg/vite.js';
import '../../pkg/global.js';
import { fakeStorage, installStorage, startGate } from '../../pkg/testing.js';
import type { GateState } from '../../pkg/testing.js';
import type { GuardOptions as ErrorGuard } from '../../pkg/index.js';
import { maestroGuard } from '../../pkg/sw.js';
import type { GuardOptions } from '../../pkg/sw.js';
import type { CleanupReport, Decision, DecisionSource, FlagValue, Health, InitOptions, VerifyReport } from '../../pkg/index.js';
import type * as Entry from '../../pkg/index.js';
import type * as CommonJs from '../../pkg/cjs/index.js';
import type * as Gate from '../../pkg/maestro_gate.js';
import type * as Rollback from '../../pkg/maestro_gate_rollback.js';
import type * as Generated from '../../pkg/types.generated.js';

async function main(): Promise<void> {
  const options: InitOptions = { env: { VITE_MAESTRO_ENABLED: 'false' }, defaultEnabled: true, log: 'warn' };
  const d: Decision = await init(options);
  await init();
  await init({ env: { MODE: 'production', VITE_MAESTRO_ENABLED: 'true' } });
  await init({ wasm: new URL('https://cdn.example/maestro_gate_bg.wasm') });
  await init({ rollbackWasm: '/assets/rollback.wasm', remoteWasm: new URL('https://cdn.example/maestro_gate_remote_bg.wasm') });
  const enabled: boolean = d.enabled && isEnabled();
  const source: DecisionSource = decision().source;
  const value: string | null = d.value;
  const h: Health = health();
  const status: 'enabled' | 'disabled' = h.status;
  const flag: boolean = h.maestro_enabled;
  const version: string = h.version;
  void [enabled, source, value, status, flag, version];

  await init({ exposeGlobal: false, remote: '/maestro-health', pollMs: 5000 });
  const stop: () => void = onChange((next: Decision) => { const s: DecisionSource = next.source; void s; });
  stop();
  const remote: DecisionSource = 'remote';
  const plugin = maestroGate({ fileName: 'maestro-health', defaultEnabled: true });
  const text: string = healthDocument({ VITE_MAESTRO_ENABLED: 'false' });
  void [remote, plugin, text];
  const strictPlugin = maestroGate({ strict: true });
  const check = buildCheck({ VITE_MAESTRO_ENABLED: 'flase' }, { defaultEnabled: false });
  const document: string = check.document;
  const warnings: readonly string[] = check.warnings;
  void [strictPlugin, document, warnings];
  // @ts-expect-error strict is a boolean
  maestroGate({ strict: 'yes' });
  const fromConsole: boolean | undefined = globalThis.maestroGate?.isEnabled();
  const tagDecision: Promise<Decision> | undefined = globalThis.maestroGate?.init?.();
  void [fromConsole, tagDecision];
  // The runbook's runtime kill, typed by maestro-gate/global.
  window.MAESTRO_ENABLED = false;
  window.MAESTRO_ENABLED = 'off';
  const runtime: FlagValue = window.MAESTRO_ENABLED;
  void runtime;
  // @ts-expect-error a flag value is a boolean, number, string, null or undefined
  window.MAESTRO_ENABLED = { enabled: false };

  const report: CleanupReport = await clearClientState({ database: 'maestro_secrets', prefix: 'maestro:', sessionStorage: 'all', blockedTimeoutMs: 500, allTabs: false, log: 'silent' });
  const outcome: 'deleted' | 'pending' | 'unavailable' | 'error' = report.database.outcome;
  const removed: string[] = report.localStorage.removed;
  const tabs: number = report.otherTabs;
  const verify: VerifyReport = await verifyClientState();
  const clean: boolean | null = verify.clean;
  const exists: boolean | null = verify.database.exists;
  const unsubscribe: () => void = onCleanupRequest((request) => { const other: boolean = request.fromOtherTab; void other; });
  unsubscribe();
  void [outcome, removed, tabs, clean, exists];
  // @ts-expect-error sessionStorage modes are a closed set
  await clearClientState({ sessionStorage: 'everything' });

  // maestro-gate/testing, for an app's tests.
  const states: GateState[] = [{ enabled: false }, { enabled: true, log: 'silent' }, { env: { VITE_MAESTRO_ENABLED: 'false' } }, {}];
  const started: Decision = await startGate(states[0]);
  await startGate();
  const area: Storage = fakeStorage({ 'maestro:token': '1', 'app:theme': 'dark' });
  const restore: () => void = installStorage({ localStorage: area, sessionStorage: null });
  restore();
  installStorage({ sessionStorage: fakeStorage() });
  void started;
  // @ts-expect-error enabled is a boolean: a flag string goes in env
  await startGate({ enabled: 'false' });
  // @ts-expect-error startGate takes no remote poll
  await startGate({ remote: '/maestro-health' });
  // @ts-expect-error an area is a Storage or null
  installStorage({ localStorage: { 'maestro:token': '1' } });

  // The rollout and the guard (issue 11).
  const ro = await init({
    rollout: '25%', rolloutGroup: 'maestro', userId: 42, env: { VITE_MAESTRO_ROLLOUT: 25 },
    guard: { errors: 5, windowMs: 60000, cooldownMs: 1800000, match: /maestro-chunk/ }, rolloutWasm: '/x.wasm',
  });
  const bucket: number | undefined = ro.rollout?.bucket;
  const sticky: 'userId' | 'localStorage' | 'sessionStorage' | 'page' | undefined = health().rollout?.stickiness;
  const errors: number | undefined = health().guard?.errors;
  recordError(new Error('MAESTRO failed'));
  const hadTrip: boolean = await resetGuard();
  window.MAESTRO_ROLLOUT = '10%';
  void bucket; void sticky; void errors; void hadTrip;
  const fromGuard: DecisionSource = 'guard';
  void fromGuard;
  // @ts-expect-error guard.errors is a number
  await init({ guard: { errors: 'five' } });
  // A config without a guard: none.
  const config: { guard?: ErrorGuard | null } = { guard: null };
  await init({ guard: config.guard });
  const debug = false as boolean;
  await init({ guard: debug && { errors: 5 } });
  const healthUrl: string | null = null;
  await init({ remote: healthUrl, unleash: null });
  await init({ remote: debug && '/maestro-health', unleash: debug && { url: 'https://unleash.example/api/frontend', clientKey: 'k' } });
  // @ts-expect-error remote is a URL string
  await init({ remote: new URL('https://example.com/health') });
  const reportUrl: string | null = null;
  await init({ report: reportUrl });
  await init({ report: debug && '/maestro-report' });
  // @ts-expect-error report is a URL string (the beacon module warns of a URL object)
  await init({ report: new URL('https://example.com/maestro-report') });

  // @ts-expect-error log levels are a closed set
  await init({ log: 'debug' });
  // @ts-expect-error the decision is read-only
  d.enabled = true;
  // @ts-expect-error sources are a closed set
  const wrong: DecisionSource = 'localStorage';
  void wrong;
}
void main;

// maestro-gate/sw, in an app's Service Worker.
function guard(): void {
  const options: GuardOptions = { block: ['/assets/maestro-', 'https://*.example.com/maestro/*'], remote: '/maestro-health', pollMs: 60000 };
  maestroGuard(options);
  maestroGuard({ block: '/maestro/', startBlocked: true, skipWaiting: false, claim: false, log: 'silent' });
  // @ts-expect-error block is required
  maestroGuard({ remote: '/maestro-health' });
  // @ts-expect-error block is strings
  maestroGuard({ block: [/maestro/] });
}
void guard;

// The object types are the generated ones (pkg/types.generated.d.ts, from the
// Rust types in src/types.rs and src/cleanup.rs), the same through every door:
// the entry, its CommonJS twin, the gate's and the rollback module's .d.ts,
// and maestro-gate/sw's options.
// (tests/e2e/types.test.mjs checks that each generated type is exported and
// that the shipped objects have exactly its keys.)
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const sameTypes: [
  Same<Decision, Generated.Decision>, Same<Health, Generated.Health>, Same<InitOptions, Generated.InitOptions>,
  Same<CleanupReport, Generated.CleanupReport>, Same<VerifyReport, Generated.VerifyReport>,
  Same<Entry.CleanupOptions, Generated.CleanupOptions>, Same<Entry.CleanupRequest, Generated.CleanupRequest>,
  Same<Entry.GuardOptions, Generated.GuardOptions>, Same<Entry.GuardState, Generated.GuardState>,
  Same<Entry.Rollout, Generated.Rollout>, Same<Entry.UnleashOptions, Generated.UnleashOptions>,
  Same<Entry.StorageReport, Generated.StorageReport>, Same<Entry.DatabaseReport, Generated.DatabaseReport>,
  Same<Entry.RolloutValue, Generated.RolloutValue>, Same<FlagValue, Generated.FlagValue>,
  Same<CommonJs.Decision, Generated.Decision>, Same<CommonJs.InitOptions, Generated.InitOptions>,
  Same<Gate.Decision, Generated.Decision>, Same<Gate.InitOptions, Generated.InitOptions>,
  Same<Rollback.CleanupReport, Generated.CleanupReport>, Same<Rollback.CleanupOptions, Generated.CleanupOptions>,
  Same<Rollback.VerifyReport, Generated.VerifyReport>,
  Same<Awaited<ReturnType<typeof init>>, Generated.Decision>, Same<ReturnType<typeof health>, Generated.Health>,
  Same<Awaited<ReturnType<typeof clearClientState>>, Generated.CleanupReport>,
  Same<Parameters<typeof init>[0], Generated.InitOptions | undefined>,
  Same<Parameters<typeof clearClientState>[0], Generated.CleanupOptions | undefined>,
  Same<GuardOptions, Generated.ServiceWorkerGuardOptions>, Same<Parameters<typeof maestroGuard>[0], Generated.ServiceWorkerGuardOptions>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true,
  true, true, true, true, true, true, true];
void sameTypes;
// @ts-expect-error the check tells different types apart
const different: Same<Generated.Decision, Generated.Health> = true;
void different;
