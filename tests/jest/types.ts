// A CommonJS TypeScript file (this package has no "type": "module"), as a
// Jest app written in TypeScript has it: `import` here compiles to require(),
// so TypeScript resolves the "require" branch of the package's exports and
// its CommonJS declarations (pkg/cjs/*.d.ts). `tsc -p tests/jest` (make test-jest).
import { clearClientState, decision, init, isEnabled } from 'maestro-gate';
import type { Decision } from 'maestro-gate';
import { fakeStorage, installStorage, startGate } from 'maestro-gate/testing';

export async function check(): Promise<boolean> {
  const d: Decision = await startGate({ env: { VITE_MAESTRO_ENABLED: 'false' }, log: 'silent' });
  const again: Decision = await init({ defaultEnabled: true });
  const restore: () => void = installStorage({ localStorage: fakeStorage({ 'maestro:a': '1' }), sessionStorage: null });
  const removed: string[] = (await clearClientState({ log: 'silent' })).localStorage.removed;
  restore();
  // @ts-expect-error enabled is a boolean
  await startGate({ enabled: 'yes' });
  return d.enabled === again.enabled && isEnabled() === decision().enabled && removed.length >= 0;
}
