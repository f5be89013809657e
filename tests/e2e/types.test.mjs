// The objects the shipped package answers are exactly its generated types
// (pkg/types.generated.d.ts, from the Rust types in src/types.rs and
// src/cleanup.rs), in the system Chromium and in Firefox: every required
// property there, no property the type does not name, and each value of its
// type (a source among DecisionSource's names, a number where a number is
// due, ...). The types are read with TypeScript's own parser, so the check
// follows the file, not its formatting. Covered: the decision (with a
// rollout and without, the ES module's and the script tag's, and the fail-safe
// one when the wasm cannot load), the health document (with a rollout and a
// guard, and without), the cleanup request a subscriber hears, and the
// cleanup and verify reports. And the other way: the options the package asks
// an options object for (init's, with every option set, its guard, unleash
// and env; clearClientState's and verifyClientState's) are exactly the ones
// the types name, each read at least once; the same for the Service Worker
// guard's options, the message it posts for a blocked URL, the Vite plugin's
// options, and the answers of the build-time module behind the plugin and the
// CLI (in Node).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { serve, ROOT } from './helpers.mjs';
import { BROWSERS, launch } from './browsers.mjs';

const FILE = join(ROOT, 'pkg', 'types.generated.d.ts');
const source = ts.createSourceFile(FILE, readFileSync(FILE, 'utf8'), ts.ScriptTarget.ES2022, true);
const declared = new Map();
for (const node of source.statements) {
  if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) declared.set(node.name.text, node);
}

const UNDEFINED = '\u0000undefined'; // what the page sends for a property whose value is undefined

/** The problems of `value` against the type `node` (a TypeScript type node), each as "path: why". */
function check(value, node, path, problems) {
  const fail = (why) => problems.push(`${path}: ${why} (${JSON.stringify(value)})`);
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword: if (typeof value !== 'string' || value === UNDEFINED) fail('not a string'); return;
    case ts.SyntaxKind.NumberKeyword: if (typeof value !== 'number') fail('not a number'); return;
    case ts.SyntaxKind.BooleanKeyword: if (typeof value !== 'boolean') fail('not a boolean'); return;
    case ts.SyntaxKind.LiteralType:
      if (node.literal.kind === ts.SyntaxKind.NullKeyword) { if (value !== null) fail('not null'); return; }
      if (node.literal.kind === ts.SyntaxKind.TrueKeyword) { if (value !== true) fail('not true'); return; }
      if (node.literal.kind === ts.SyntaxKind.FalseKeyword) { if (value !== false) fail('not false'); return; }
      if (node.literal.kind === ts.SyntaxKind.NumericLiteral) { if (value !== Number(node.literal.text)) fail(`not ${node.literal.text}`); return; }
      if (value !== node.literal.text) fail(`not "${node.literal.text}"`);
      return;
    case ts.SyntaxKind.UnionType: {
      const each = node.types.map((t) => { const p = []; check(value, t, path, p); return p; });
      if (!each.some((p) => p.length === 0)) {
        // Report the closest member's problems (the one with the fewest).
        problems.push(...each.reduce((a, b) => (b.length < a.length ? b : a)));
      }
      return;
    }
    case ts.SyntaxKind.TypeLiteral: object(value, node.members, path, problems); return;
    case ts.SyntaxKind.TypeReference: {
      const name = ts.isIdentifier(node.typeName) ? node.typeName.text : node.typeName.getText(source);
      if (name === 'Array') {
        if (!Array.isArray(value)) { fail('not an array'); return; }
        value.forEach((v, i) => check(v, node.typeArguments[0], `${path}[${i}]`, problems));
        return;
      }
      const decl = declared.get(name);
      if (!decl) { fail(`the check does not know the type ${name}`); return; }
      if (ts.isInterfaceDeclaration(decl)) object(value, decl.members, path, problems);
      else check(value, decl.type, path, problems);
      return;
    }
    default: fail(`the check does not know the type ${node.getText(source)}`);
  }
}

