#!/usr/bin/env node
// npx maestro-gate health [--out FILE] [--default-enabled VALUE] [--strict]
// Writes the runbook's health document for the environment this runs in
// (run it after the bundler's build, with the same VITE_MAESTRO_ENABLED).
// npx maestro-gate check URL [--expect enabled|partial|disabled] [--json] [--timeout MS]
// Reads a published health document as the gate's remote poll reads it.
// npx maestro-gate report-summary FILE [--json]
// Counts a file of decision beacons (init({ report })), one JSON document a line.
//
// Glue only: what a value or a document means is the wasm core's
// (crates/node), and every line printed goes through its `printable`.
import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { buildCheck, checkDocument, documentCap, printable, reportSummary } from './node.js';

const usage = 'usage: maestro-gate health [--out FILE] [--default-enabled VALUE] [--strict]\n'
  + '       maestro-gate check URL [--expect enabled|partial|disabled] [--json] [--timeout MS]\n'
  + '       maestro-gate report-summary FILE [--json]\n'
  + '       maestro-gate --version | --help\n';
const help = usage
  + '\nhealth: writes the MAESTRO health document for this environment (VITE_MAESTRO_ENABLED,\n'
  + 'VITE_MAESTRO_ROLLOUT). Run it after the bundler\'s build: a later `vite build` empties dist/\n'
  + 'and deletes the file.\n\n'
  + '  --out FILE               write the document to FILE (a new file renamed into place, its\n'
  + '                           folders created; a symlink there is replaced) instead of stdout\n'
  + '  --default-enabled VALUE  the answer when nothing is set, as init({ defaultEnabled }) (default true)\n'
  + '  --strict                 an invalid value (a typo such as "flase") fails: exit 1, nothing written\n'
  + '\ncheck: fetches a health document and reads it as the gate\'s remote poll does; prints\n'
  + 'enabled, partial (a rollout from 1 to 99%) or disabled. Exit 0 as expected (or, without\n'
  + '--expect, a valid document), 1 not as expected, 2 unreachable or not a health document.\n\n'
  + '  --expect STATE           enabled, partial or disabled\n'
  + '  --timeout MS             give up after MS milliseconds (default 10000)\n'
  + '\nreport-summary: counts a file of decision beacons (init({ report }); one JSON document a\n'
  + 'line, FILE - for stdin) by decision (enabled/disabled and source) and by event (start,\n'
  + 'change, cleanup); blank and malformed lines are counted as skipped.\n\n'
  + '  --json                   print the counts (report-summary) or the answer (check) as JSON\n'
  + '\n  --version                print the package version\n'
  + '  --help, -h               print this help\n';

/** Writes a text whose lines are the CLI's own (a JSON document, a table
 * the core made), every line of it with its control characters escaped. */
function say(stream, text) {
  stream.write(text.split('\n').map((line) => printable(line)).join('\n'));
}

/** Writes one line that holds a value: a newline in the value is escaped
 * too, so it stays one line. */
function line(stream, text) {
  stream.write(printable(text) + '\n');
}

/** One `maestro-gate: ...` line on stderr, and exit `code`. */
function fail(code, message) {
  line(process.stderr, `maestro-gate: ${message}`);
  process.exit(code);
}

/** Bad usage: what is wrong, then the usage; exit 2. */
function misuse(message) {
  line(process.stderr, `maestro-gate: ${message}`);
  process.stderr.write(usage);
  process.exit(2);
}

/** The value after the flag at `args[i]`, or bad usage when there is none. */
function valueOf(args, i, what) {
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) misuse(`${args[i]} needs a value (${what})`);
  return value;
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(help);
  process.exit(0);
}
if (args.includes('--version')) {
  const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
  process.stdout.write(version + '\n');
  process.exit(0);
}
try {
  if (args[0] === 'report-summary') summarize(args.slice(1));
  else if (args[0] === 'check') await check(args.slice(1));
  else if (args[0] === 'health') health(args.slice(1));
  else if (args[0] === undefined) misuse('no command given');
  else misuse(`unknown command ${JSON.stringify(args[0])}`);
} catch (e) {
  // Nothing above should throw; if something does, one line, not a stack trace.
  fail(1, String(e && e.message ? e.message : e));
}

function health(rest) {
  let out;
  let defaultEnabled;
  let strict = false;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--out') out = valueOf(rest, i++, 'FILE');
    else if (rest[i] === '--default-enabled') defaultEnabled = valueOf(rest, i++, 'VALUE');
    else if (rest[i] === '--strict') strict = true;
    else if (rest[i].startsWith('-')) misuse(`health: unknown flag ${rest[i]}`);
    else misuse(`health: unexpected argument ${JSON.stringify(rest[i])}`);
  }
  if (out === '') misuse('--out needs a value (FILE)');
  const { document, warnings } = buildCheck(process.env, { defaultEnabled });
  for (const warning of warnings) line(process.stderr, warning);
  if (strict && warnings.length > 0) fail(1, '--strict: invalid value, no health document written');
  // The file is what `curl` shows an operator: escaped as the printed
  // document is (the same JSON value; only \u escapes differ).
  const safe = document.split('\n').map((l) => printable(l)).join('\n');
  if (out) writeOut(out, safe);
  else process.stdout.write(safe);
}

/** Why a file operation failed, in a few words. */
function why(e) {
  const words = {
    EISDIR: 'it is a folder', ENOENT: 'no such file or folder', ENOTDIR: 'a part of the path is not a folder',
    EACCES: 'permission denied', EPERM: 'not permitted', EROFS: 'read-only file system', ENOSPC: 'no space left',
  };
  return (e && words[e.code]) || (e && (e.code || e.message)) || String(e);
}

