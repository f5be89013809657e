#!/usr/bin/env node
// npx maestro-gate health [--out FILE] [--default-enabled VALUE] [--strict]
// Writes the runbook's health document for the environment this runs in
// (run it after the bundler's build, with the same VITE_MAESTRO_ENABLED).
// npx maestro-gate check URL [--expect enabled|partial|disabled] [--json] [--timeout MS]
// Reads a published health document as the gate's remote poll reads it.
// npx maestro-gate report-summary FILE... [--since DURATION|TIME] [--json] [--html OUT]
// Counts files of decision beacons (init({ report })), one JSON document a
// line, by session; --html writes the report page.
// npx maestro-gate incident [--beacons FILE...] [--unleash URL --unleash-token TOKEN [--toggle NAME]] [--since TIME] [--json] [--out FILE]
// The runbook's "Lessons Learned" record, filled from the beacons.
// npx maestro-gate collect --out FILE [--port N] [--host H] [--path /maestro-report]
// Receives the beacons and appends each as one line to FILE.
//
// Glue only: what a value or a document means is the wasm core's
// (crates/node), and every line printed goes through its `printable`.
import { closeSync, createReadStream, lstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { beaconReader, buildCheck, checkDocument, documentCap, parseSince, printable, unleashTimeline } from './node.js';
import { openBeaconFile, receiver } from './receiver.js';

const usage = 'usage: maestro-gate health [--out FILE] [--default-enabled VALUE] [--strict]\n'
  + '       maestro-gate check URL [--expect enabled|partial|disabled] [--json] [--timeout MS]\n'
  + '       maestro-gate report-summary FILE... [--since DURATION|TIME] [--json] [--html OUT]\n'
  + '       maestro-gate incident [--beacons FILE...] [--unleash URL --unleash-token TOKEN [--toggle NAME]]\n'
  + '                             [--since TIME] [--json] [--out FILE]\n'
  + '       maestro-gate collect --out FILE [--port N] [--host HOST] [--path PATH]\n'
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
  + '\nreport-summary: counts files of decision beacons (init({ report }); one JSON document a\n'
  + 'line, FILE - for stdin) by decision (enabled/disabled and source), by event (start,\n'
  + 'change, cleanup) and by session (each page load, by its latest decision); blank and\n'
  + 'malformed lines are counted as skipped.\n\n'
  + '  --since WHEN             report-summary, incident: 30s, 15m, 2h, 1d (before now), or a time\n'
  + '                           (2026-01-31T09:30Z; UTC unless it says otherwise); report-summary\n'
  + '                           counts the sessions that still ran MAESTRO after it\n'
  + '  --html OUT               report-summary: also write the report as one self-contained page\n'
  + '  --json                   print the counts (report-summary), the record (incident) or the\n'
  + '                           answer (check) as JSON\n'
  + '\nincident: writes the runbook\'s "Lessons Learned" record, filled from the beacons: the\n'
  + 'rollback method, the time to recovery and the user impact of the first off decision at or\n'
  + 'after --since; what the beacons cannot tell stays as the template has it.\n\n'
  + '  --beacons FILE...        the beacon files (- for stdin)\n'
  + '  --unleash URL            also the toggle\'s event log from this Unleash server (its base\n'
  + '                           address): each switch, its environment, who made it and when\n'
  + '  --unleash-token TOKEN    an admin API token (or MAESTRO_UNLEASH_TOKEN); never printed\n'
  + '  --toggle NAME            the toggle (default maestro)\n'
  + '\ncollect: receives the decision beacons at PATH and appends each as one line to FILE.\n\n'
  + '  --port N                 the port (default 8787; 0: a free one, printed)\n'
  + '  --host HOST              the address to listen on (default 127.0.0.1: this machine only)\n'
  + '  --path PATH              the report URL\'s path (default /maestro-report)\n'
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
  if (args[0] === 'report-summary') await summarize(args.slice(1));
  else if (args[0] === 'incident') await incident(args.slice(1));
  else if (args[0] === 'collect') await collect(args.slice(1));
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

/** A `--since` value as ms since the epoch (bad usage when it is not one). */
function since(value) {
  const r = parseSince(value);
  if (!r.ok) misuse(`--since ${JSON.stringify(value)}: ${r.error}`);
  return r.at;
}

/** Reads the beacon `files` (`-`: stdin) into a reader, chunk by chunk:
 * nothing is kept but one small record per session. A file that cannot be
 * read: one line, exit 2. */
async function readBeacons(files, at) {
  const reader = beaconReader(at);
  for (const file of files) {
    try {
      const stream = file === '-' ? process.stdin : createReadStream(file);
      for await (const chunk of stream) reader.push(chunk);
    } catch (e) {
      fail(2, `cannot read ${file}: ${e.message}`);
    }
    reader.endFile();
  }
  return reader;
}

// maestro-gate report-summary FILE... [--since WHEN] [--json] [--html OUT]:
// exit 0, or 2 for bad usage or a file that cannot be read.
async function summarize(rest) {
  let json = false;
  let html;
  let at;
  const files = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--json') json = true;
    else if (arg === '--since') at = since(valueOf(rest, i++, 'DURATION or TIME'));
    else if (arg === '--html') html = valueOf(rest, i++, 'OUT');
    else if (arg.startsWith('-') && arg !== '-') misuse(`report-summary: unknown flag ${arg}`);
    else files.push(arg);
  }
  if (files.length === 0) misuse('report-summary: no FILE given');
  if (files.filter((f) => f === '-').length > 1) misuse('report-summary: - (stdin) given twice');
  const reader = await readBeacons(files, at);
  const { text: table, ...counts } = reader.summary();
  if (html) writeOut(html, reader.html());
  say(process.stdout, json ? JSON.stringify(counts, null, 2) + '\n' : table);
  process.exit(0);
}

