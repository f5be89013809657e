// The Vite plugin only adds the runbook's health document (`/maestro-health`).
// The gate itself needs no configuration: `import ... from 'maestro-gate'`.
import maestroGate from 'maestro-gate/vite';

export default {
  plugins: [maestroGate()],
};
