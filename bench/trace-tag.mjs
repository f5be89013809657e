// Where the script tag's first decision spends its time in Chromium, from
// the browser's own trace (issue 20, item 4; bench/profile-tag.mjs times the
// tag's phases from marks of its own). Not part of `make bench`; its findings
// are in CONTRIBUTING.md ("Where the script tag's time goes", "Chromium's
// trace"). Needs pkg/ built and bench/node_modules installed.
//
//   node bench/trace-tag.mjs [--loads N] [--rounds R]
//
// 1. N fresh loads (default 15) of a page whose first script marks "first",
//    then pkg/maestro-gate.js, then a script that reads isEnabled() and marks
//    "answer", and as many of the same page with the hinted tag (below), in
//    turn, with Chromium's tracing on (V8's parse and compile, wasm's
//    compile, Blink's tasks and storage, Mojo). The events of the renderer's
//    main thread between the two marks are summed by name, as self time
//    (an event's time less that of the events inside it), per load. Tracing
//    slows the page: read the shares, not the digits.
// 2. R rounds (default 61) of interleaved fresh loads without tracing, from
//    "first" to "answer": an empty script (the floor), the shipped tag, and
//    the tag with V8's explicit compile hint for the whole file
//    (`//# allFunctionsCalledOnLoad` as its first line: every function
//    compiled with the script, rather than each at its first call), with the
//    median of the per-round difference.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CHROMIUM_OPTIONS } from './run.mjs';
import { median } from './stats.mjs';

const PKG = join(dirname(fileURLToPath(import.meta.url)), '..', 'pkg');
const flag = (name, d) => { const i = process.argv.indexOf(`--${name}`); return i > 1 ? Number(process.argv[i + 1]) : d; };
const LOADS = flag('loads', 15);
const ROUNDS = flag('rounds', 61);
const HINT = '//# allFunctionsCalledOnLoad\n';
const SCRIPTS = { empty: '/empty.js', tag: '/pkg/maestro-gate.js', hint: '/pkg/hinted/maestro-gate.js' };
const page = (v) => '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">'
  + '<script>performance.mark("first")</script>'
  + `<script src="${SCRIPTS[v]}"></script>`
  + '<script>window.__on = !!window.maestroGate && maestroGate.isEnabled(); performance.mark("answer")</script>';

// Served gzip-compressed and never cached, as bench/run.mjs serves its pages.
const server = createServer(async (req, res) => {
  const u = new URL(req.url, 'http://x');
  const send = (type, body) => res.writeHead(200, { 'content-type': type, 'content-encoding': 'gzip', 'cache-control': 'no-store' })
    .end(gzipSync(body, { level: 9 }));
  if (u.pathname === '/') return send('text/html', page(u.searchParams.get('v')));
  if (u.pathname === '/empty.js') return send('text/javascript', '');
  const hinted = u.pathname.startsWith('/pkg/hinted/');
  try {
    const body = await readFile(join(PKG, u.pathname.slice(hinted ? 12 : 5)));
    send(extname(u.pathname) === '.wasm' ? 'application/wasm' : 'text/javascript', hinted ? Buffer.concat([Buffer.from(HINT), body]) : body);
  } catch {
    res.writeHead(404).end();
  }
}).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const origin = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch(CHROMIUM_OPTIONS);

// One fresh load of variant `v`: the time from "first" to "answer" (and the
// trace's events, when `trace`).
async function load(v, trace) {
  const context = await browser.newContext();
  try {
    const p = await context.newPage();
    const events = [];
    let cdp;
    if (trace) {
      cdp = await context.newCDPSession(p);
      cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
      await cdp.send('Tracing.start', {
        transferMode: 'ReportEvents',
        traceConfig: {
          includedCategories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'toplevel', 'blink', 'blink.user_timing',
            'loading', 'v8', 'v8.execute', 'disabled-by-default-v8.compile', 'v8.wasm', 'disabled-by-default-v8.wasm.detailed', 'mojom', 'ipc'],
        },
      });
    }
    await p.goto(`${origin}?v=${v}`);
    await p.waitForFunction(() => performance.getEntriesByName('answer').length > 0);
    const { ms, on } = await p.evaluate(() => ({
      ms: performance.getEntriesByName('answer')[0].startTime - performance.getEntriesByName('first')[0].startTime,
      on: window.__on,
    }));
    if (v !== 'empty' && on !== true) throw new Error(`${v}: MAESTRO is not on`);
    if (trace) {
      const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
      await cdp.send('Tracing.end');
      await done;
    }
    return { ms, events };
  } finally {
    await context.close();
  }
}