/** An object against an interface's or a type literal's members: exactly their keys. */
function object(value, members, path, problems) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${path}: not an object (${JSON.stringify(value)})`);
    return;
  }
  const props = new Map(members.map((m) => [m.name.getText(source), m]));
  for (const [name, m] of props) {
    if (!(name in value)) { if (!m.questionToken) problems.push(`${path}.${name}: missing`); continue; }
    check(value[name], m.type, `${path}.${name}`, problems);
  }
  for (const key of Object.keys(value)) if (!props.has(key)) problems.push(`${path}.${key}: not in the type`);
}

/** Asserts that `value` is exactly of the generated type `name`. */
function conforms(value, name) {
  assert.ok(declared.has(name), `types.generated.d.ts declares ${name}`);
  const problems = [];
  check(value, ts.factory.createTypeReferenceNode(name), name, problems);
  assert.deepEqual(problems, [], `${name}: ${JSON.stringify(value)}`);
}

// The types of the other entries: the Service Worker guard's, the Vite plugin's, and the answers of
// the build-time module (pkg/maestro_gate_node.d.ts, behind the plugin and the CLI).
const SW = ['ServiceWorkerGuardOptions', 'BlockedMessage'];
const VITE = ['MaestroGatePluginOptions'];
const TESTING = ['GateState'];
const NODE = ['BuildCheck', 'CheckedDocument', 'UnleashTimeline', 'ReportSummary', 'IncidentRecord', 'BeaconLine', 'ParsedSince'];
// The parts those are made of (exported by none: each is reached through the one it is part of).
const PARTS = ['DocumentStatus', 'BuildHealth', 'Failure', 'DocumentRead', 'TimelineEntry', 'Timeline', 'DecisionCount',
  'EventCounts', 'SessionCounts', 'IncidentField', 'BeaconAccepted', 'BeaconRefused', 'SinceRead'];

test('the entry (and its CommonJS twin) exports every generated type, maestro-gate/sw, /vite, /testing and the build-time module their own', () => {
  const others = [...SW, ...VITE, ...TESTING, ...NODE, ...PARTS];
  const app = (n) => !others.includes(n);
  const doors = {
    'index.d.ts': app, 'cjs/index.d.ts': app, 'sw.d.ts': (n) => SW.includes(n), 'vite.d.ts': (n) => VITE.includes(n),
    'testing.d.ts': (n) => TESTING.includes(n), 'maestro_gate_node.d.ts': (n) => NODE.includes(n),
  };
  assert.ok(declared.size > 10, 'the generated types are read');
  for (const [entry, exports] of Object.entries(doors)) {
    const file = join(ROOT, 'pkg', entry);
    const program = ts.createProgram([file], { noEmit: true, types: [], lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'] });
    const checker = program.getTypeChecker();
    const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file))).map((s) => s.name);
    for (const name of [...declared.keys()].filter(exports)) assert.ok(exported.includes(name), `${entry} exports ${name}`);
  }
  const manifest = JSON.parse(readFileSync(join(ROOT, 'pkg', 'package.json'), 'utf8'));
  assert.ok(manifest.files.includes('types.generated.d.ts') && manifest.files.includes('cjs/'), 'published');
});

test('the check itself: it finds a missing, an extra and a mistyped property', () => {
  const d = { enabled: true, source: 'default', value: null, reason: 'Enabled by defaultEnabled=true', rollout: null };
  conforms(d, 'Decision');
  for (const bad of [
    { ...d, extra: 1 }, { enabled: true, source: 'default', value: null, reason: '' }, { ...d, source: 'nowhere' },
    { ...d, value: 1 }, { ...d, rollout: { percent: 5, bucket: 1 } }, { ...d, value: UNDEFINED },
  ]) {
    const problems = [];
    check(bad, ts.factory.createTypeReferenceNode('Decision'), 'Decision', problems);
    assert.notDeepEqual(problems, [], JSON.stringify(bad));
  }
});

// What a page answers, as JSON (over WebDriver BiDi, puppeteer drops an object
// nested in a frozen one); a property whose value is undefined is kept, as UNDEFINED.
const answers = () => JSON.stringify(window.answers, (k, v) => (v === undefined ? '\u0000undefined' : v));

const PAGE = (options) => '<!doctype html><link rel="icon" href="data:,"><script type="module">'
  + 'import * as gate from "/pkg/index.js"; window.answers = {};'
  + `window.answers.init = await gate.init(${JSON.stringify(options)});`
  // (A guard counts once its rollout module, which loads after the first decision, has.)
  + (options.guard ? 'while (!gate.health().guard) await new Promise((r) => setTimeout(r, 10));' : '')
  + 'window.answers.decision = gate.decision(); window.answers.health = gate.health();'
  + 'gate.onCleanupRequest((r) => { window.answers.request = r; });'
  + 'window.answers.cleanup = await gate.clearClientState({ log: "silent" });'
  + 'window.answers.verify = await gate.verifyClientState();'
  + 'window.ready = true;</script>';

// Every option set, each object a Proxy that records the names the package
// asks for (get, has, getOwnPropertyDescriptor): the options it reads are the
// ones the types name, no more, and it reads each of them. Then
// clearClientState and verifyClientState with recorded options too.
const OPTIONS_PAGE = '<!doctype html><link rel="icon" href="data:,"><script type="module">'
  + 'const reads = { init: new Set(), guard: new Set(), unleash: new Set(), env: new Set(), clear: new Set(), verify: new Set() };'
  + 'const spy = (name, target) => new Proxy(target, {'
  + '  get(t, k, r) { if (typeof k === "string") reads[name].add(k); return Reflect.get(t, k, r); },'
  + '  has(t, k) { if (typeof k === "string") reads[name].add(k); return Reflect.has(t, k); },'
  + '  getOwnPropertyDescriptor(t, k) { if (typeof k === "string") reads[name].add(k); return Reflect.getOwnPropertyDescriptor(t, k); },'
  + '});'
  + 'import * as gate from "/pkg/index.js";'
  + 'const wasm = (m) => new URL(`/pkg/maestro_gate${m}_bg.wasm`, location.href).href;'
  + 'await gate.init(spy("init", {'
  + '  env: spy("env", { VITE_MAESTRO_ENABLED: "true", VITE_MAESTRO_ROLLOUT: "100" }), defaultEnabled: true, log: "silent",'
  + '  wasm: wasm(""), rollbackWasm: wasm("_rollback"), remoteWasm: wasm("_remote"), rolloutWasm: wasm("_rollout"),'
  + '  exposeGlobal: false, remote: "/health-doc", remoteTimeoutMs: 2000, pollMs: 600000, report: "/beacon",'
  + '  unleash: spy("unleash", { url: "/unleash/api/frontend", clientKey: "default:development.x", appName: "types", toggle: "maestro" }),'
  + '  rollout: 100, rolloutGroup: "maestro", userId: "u1",'
  + '  guard: spy("guard", { errors: 5, windowMs: 60000, cooldownMs: 1800000, match: "maestro-chunk" }),'
  + '  prefix: "maestro:", acceptClearAllFromOtherTabs: false,'
  + '}));'
  + 'await gate.clearClientState(spy("clear", { database: "maestro_secrets", prefix: "maestro:", sessionStorage: "prefixed", blockedTimeoutMs: 500, allTabs: false, log: "silent" }));'
  + 'await gate.verifyClientState(spy("verify", { database: "maestro_secrets", prefix: "maestro:", blockedTimeoutMs: 500 }));'
  + 'window.reads = reads; window.ready = true;</script>';

/** The property names of the generated interface `name`, sorted. */
const keys = (name) => declared.get(name).members.map((m) => m.name.getText(source)).sort();

// The build-time module's answers (Node only): each of its generated type, exactly, in every shape
// (a document read and one that is not, a timeline and a body that is not one, ...).
test('the build-time module\'s answers are exactly their generated types', async () => {
  const node = await import(pathToFileURL(join(ROOT, 'pkg', 'maestro_gate_node.js')).href);
  node.initSync({ module: readFileSync(join(ROOT, 'pkg', 'maestro_gate_node_bg.wasm')) });
  const bytes = (text) => new TextEncoder().encode(text);
  const checks = [
    [node.buildCheck({ env: { VITE_MAESTRO_ENABLED: 'true' } }), 'BuildCheck'],
    [node.buildCheck({ env: { VITE_MAESTRO_ENABLED: 'flase', VITE_MAESTRO_ROLLOUT: '25' } }), 'BuildCheck'],
    [node.buildCheck({ env: { VITE_MAESTRO_ROLLOUT: '25' } }), 'BuildCheck'],
    [node.checkDocument(bytes('{"maestro_enabled":true,"rollout":25}')), 'CheckedDocument'],
    [node.checkDocument(bytes('{"maestro_enabled":"maybe"}')), 'CheckedDocument'],
    [node.checkDocument(bytes('not json')), 'CheckedDocument'],
    [node.unleashTimeline(readFileSync(join(ROOT, 'tests', 'fixtures', 'unleash-events.json'))), 'UnleashTimeline'],
    [node.unleashTimeline(bytes('not json')), 'UnleashTimeline'],
    [node.parseSince('30m', Date.now()), 'ParsedSince'],
    [node.parseSince('soon', Date.now()), 'ParsedSince'],
  ];
  const at = Date.parse('2025-06-01T09:00:00Z');
  const beacon = (event, session, enabled, source, t) => JSON.stringify({
    event, session, version: '0.1.0', enabled, source, reason: 'r', rollout: null, guard: null, cleanup: null, at: t,
  });
  const log = [beacon('start', 'session-aaaa', true, 'default', at), beacon('change', 'session-aaaa', false, 'remote', at + 1000),
    beacon('start', 'session-bbbb', true, 'default', at + 2000), 'not json', beacon('start', undefined, true, 'default', at)].join('\n');
  checks.push([node.reportSummary(log), 'ReportSummary']);
  const reader = new node.BeaconReader(at - 1);
  reader.push(bytes(log));
  reader.endFile();
  checks.push([reader.summary(), 'ReportSummary'], [reader.incident(), 'IncidentRecord']);
  checks.push([node.beaconLine(bytes(beacon('start', 'session-aaaa', true, 'default', at))), 'BeaconLine']);
  checks.push([node.beaconLine(bytes('not a beacon')), 'BeaconLine'], [node.beaconLine(new Uint8Array(node.beaconCap() + 1)), 'BeaconLine']);
  for (const [value, name] of checks) conforms(value, name);
  // Each shape was seen: ok and not, a rollout in the health document, a refusal of each status.
  assert.ok(checks[2][0].health.rollout === 25 && checks[4][0].why !== '' && checks[5][0].ok === false);
  assert.ok(checks[6][0].ok && checks[6][0].entries.length > 0 && checks[7][0].ok === false);
  assert.deepEqual(checks.slice(-2).map(([v]) => v.status), [400, 413]);
});

// The Vite plugin's options: every one set, in a Proxy that records the names the plugin asks
// for, through each of its hooks (a build with an invalid value, so that it reads `strict`, and
// a dev server, so that it reads `beacons`): exactly the generated type's, each at least once.
test('the options the Vite plugin reads are exactly the ones its type names', async () => {
  const { default: maestroGate } = await import(pathToFileURL(join(ROOT, 'pkg', 'vite.js')).href);
  const reads = new Set();
  const options = new Proxy({
    fileName: 'maestro-health', defaultEnabled: true, strict: false, preload: true, report: '/maestro-report',
    beacons: 'beacons.jsonl',
  }, {
    get(t, k, r) { if (typeof k === 'string') reads.add(k); return Reflect.get(t, k, r); },
    has(t, k) { if (typeof k === 'string') reads.add(k); return Reflect.has(t, k); },
    getOwnPropertyDescriptor(t, k) { if (typeof k === 'string') reads.add(k); return Reflect.getOwnPropertyDescriptor(t, k); },
  });
  const plugin = maestroGate(options);
  const logger = { info() {}, warn() {} };
  plugin.configResolved({ env: { VITE_MAESTRO_ENABLED: 'flase' }, base: '/', root: mkdtempSync(join(tmpdir(), 'maestro-types-')), command: 'build', logger });
  plugin.configureServer({ middlewares: { use() {} } });
  plugin.buildStart.call({ error(e) { throw new Error(e); } });
  plugin.generateBundle.call({ emitFile() {} });
  plugin.transformIndexHtml.handler('<!doctype html>', { bundle: {}, path: '/index.html' });
  assert.deepEqual([...reads].sort(), keys('MaestroGatePluginOptions'));
});

let server;
before(async () => {
  const page = (options) => (req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE(options));
  server = await serve(ROOT, {
    '/plain.html': page({ log: 'silent' }),
    '/rollout.html': page({ log: 'silent', rollout: 100, guard: { errors: 5 } }),
    '/unavailable.html': page({ log: 'silent', wasm: '/no-such.wasm' }),
    '/options.html': (req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(OPTIONS_PAGE),
    '/health-doc': (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"maestro_enabled":true}'),
    '/unleash/api/frontend': (req, res) => res.writeHead(200, { 'content-type': 'application/json' })
      .end('{"toggles":[{"name":"maestro","enabled":true,"variant":{"name":"disabled","enabled":false}}]}'),
    '/beacon': (req, res) => { req.resume(); req.on('end', () => res.writeHead(204).end()); },
    '/tag.html': (req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><link rel="icon" href="data:,">'
      + '<script src="/pkg/maestro-gate.js"></script><script>window.answers = { sync: maestroGate.decision() };'
      + ' maestroGate.init().then((d) => { window.answers.init = d; window.answers.health = maestroGate.health(); window.ready = true; });</script>'),
  });
});
after(async () => { await server?.close(); });

for (const name of BROWSERS) {
  describe(name, () => {
    let browser;
    before(async () => { browser = await launch(name); });
    after(async () => { await browser?.close(); });

    async function open(path) {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${server.url}${path}`);
        await page.waitForFunction(() => window.ready === true);
        return JSON.parse(await page.evaluate(answers));
      } finally { await context.close(); }
    }

    test(`[${name}] a page without rollout or guard: the decision, the health document, the cleanup request and reports`, async () => {
      const a = await open('/plain.html');
      assert.equal(a.decision.rollout, null);
      assert.equal(a.health.guard, null);
      conforms(a.init, 'Decision');
      conforms(a.decision, 'Decision');
      conforms(a.health, 'Health');
      conforms(a.request, 'CleanupRequest');
      conforms(a.cleanup, 'CleanupReport');
      conforms(a.verify, 'VerifyReport');
    });

    test(`[${name}] with a rollout and a guard: the rollout's answer and the guard's count are of their types`, async () => {
      const a = await open('/rollout.html');
      assert.equal(a.decision.source, 'rollout');
      assert.notEqual(a.health.guard, null);
      conforms(a.init, 'Decision');
      conforms(a.decision, 'Decision');
      conforms(a.health, 'Health');
      conforms(a.decision.rollout, 'Rollout');
      conforms(a.health.guard, 'GuardState');
    });

    test(`[${name}] the options the package reads are exactly the ones its types name`, async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${server.url}/options.html`);
        await page.waitForFunction(() => window.ready === true);
        // `prefix` and `acceptClearAllFromOtherTabs` are read when another tab asks for a cleanup.
        const other = await context.newPage();
        await other.goto(`${server.url}/plain.html`);
        await other.waitForFunction(() => window.ready === true);
        // Until every option has been asked for (the poll reads `pollMs` once it starts); one that
        // never is shows in the comparison below.
        await page.waitForFunction((names) => names.every((n) => window.reads.init.has(n)), { arg: keys('InitOptions'), timeout: 20000 })
          .catch(() => {});
        const reads = JSON.parse(await page.evaluate(() => JSON.stringify(
          Object.fromEntries(Object.entries(window.reads).map(([k, v]) => [k, [...v].sort()])))));
        assert.deepEqual(reads.init, keys('InitOptions'), 'init');
        assert.deepEqual(reads.guard, keys('GuardOptions'), 'guard');
        assert.deepEqual(reads.unleash, keys('UnleashOptions'), 'unleash');
        const env = declared.get('InitOptions').members.find((m) => m.name.getText(source) === 'env').type.types[0];
        assert.deepEqual(reads.env, env.members.map((m) => m.name.getText(source)).sort(), 'env');
        assert.deepEqual(reads.clear, keys('CleanupOptions'), 'clearClientState');
        assert.deepEqual(reads.verify, ['blockedTimeoutMs', 'database', 'prefix'], 'verifyClientState');
      } finally { await context.close(); }
    });

    test(`[${name}] the options the Service Worker guard reads are exactly the ones its type names`, async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      try {
        await page.goto(`${server.url}/tests/e2e/pages/sw/page.html`);
        await page.waitForFunction(() => window.ready === true);
        await page.evaluate(() => navigator.serviceWorker.register('worker-reads.mjs', { scope: './', type: 'module' }).then(() => undefined));
        // (Polled in the page, up to 30 s: the worker writes it at its install, after
        // register() resolves.)
        const reads = JSON.parse(await page.evaluate(async () => {
          for (let i = 0; i < 600; i++) {
            const r = await caches.match('/reads');
            if (r) return r.text();
            await new Promise((go) => setTimeout(go, 50));
          }
          return 'null';
        }));
        assert.deepEqual(reads, keys('ServiceWorkerGuardOptions'));
      } finally { await context.close(); }
    });

    test(`[${name}] what the Service Worker guard posts for a blocked URL is a BlockedMessage`, async () => {
      const context = await browser.newContext();
      try {
        const on = await context.newPage();
        await on.goto(`${server.url}/tests/e2e/pages/sw/page.html`);
        await on.waitForFunction(() => window.ready === true);
        await on.evaluate(() => navigator.serviceWorker.register('worker.mjs', { scope: './', type: 'module' }).then(() => undefined));
        await on.waitForFunction(() => !!navigator.serviceWorker.controller, { timeout: 30000 });
        // A page that loads off tells the worker, which then blocks /maestro/ (and says so, once a URL).
        const off = await context.newPage();
        await off.goto(`${server.url}/tests/e2e/pages/sw/page.html?off`);
        await off.waitForFunction(() => window.ready === true);
        let status;
        for (let i = 0; i < 300 && status !== 503; i++) {
          status = await off.evaluate((n) => fetch(`/maestro/types-${n}`, { cache: 'no-store' }).then((r) => r.status), i);
          if (status !== 503) await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(status, 503, 'the worker blocks once it has heard the off');
        await off.waitForFunction(() => window.messages.length > 0, { timeout: 30000 });
        const messages = JSON.parse(await off.evaluate(() => JSON.stringify(window.messages)));
        for (const m of messages) conforms(m, 'BlockedMessage');
      } finally { await context.close(); }
    });

    test(`[${name}] the fail-safe answers when the wasm cannot load, and the script tag's`, async () => {
      const a = await open('/unavailable.html');
      assert.equal(a.decision.source, 'unavailable');
      conforms(a.init, 'Decision');
      conforms(a.decision, 'Decision');
      conforms(a.health, 'Health');
      const t = await open('/tag.html');
      conforms(t.sync, 'Decision');
      conforms(t.init, 'Decision');
      conforms(t.health, 'Health');
    });
  });
}
