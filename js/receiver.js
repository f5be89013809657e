// The decision beacon's receiver (the URL of init({ report })), for `vite dev`
// and `vite preview` (js/vite.js) and `maestro-gate collect` (js/cli.js): it
// appends each beacon's body, as one line, to a file that
// `maestro-gate report-summary` reads.
//
// Glue only: whether a body is a beacon, and the cap, are the wasm core's
// (crates/node: beaconLine, beaconCap). CORS: a beacon posted as text/plain
// (what the gate sends) needs no preflight, but a page on another origin
// sends it with credentials; the answer names that origin and allows
// credentials, and a preflight (a body of another type, or a public page
// beaconing to this loopback receiver: Chrome's Private Network Access) is
// answered too.
import { closeSync, constants, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { beaconCap, beaconLine } from './node.js';

/**
 * Opens `file` for appending (created `0600` with its folders; a symlink at
 * `file` is refused, never written through): `{ write(line), close() }`.
 */
export function openBeaconFile(file) {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  return {
    // One write of one whole line: O_APPEND keeps lines whole.
    write: (line) => writeSync(fd, line + '\n'),
    close: () => closeSync(fd),
  };
}

/** The CORS headers for `req`: its origin, with credentials (sendBeacon sends them). */
function cors(req, res) {
  const origin = req.headers.origin;
  if (!origin) return;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('vary', 'origin');
}

/**
 * A handler `(req, res, next?)` that answers `path` (and `next()`s, or 404s,
 * anything else): POST appends the body, if it is a beacon, through
 * `write(line)` and answers 204; a body longer than a beacon can be is 413, one
 * that is not a beacon 400; OPTIONS is the CORS preflight; other methods 405.
 */
export function receiver({ paths, write }) {
  const cap = beaconCap();
  return (req, res, next) => {
    const path = (req.url || '').split('?')[0];
    if (!paths.includes(path)) {
      if (next) return next();
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    cors(req, res);
    res.setHeader('cache-control', 'no-store');
    if (req.method === 'OPTIONS') {
      const headers = {
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': req.headers['access-control-request-headers'] || 'content-type',
        'access-control-max-age': '600',
      };
      if (req.headers['access-control-request-private-network'] === 'true') headers['access-control-allow-private-network'] = 'true';
      res.writeHead(204, headers).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST, OPTIONS', 'content-type': 'text/plain; charset=utf-8' }).end('POST a beacon here\n');
      return;
    }
    const refuse = (status, error) => {
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(error + '\n');
    };
    const chunks = [];
    let length = 0;
    let over = Number(req.headers['content-length']) > cap;
    if (over) refuse(413, `longer than a beacon (${cap} bytes)`);
    req.on('data', (chunk) => {
      if (over) return; // drained, not kept
      length += chunk.length;
      if (length > cap) {
        over = true;
        chunks.length = 0;
        refuse(413, `longer than a beacon (${cap} bytes)`);
      } else chunks.push(chunk);
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (over) return;
      const r = beaconLine(Buffer.concat(chunks));
      if (!r.ok) return refuse(r.status, r.error);
      try {
        write(r.line);
      } catch (e) {
        return refuse(500, `cannot append: ${e && e.code || e}`);
      }
      res.writeHead(204).end();
    });
  };
}