// maestro-gate incident --beacons FILE... [--since TIME] [--json] [--out FILE]:
// the runbook's "Lessons Learned" record. Each input is its own flag
// (--beacons now; another source of facts can be a flag beside it).
async function incident(rest) {
  const inputs = { beacons: [], unleash: undefined, token: process.env.MAESTRO_UNLEASH_TOKEN, toggle: 'maestro' };
  let json = false;
  let out;
  let at;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--beacons') {
      valueOf(rest, i, 'FILE...');
      while (rest[i + 1] !== undefined && (!rest[i + 1].startsWith('-') || rest[i + 1] === '-')) inputs.beacons.push(rest[++i]);
    } else if (arg === '--unleash') inputs.unleash = valueOf(rest, i++, 'URL');
    else if (arg === '--unleash-token') inputs.token = valueOf(rest, i++, 'TOKEN');
    else if (arg === '--toggle') inputs.toggle = valueOf(rest, i++, 'NAME');
    else if (arg === '--since') at = since(valueOf(rest, i++, 'TIME'));
    else if (arg === '--json') json = true;
    else if (arg === '--out') out = valueOf(rest, i++, 'FILE');
    else if (arg.startsWith('-')) misuse(`incident: unknown flag ${arg}`);
    else misuse(`incident: unexpected argument ${JSON.stringify(arg)} (beacon files follow --beacons)`);
  }
  if (inputs.beacons.length === 0 && inputs.unleash === undefined) misuse('incident: no --beacons FILE or --unleash URL given');
  if (inputs.unleash !== undefined && !inputs.token) misuse('incident: --unleash needs --unleash-token TOKEN (or MAESTRO_UNLEASH_TOKEN)');
  const record = (await readBeacons(inputs.beacons, at)).incident();
  if (inputs.beacons.length && record.first_off === null) line(process.stderr, 'maestro-gate: incident: no off decision in the beacons' + (at === undefined ? '' : ' since then') + ': nothing to fill');
  // Unleash's part: the toggle's event log, read by the rules (unleashTimeline:
  // every text printable). A failure is an error (exit 1) that never prints
  // the token; the beacons' part is still written.
  let unleash;
  let failed;
  if (inputs.unleash !== undefined) {
    failed = await (async () => {
      let r;
      try {
        const url = new URL(inputs.unleash.replace(/\/+$/, '') + '/api/admin/events/' + encodeURIComponent(inputs.toggle));
        r = await fetch(url, { headers: { Authorization: inputs.token }, signal: AbortSignal.timeout(10000) });
      } catch (e) {
        return `Unleash at ${inputs.unleash} could not be reached: ${e?.cause?.code || e?.name || 'error'}`;
      }
      if (!r.ok) return `Unleash at ${inputs.unleash} answered HTTP ${r.status}${r.status === 401 || r.status === 403 ? ' (the token was refused)' : ''}`;
      unleash = unleashTimeline(new Uint8Array(await r.arrayBuffer()));
      return unleash.ok ? undefined : `Unleash at ${inputs.unleash}: ${unleash.error}`;
    })();
    if (failed) line(process.stderr, 'maestro-gate: incident: ' + failed.split(inputs.token).join('[token]'));
  }
  const entries = unleash?.ok ? unleash.entries : null;
  let text;
  if (json) text = JSON.stringify({ ...record, text: undefined, unleash: inputs.unleash === undefined ? undefined : entries ? { toggle: inputs.toggle, timeline: entries } : { error: failed } }, null, 2) + '\n';
  else {
    text = record.text;
    if (entries) {
      const rollback = entries.filter((e) => e.rollback).at(-1);
      text += `\n### Timeline (Unleash, toggle ${inputs.toggle})\n\n`
        + (entries.length ? entries.map((e) => `- ${e.at}: ${e.what} by ${e.by}${e.rollback ? ' (rollback)' : ''}\n`).join('') : '- no events\n')
        + (rollback ? `\nRollback in Unleash: ${rollback.what} by ${rollback.by} at ${rollback.at}\n` : '');
    }
  }
  if (out) writeOut(out, text.split('\n').map((l) => printable(l)).join('\n'));
  else say(process.stdout, text);
  process.exit(failed ? 1 : 0);
}

