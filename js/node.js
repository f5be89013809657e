// maestro-gate under Node: the health document for a build's environment,
// computed by the same rules the browser's gate applies (the Node-only module
// maestro_gate_node, built from crates/node; the conformance table checks
// that the two agree).
import { readFileSync } from 'node:fs';
import {
  initSync, buildCheck as check, checkDocument as checkBody, documentCap as cap, printable as escape,
  reportSummary as summary, BeaconReader as Reader, parseSince as since, beaconLine as line, beaconCap as bcap,
  unleashTimeline as timeline,
} from './maestro_gate_node.js';

let loaded = false;

function load() {
  if (!loaded) {
    initSync({ module: readFileSync(new URL('./maestro_gate_node_bg.wasm', import.meta.url)) });
    loaded = true;
  }
}

/**
 * What the Vite plugin and the CLI do at build time, written once: the
 * `maestro-health` document (JSON text) for `env` (`process.env`, or Vite's
 * resolved env), exactly as `health()` would answer in a page built with it,
 * and the warnings (`[MAESTRO] ...` lines) `init()` would print for it, one per
 * invalid source. Both come from the wasm core; an empty `warnings` means
 * every source is valid.
 */
export function buildCheck(env, options = {}) {
  load();
  // `defaultEnabled` read as the gate reads it: its value read once, from
  // the caller's options (a getter runs on them), then handed on as an own
  // property when it is one, else as an inherited one, so that an inherited
  // on is ignored, with the gate's warning, and an inherited off counts.
  // (Copied into an own property, an inherited on counted.)
  const value = options == null ? undefined : options.defaultEnabled;
  const own = options != null && Object.prototype.hasOwnProperty.call(options, 'defaultEnabled');
  const o = own ? { env, defaultEnabled: value } : Object.setPrototypeOf({ env }, value === undefined ? null : { defaultEnabled: value });
  const { health, warnings } = check(o);
  return Object.freeze({ document: JSON.stringify(health, null, 2) + '\n', warnings });
}

/**
 * The `maestro-health` document (JSON text) for `env` (`process.env`, or Vite's
 * resolved env), exactly as `health()` would answer in a page built with it.
 */
export function healthDocument(env, options = {}) {
  return buildCheck(env, options).document;
}

/**
 * The counts of a file of decision beacons (`init({ report })`'s documents,
 * one JSON text a line): `{ reports, skipped, decisions, events, text }`,
 * where `decisions` counts each `enabled` × `source`, `events` each event,
 * `skipped` the blank and malformed lines, and `text` is what
 * `maestro-gate report-summary` prints.
 */
export function reportSummary(text) {
  load();
  return summary(String(text));
}

/**
 * A health document's body (bytes), read as the gate's remote poll reads it:
 * `{ ok: true, status, enabled, rollout, why }` (`status` `"enabled"`,
 * `"partial"` or `"disabled"`; an invalid value fails safe, with `why`), or
 * `{ ok: false, error }` for a body the poll does not read (longer than
 * `documentCap()`, not JSON, a key twice, no `maestro_enabled`).
 */
export function checkDocument(body) {
  load();
  return checkBody(body);
}

/** The most of a health document the poll reads, in bytes. */
export function documentCap() {
  load();
  return cap();
}

/**
 * `text` with its control characters (terminal escapes, newlines), line
 * separators and bidirectional overrides written as JSON escapes (`\u001b`).
 */
export function printable(text) {
  load();
  return escape(String(text));
}

/**
 * A reader of beacon files as they stream in: `push(bytes)` each chunk,
 * `endFile()` at each file's end, then `summary()` (as `reportSummary`, with
 * the sessions), `html()` (the self-contained report page) or `incident()`
 * (the runbook's "Lessons Learned" record). `since`: ms since the epoch.
 */
export function beaconReader(since) {
  load();
  return new Reader(since);
}

/** A `--since` (`30m`, `2h`, `1d`, an ISO 8601 time, ms since the epoch):
 * `{ ok: true, at }` (ms since the epoch) or `{ ok: false, error }`. */
export function parseSince(text, now = Date.now()) {
  load();
  return since(String(text), now);
}

/** A beacon body (bytes) as the one line a receiver appends, `{ ok: true, line }`,
 * or `{ ok: false, status, error }` (413 too long, 400 not a beacon). */
export function beaconLine(body) {
  load();
  return line(body);
}

/** The most a beacon body can be, in bytes. */
export function beaconCap() {
  load();
  return bcap();
}

/**
 * Unleash's event log for a toggle (the body of `GET {unleash}/api/admin/events/{toggle}`,
 * bytes or text) as the incident record's timeline: `{ ok: true, entries }`, oldest first,
 * each `{ at, type, environment, by, what, rollback }` (`rollback`: it turned MAESTRO off or
 * narrowed it), every text printable; or `{ ok: false, error }`. For `maestro-gate incident
 * --unleash URL --unleash-token TOKEN [--toggle NAME]` (issue 22's command reads the log with
 * the token, which it never prints, and calls this).
 */
export function unleashTimeline(body) {
  load();
  return timeline(typeof body == 'string' ? new TextEncoder().encode(body) : body);
}
