// Type-checks the bindings' .d.ts as an app sees them (`tsc -p tests/types`),
// against the real peers' types (installed in tests/apps, mapped in tsconfig.json).
import { OpenFeature, type Provider, type ResolutionDetails } from '@openfeature/web-sdk';
import { createElement, type ReactNode } from 'react';
import type { Ref } from 'vue';
import { MaestroProvider, type MaestroProviderOptions } from '../../pkg/openfeature.js';
import { MaestroGate, useMaestro, type MaestroGateProps } from '../../pkg/react.js';
import { useMaestro as useMaestroVue } from '../../pkg/vue.js';
import type { Decision, DecisionSource } from '../../pkg/index.js';

async function openfeature(): Promise<void> {
  const options: MaestroProviderOptions = { env: { VITE_MAESTRO_ENABLED: 'true' }, flagKey: 'maestro', report: '/r' };
  const provider: Provider = new MaestroProvider(options);
  new MaestroProvider();
  await OpenFeature.setProviderAndWait(new MaestroProvider({ rollout: 25, userId: 'u1' }));
  const p = new MaestroProvider(options);
  const r: ResolutionDetails<boolean> = p.resolveBooleanEvaluation('maestro', false);
  const name: 'maestro-gate' = p.metadata.name;
  const key: string = p.flagKey;
  p.track('checkout', {}, { value: 3 });
  // @ts-expect-error: flagKey is a string
  new MaestroProvider({ flagKey: 1 });
  // @ts-expect-error: the provider's options are init()'s
  new MaestroProvider({ bogus: true });
  void [provider, r, name, key];
}

function react(): ReactNode {
  const d: Decision = useMaestro();
  const source: DecisionSource = d.source;
  const props: MaestroGateProps = { fallback: 'off', children: createElement('div') };
  void source;
  // @ts-expect-error: useMaestro takes no argument
  useMaestro({});
  return createElement(MaestroGate, props);
}

function vue(): boolean {
  const m: Readonly<Ref<Decision>> = useMaestroVue();
  // @ts-expect-error: the ref is read-only
  m.value = m.value;
  return m.value.enabled;
}

void [openfeature, react, vue];