// maestro-gate collect --out FILE [--port N] [--host HOST] [--path PATH]:
// runs until interrupted.
async function collect(rest) {
  let out;
  let port = 8787;
  let host = '127.0.0.1';
  let path = '/maestro-report';
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--out') out = valueOf(rest, i++, 'FILE');
    else if (arg === '--port') {
      const value = valueOf(rest, i++, 'N');
      port = /^[0-9]{1,5}$/.test(value) && Number(value) <= 65535 ? Number(value) : misuse(`--port ${JSON.stringify(value)}: expected 0 to 65535`);
    } else if (arg === '--host') host = valueOf(rest, i++, 'HOST');
    else if (arg === '--path') {
      path = valueOf(rest, i++, 'PATH');
      if (!path.startsWith('/')) misuse(`--path ${JSON.stringify(path)}: expected a path starting with /`);
    } else if (arg.startsWith('-')) misuse(`collect: unknown flag ${arg}`);
    else misuse(`collect: unexpected argument ${JSON.stringify(arg)}`);
  }
  if (!out) misuse('collect: no --out FILE given');
  let file;
  try {
    makeDirs(dirname(resolve(out)));
    file = openBeaconFile(resolve(out));
  } catch (e) {
    fail(1, `cannot write ${out}: ${e && e.code === 'ELOOP' ? 'it is a symlink' : why(e)}`);
  }
  const server = createServer(receiver({ paths: [path], write: file.write }));
  server.on('error', (e) => fail(1, `collect: cannot listen on ${host}:${port}: ${e.code || e.message}`));
  await new Promise((r) => server.listen(port, host, r));
  const address = server.address();
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  line(process.stdout, `maestro-gate: collecting beacons at http://${shown}:${address.port}${path} into ${resolve(out)}`);
  const stop = () => { server.close(); server.closeAllConnections(); file.close(); process.exit(0); };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