// Self time per event name on the thread of the marks, between them.
function selfTimes(events) {
  const mark = (name) => events.find((e) => e.name === name && e.cat.includes('user_timing'));
  const [first, answer] = [mark('first'), mark('answer')];
  if (!first || !answer) throw new Error('the trace has no marks');
  const xs = events.filter((e) => e.pid === answer.pid && e.tid === answer.tid && e.ph === 'X' && e.ts >= first.ts && e.ts <= answer.ts)
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const self = new Map();
  const stack = [];
  for (const e of xs) {
    while (stack.length && stack.at(-1).ts + stack.at(-1).dur <= e.ts) stack.pop();
    self.set(e, e.dur || 0);
    if (stack.length) self.set(stack.at(-1), self.get(stack.at(-1)) - (e.dur || 0));
    stack.push(e);
  }
  const by = new Map();
  for (const [e, us] of self) {
    const s = by.get(e.name) || { ms: 0, calls: 0 };
    by.set(e.name, { ms: s.ms + us / 1000, calls: s.calls + 1 });
  }
  return { total: (answer.ts - first.ts) / 1000, by };
}

// Both tags traced, load by load in turn.
const traced = { tag: { sum: new Map(), total: 0 }, hint: { sum: new Map(), total: 0 } };
for (let i = 0; i < LOADS; i++) {
  for (const v of i % 2 ? ['hint', 'tag'] : ['tag', 'hint']) {
    const t = selfTimes((await load(v, true)).events);
    traced[v].total += t.total / LOADS;
    for (const [name, s] of t.by) {
      const was = traced[v].sum.get(name) || { ms: 0, calls: 0 };
      traced[v].sum.set(name, { ms: was.ms + s.ms / LOADS, calls: was.calls + s.calls / LOADS });
    }
  }
}
const cell = (v, name) => { const s = traced[v].sum.get(name); return s ? `${s.calls.toFixed(1)} / ${s.ms.toFixed(3)} ms` : '-'; };
console.log(`\n## ${browser.version()}: the tag, traced (${LOADS} fresh loads of each; first script to first answer ${traced.tag.total.toFixed(2)} ms per load, ${traced.hint.total.toFixed(2)} ms with the hint)\n`);
console.log('| trace event (the renderer\'s main thread) | shipped: calls / self time per load | with the hint |\n|---|---:|---:|');
for (const [name] of [...traced.tag.sum].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(`| ${name} | ${cell('tag', name)} | ${cell('hint', name)} |`);

const times = { empty: [], tag: [], hint: [] };
const order = Object.keys(times);
for (let i = 0; i < ROUNDS; i++) {
  for (let j = 0; j < order.length; j++) {
    const v = order[(i + j) % order.length];
    times[v].push((await load(v, false)).ms);
  }
}
await browser.close();
server.close();
const floor = median(times.empty);
console.log(`\n## Untraced, ${ROUNDS} interleaved rounds (first script to first answer)\n`);
console.log('| page | median | above the floor |\n|---|---:|---:|');
for (const v of order) console.log(`| ${v === 'empty' ? 'an empty script (the floor)' : v === 'tag' ? 'pkg/maestro-gate.js' : `the same with \`${HINT.trim()}\``} | ${median(times[v]).toFixed(2)} ms | ${(median(times[v]) - floor).toFixed(2)} ms |`);
const d = times.hint.map((h, i) => h - times.tag[i]).sort((a, b) => a - b);
console.log(`\nWith the hint minus without, per round: median ${median(d).toFixed(2)} ms, quartiles ${d[d.length >> 2].toFixed(2)} to ${d[(3 * d.length) >> 2].toFixed(2)} ms; faster with it in ${d.filter((x) => x < 0).length} of ${d.length} rounds.`);
