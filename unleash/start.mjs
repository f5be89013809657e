// The local Unleash that `make unleash` and the Unleash tests run
// (scripts/unleash.sh starts the PostgreSQL and then this file).
//
// Starts unleash-server on the PostgreSQL at UNLEASH_PG_SOCKET (a Unix socket
// folder), with two tokens made at start-up (`initApiTokens`): an admin token
// and a frontend token for `development`. Then creates the `maestro` toggle
// (type `kill-switch`) in `development` with a `flexibleRollout` at 100%,
// stickiness `default`, group id `maestro`, and switches it on. Prints what a
// person needs (or one JSON line with UNLEASH_JSON=1, for the tests), and
// stops on SIGINT or SIGTERM.
import { writeFileSync } from 'node:fs';
import { start } from 'unleash-server';

const port = Number(process.env.UNLEASH_PORT || 4242);
const socket = process.env.UNLEASH_PG_SOCKET;
const pgPort = Number(process.env.UNLEASH_PG_PORT || 5432);
if (!socket) {
  console.error('unleash: UNLEASH_PG_SOCKET is not set (run scripts/unleash.sh)');
  process.exit(2);
}

// Fixed local secrets: this Unleash listens on 127.0.0.1 only and lives as
// long as the script.
const adminToken = '*:*.maestro-local-admin-token';
const frontendToken = 'default:development.maestro-local-frontend-token';
const base = `http://127.0.0.1:${port}`;

const unleash = await start({
  db: { host: socket, port: pgPort, user: 'postgres', password: '', database: 'unleash', ssl: false },
  server: { host: '127.0.0.1', port, unleashUrl: base },
  authentication: {
    initApiTokens: [
      { secret: adminToken, type: 'admin', environment: '*', projects: ['*'], tokenName: 'maestro-admin' },
      { secret: frontendToken, type: 'frontend', environment: 'development', projects: ['default'], tokenName: 'maestro-frontend' },
    ],
  },
  versionCheck: { enable: false },
  sendTelemetry: false,
  logLevel: process.env.UNLEASH_LOG_LEVEL || 'error',
});

async function admin(method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: adminToken, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  return response;
}

async function setUp() {
  const exists = await fetch(`${base}/api/admin/projects/default/features/maestro`, {
    headers: { Authorization: adminToken },
  });
  if (exists.status === 404) {
    await admin('POST', '/api/admin/projects/default/features', { name: 'maestro', type: 'kill-switch', description: 'MAESTRO kill switch (maestro-gate)' });
    await admin('POST', '/api/admin/projects/default/features/maestro/environments/development/strategies', {
      name: 'flexibleRollout',
      constraints: [],
      parameters: { rollout: '100', stickiness: 'default', groupId: 'maestro' },
    });
  }
  await admin('POST', '/api/admin/projects/default/features/maestro/environments/development/on');
  // Ready when the Frontend API answers with the toggle (its first answers
  // after start-up can still be empty).
  for (let i = 0; i < 300; i++) {
    const answer = await fetch(`${base}/api/frontend?appName=maestro-gate&sessionId=ready`, {
      headers: { Authorization: frontendToken },
    });
    const body = answer.ok ? await answer.json() : { toggles: [] };
    if (body.toggles.some((t) => t.name === 'maestro' && t.enabled === true)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the Frontend API did not show the maestro toggle within 30 s');
}

try {
  await setUp();
} catch (e) {
  console.error(`unleash: setting up the maestro toggle failed: ${e.message}`);
  await unleash.stop();
  process.exit(1);
}

const info = {
  url: base,
  frontendUrl: `${base}/api/frontend`,
  frontendToken,
  adminToken,
  admin: { url: base, username: 'admin', password: 'unleash4all' },
  toggle: 'maestro',
  environment: 'development',
};
if (process.env.UNLEASH_INFO_FILE) writeFileSync(process.env.UNLEASH_INFO_FILE, JSON.stringify(info));
if (process.env.UNLEASH_JSON === '1') {
  console.log(JSON.stringify(info));
} else {
  console.log(`Unleash ${unleash.version ?? ''} is running (Ctrl-C stops it and its PostgreSQL).
  Frontend API:   ${info.frontendUrl}
  frontend token: ${frontendToken}
  admin token:    ${adminToken}
  admin UI:       ${base}  (login: admin / unleash4all)
  toggle:         maestro (kill-switch, development, flexibleRollout 100%, group id maestro)

  init({ unleash: { url: '${info.frontendUrl}', clientKey: '${frontendToken}' } })`);
}

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  try {
    await unleash.stop();
  } finally {
    process.exit(0);
  }
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