/** Creates `dir` and its missing parents, one at a time (Node's recursive
 * mkdir loops for minutes on a path such as /proc/nope). */
function makeDirs(dir) {
  const missing = [];
  for (let d = dir; ; d = dirname(d)) {
    try {
      if (statSync(d).isDirectory()) break;
      throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) mkdirSync(d);
}

/** Writes `text` to a new file beside `out` and renames it into place: a
 * reader never sees half a document, and a symlink at `out` is replaced,
 * never followed. A failure is one line, exit 1. */
function writeOut(out, text) {
  const target = resolve(out);
  const dir = dirname(target);
  try {
    makeDirs(dir);
  } catch (e) {
    fail(1, `cannot write ${out}: ${why(e)}`);
  }
  let existing;
  try {
    existing = lstatSync(target);
  } catch {
    // Nothing there yet.
  }
  if (existing && existing.isDirectory()) fail(1, `cannot write ${out}: it is a folder`);
  const temporary = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd;
  try {
    fd = openSync(temporary, 'wx'); // O_CREAT | O_EXCL: never an existing file or a symlink
    writeSync(fd, text);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, target);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temporary);
    } catch {
      // Never created.
    }
    fail(1, `cannot write ${out}: ${why(e)}`);
  }
}

// maestro-gate check URL [--expect STATE] [--json] [--timeout MS]
async function check(rest) {
  let url;
  let expect;
  let json = false;
  let timeout = 10_000;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--json') json = true;
    else if (rest[i] === '--expect') {
      expect = valueOf(rest, i++, 'enabled, partial or disabled');
      if (!['enabled', 'partial', 'disabled'].includes(expect)) {
        misuse(`--expect ${JSON.stringify(expect)}: expected enabled, partial or disabled`);
      }
    } else if (rest[i] === '--timeout') {
      const ms = valueOf(rest, i++, 'MS');
      timeout = /^[0-9]{1,7}$/.test(ms) ? Number(ms) : 0;
      if (timeout < 1) misuse(`--timeout ${JSON.stringify(ms)}: expected a number of milliseconds from 1 to 9999999`);
    } else if (rest[i].startsWith('-')) misuse(`check: unknown flag ${rest[i]}`);
    else if (url === undefined) url = rest[i];
    else misuse(`check: unexpected argument ${JSON.stringify(rest[i])}`);
  }
  if (url === undefined) misuse('check: no URL given');
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    misuse(`check: not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') misuse(`check: not an http(s) URL: ${JSON.stringify(url)}`);

  const answer = (fields, code, said, stream = process.stdout) => {
    if (json) say(process.stdout, JSON.stringify({ url, ...fields, expected: expect ?? null }, null, 2) + '\n');
    else line(stream, said);
    process.exit(code);
  };
  let body;
  try {
    body = await fetchCapped(url, timeout);
  } catch (e) {
    const error = e && e.name === 'TimeoutError' ? `timed out after ${timeout} ms` : reachError(e);
    answer({ ok: false, error: `unreachable: ${error}` }, 2, `maestro-gate: check ${url}: unreachable: ${error}`, process.stderr);
  }
  const doc = checkDocument(body);
  if (!doc.ok) answer({ ok: false, error: doc.error }, 2, `maestro-gate: check ${url}: ${doc.error}`, process.stderr);
  const { status, enabled, rollout, why: failSafe } = doc;
  const asExpected = expect === undefined || expect === status;
  const state = status + (status === 'partial' ? ` (rollout ${rollout}%)` : '') + (failSafe ? ` (fail safe: ${failSafe})` : '');
  answer({ ok: true, status, enabled, rollout, why: failSafe, as_expected: asExpected }, asExpected ? 0 : 1,
    `${state}: ${url}${asExpected ? '' : `; expected ${expect}`}`);
}

/** The network error's cause, in a few words. */
function reachError(e) {
  const cause = e && e.cause;
  return (cause && (cause.code || cause.message)) || (e && e.message) || String(e);
}

/** The body of `url`, at most one byte more than the poll reads (the core
 * says a longer one is too long), within `timeout` ms. */
async function fetchCapped(url, timeout) {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(timeout), cache: 'no-store', redirect: 'follow', headers: { accept: 'application/json' },
  });
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new Error(`HTTP ${response.status}`);
  }
  const cap = documentCap() + 1;
  const chunks = [];
  let length = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
      if (length >= cap) {
        await reader.cancel().catch(() => {});
        break;
      }
    }
  }
  const body = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return body;
}

// maestro-gate report-summary FILE [--json]: exit 0, or 2 for bad usage or a
// file that cannot be read.
function summarize(rest) {
  let json = false;
  const files = [];
  for (const arg of rest) {
    if (arg === '--json') json = true;
    else if (arg.startsWith('-') && arg !== '-') misuse(`report-summary: unknown flag ${arg}`);
    else files.push(arg);
  }
  if (files.length === 0) misuse('report-summary: no FILE given');
  if (files.length > 1) misuse(`report-summary: one FILE, not ${files.length}`);
  let text;
  try {
    text = readFileSync(files[0] === '-' ? 0 : files[0], 'utf8');
  } catch (e) {
    fail(2, `cannot read ${files[0]}: ${e.message}`);
  }
  const { text: table, ...counts } = reportSummary(text);
  say(process.stdout, json ? JSON.stringify(counts, null, 2) + '\n' : table);
  process.exit(0);
}
