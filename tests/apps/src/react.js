// React alone: <MaestroGate fallback> around MAESTRO's component, and
// useMaestro() for the status line, under StrictMode.
import { createElement as h, StrictMode, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { init } from 'maestro-gate';
import { MaestroGate, useMaestro } from 'maestro-gate/react';
import { counts } from './maestro.js';

function Maestro() {
  useEffect(() => {
    counts.mounted++;
    return () => { counts.unmounted++; };
  }, []);
  return h('div', { id: 'maestro' }, 'MAESTRO');
}

function Status() {
  const d = useMaestro();
  return h('p', { id: 'status' }, `${d.enabled} ${d.source}`);
}

init({ env: import.meta.env }).then(() => {
  createRoot(document.getElementById('app')).render(
    h(StrictMode, null, h(Status), h(MaestroGate, { fallback: h('p', { id: 'fallback' }, 'MAESTRO is off') }, h(Maestro))),
  );
});
