// OpenFeature + React: MaestroProvider behind @openfeature/web-sdk, read by
// @openfeature/react-sdk's useBooleanFlagValue. The evaluations the SDK
// answers are put on window.evaluations for the test.
import { createElement as h, StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { OpenFeature, OpenFeatureProvider, useBooleanFlagValue } from '@openfeature/react-sdk';
import { MaestroProvider } from 'maestro-gate/openfeature';
import { counts } from './maestro.js';

function Maestro() {
  useEffect(() => {
    counts.mounted++;
    return () => { counts.unmounted++; };
  }, []);
  return h('div', { id: 'maestro' }, 'MAESTRO');
}

function App() {
  // The default is `true`: an off gate answers false all the same.
  const on = useBooleanFlagValue('maestro', true);
  return h('div', null, h('p', { id: 'status' }, String(on)), on ? h(Maestro) : h('p', { id: 'fallback' }, 'MAESTRO is off'));
}

const report = new URLSearchParams(location.search).get('report') ?? undefined;
const provider = new MaestroProvider({ env: import.meta.env, report });
const client = OpenFeature.getClient();
window.evaluate = () => {
  const pick = ({ value, reason, variant, errorCode, flagMetadata }) => ({ value, reason, variant, errorCode, flagMetadata });
  return {
    maestro: pick(client.getBooleanDetails('maestro', true)),
    other: pick(client.getBooleanDetails('other', true)),
    string: pick(client.getStringDetails('maestro', 'x')),
    providerName: client.metadata.providerMetadata.name,
  };
};
// The client's track(name, details); the SDK hands the provider the context too.
window.track = (name, details) => client.track(name, details);
window.configurationChanges = [];
OpenFeature.addHandler('PROVIDER_CONFIGURATION_CHANGED', (e) => window.configurationChanges.push(e.flagsChanged));

// A context that must never reach a beacon.
OpenFeature.setContext({ targetingKey: 'user-42', email: 'a@example.com' });
OpenFeature.setProviderAndWait(provider).then(() => {
  createRoot(document.getElementById('app')).render(h(StrictMode, null, h(OpenFeatureProvider, null, h(App))));
});
