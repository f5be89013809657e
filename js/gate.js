// maestro-gate's JavaScript glue, shared by the ES module (js/index.js) and
// the two script-tag files (js/script-tag.js, js/script-tag-full.js), over the
// gate wasm's exports as js/core.js wraps them. Each entry hands `createGate`
// the same two things:
//   load(wasm)           instantiates the gate's wasm (`wasm`: init({ wasm }))
//   loadExtras(report)   loads js/extras.js (the glue of `rollout`, `guard`,
//                        `remote` and `unleash`, and of a cleanup), only for
//                        a page that sets one of them and whose sources say
//                        on, or cleans up; it loads the rollback, the remote
//                        and the rollout modules (see `load` there). With
//                        `report` truthy: js/report.js instead, the glue of
//                        init({ report })'s beacon (the ES module's and
//                        Node's: the script tag's init() takes no options,
//                        and never reports)
// It keeps every export answering "disabled", never throwing, when a wasm
// cannot load, and mirrors the decision for a fast isEnabled(). Every decision
// is Rust's.

import * as core from './core.js';

/** The version of the package, put in by the build. */
export const VERSION = typeof __MAESTRO_GATE_VERSION__ === 'string' ? __MAESTRO_GATE_VERSION__ : '0.0.0';

const LOAD_FAILED = "maestro-gate's wasm could not be loaded";

// `p`, or a rejection saying so when it has not settled within 10 s: a
// download that never ends (a stalled CDN, a held connection) must not hold
// init(), a cleanup or a module for good; it counts as one that could not
// load, with that module's fail-safe or warning. The gate's wasm, the extras
// chunk, and each module js/extras.js loads (`g.within`) are given 10 s
// each (`ms`: the keeping module, the document's fetch timeout). (Node reads
// its files from disk: no timer.)
const within = (p, ms = 1e4) => __MAESTRO_NODE__ ? p : new Promise((ok, no) => {
  const t = setTimeout(no, ms, 'it did not load within ' + ms + ' ms');
  p.then(ok, no).then(() => clearTimeout(t));
});

// An error's message, whatever was thrown.
function describe(error) {
  try { return String(error && error.message || error); } catch { return 'unknown error'; }
}

// Whether `options` has its own property `key` (its getter is not called).
// (`hasOwnProperty` of null or undefined throws: no options.)
function has(options, key) {
  try { return {}.hasOwnProperty.call(options, key); } catch { return false; }
}

// `options[key]`, read as the object's own property (a getter that throws reads as undefined).
function own(options, key) {
  try { return has(options, key) ? options[key] : undefined; } catch {}
}

// The glue's own warning, `[MAESTRO] text`, unless `options` say `log:
// "silent"`: written at once, after any start-up line still waiting
// (`core.log`; a missing or throwing console is ignored).
function warn(options, text) {
  if (own(options, 'log') !== 'silent') core.log(1, text);
}

// Every copy of the gate on a page (the app's bundle, a CDN tag, the tag
// twice) joins one list, under a well-known symbol. Each copy hears every
// kill itself (the Rust core chains the MAESTRO_ENABLED accessor, and reads
// the flag again each second); window.maestroGate is the page's view of them
// all: off whenever any copy is off, and that copy's decision and health.
function shared(api) {
  try {
    const copies = (globalThis[Symbol.for('maestro-gate.copies')] ||= []);
    copies.push(api);
    const first = () => copies.find((c) => !c.isEnabled()) || api;
    return { ...api, isEnabled: () => first().isEnabled(), decision: () => first().decision(), health: () => first().health() };
  } catch {
    return api;
  }
}

export function createGate({ load, loadExtras }) {
  let loading; // the promise of loading the wasm: true when loaded, false when it failed
  let started; // the promise of the first init()
  let x; // js/extras.js's functions for this copy, once loaded (see `more`)
  let reporter; // the promise of js/report.js's sender for this copy (see `report`)
  // The first init()'s options, from the call on: where js/extras.js finds the
  // modules' .wasm files, and what a cleanup asked by another tab is answered with.
  let answering;
  let ready = false; // the wasm is loaded and has not failed
  // The decision's `enabled`, mirrored from the Rust core, in a scope of its
  // own: a read from a large scope was measured 2-4x slower. `on()` reads
  // it, `mirror(enabled)` sets it.
  const [on, mirror] = (() => {
    let enabled = false;
    return [() => enabled, (v) => { enabled = v; }];
  })();
  let down = 'Disabled: init() has not finished';

  const off = () => core.record(false, 'unavailable', null, down);

  function fail(prefix, error, options) {
    ready = false;
    mirror(false);
    down = 'Disabled (fail safe): ' + prefix + ': ' + describe(error);
    warn(options, down);
  }

  // Calls into the wasm; a trap there (which the core is written never to hit)
  // turns the gate off instead of reaching the app.
  function call(fn, fallback, arg) {
    if (ready) try { return fn(arg); } catch (e) { fail('the wasm core failed', e); }
    return fallback(arg);
  }

  async function attempt(options) {
    try {
      await within(load(own(options, 'wasm')));
    } catch (e) {
      fail(LOAD_FAILED, e, options);
      return false;
    }
    ready = true;
    hook();
    return true;
  }

  // Hands the loaded gate what it calls back.
  function hook() {
    // A failure of the wasm under an event or the MAESTRO_ENABLED setter turns
    // the gate off, as one under an export does.
    core.onTrap((e) => fail('the wasm core failed', e));
    // Mirror every change before any subscriber of the app hears of it.
    call(core.onChange, () => {}, (next) => { mirror(next.enabled); report('change'); });
    // Opens this copy's channel, before the first decision: a message
    // another tab posts before a channel opens never reaches it, and a
    // cleanup request that comes after the decision, when the app may have
    // started MAESTRO, must. What other tabs (and the other copies of
    // the gate on this page) say that a module acts on comes here once the
    // gate did its part, and goes to js/extras.js's router (`heard`): a
    // cleanup request loads it (and it, the rollback module, which answers);
    // anything else goes there only if it is loaded (else no module that
    // waits for it is, and it is dropped). With it, in the same call (one
    // crossing into the wasm fewer before the decision), the remote hook:
    // another tab's rollout for this copy's document (decide() asks for the
    // remote poll itself when options.remote is set).
    call((forward) => core.onMessage(forward, (o) => x && x.remote(o)), () => {},
      (data) => data.maestroGate == 'cleanup' ? more().then((m) => m.heard(data), () => {}) : x && x.heard(data));
  }

  // init({ report }): js/report.js (a chunk of its own: an off page needs
  // none of js/extras.js for its beacon) sends the decision beacon, the
  // health document read now. A page that is on at its first beacon imports
  // it from a task of its own, after the code that awaited init() has run:
  // the app's first decision goes first, and its requests (MAESTRO's chunk)
  // before the beacon's. A page that is off then imports it once it is 2 s
  // old (performance.now(): from its navigation; at once, in a task, for an
  // init() later than that; 2,001 ms less its age: a timer's delay is
  // truncated to whole milliseconds, and 2,000 fired up to 1 ms early, which
  // `make test`'s off-page budget saw once): it downloads nothing but the
  // gate in its first 2 s (issue 20: off costs least), and its beacons of that time wait, in
  // order, each with the document of its moment; left sooner, it sends none.
  // (Node: the next task.) If it cannot load, one warning, and the decision
  // stands. Returns `cleanup`. (A `report` that is undefined, null or false
  // is none, and loads nothing; any other value that is not a string, a `URL`
  // object, loads the beacon module, which says so once.)
  // (The script tag's init() takes no options: it never reports.)
  function report(event, cleanup) {
    if (!__MAESTRO_TAG__ && (own(answering, 'report') ?? false) !== false) {
      const d = health();
      (reporter ||= new Promise((go) => setTimeout(go, __MAESTRO_NODE__ || on() ? 0 : 2001 - performance.now())).then(() => loadExtras(1)).then((m) => m.default(g), (e) => {
        warn(answering, describe(e) + '; keeping the current decision');
        return () => {};
      })).then((send) => send(event, d, cleanup));
    }
    return cleanup;
  }

  // Whether the page sets a rollout or a guard: only then does the
  // first-answer module narrow the first decision (js/extras.js; the rollout
  // module loads after it). A percentage narrows wherever it comes from (an
  // inherited one, a getter's, a proxy's, one whose read throws: the module
  // reports that); the guard is an own option, and one that is undefined,
  // null or false is none (the module reads it so: `init({ guard:
  // config.guard })` without a guard loads nothing for it).
  // (Read as the gate reads them, `Object(obj)[key]`; a read that throws says yes.)
  const narrows = (options) => {
    try {
      const o = Object(options);
      return o.rollout != null || Object(o.env).VITE_MAESTRO_ROLLOUT != null
        || globalThis.MAESTRO_ROLLOUT != null || has(options, 'guard') && (o.guard ?? false) !== false;
    } catch { return true; }
  };

  // A page that sets a rollout or a guard, polls or reports, and a cleanup,
  // load js/extras.js (once), which loads the rollout, the remote and the
  // rollback modules and hands them the gate's functions. `g` is what it is handed.
  const g = {
    own, describe, narrows, within, on, started: () => started, answering: () => answering,
    // (the gate's functions one by one: a namespace used as a value costs bytes, and esbuild copies it with for...in)
    decide: (n) => call(() => core.decide(undefined, n), off), isEnabled: () => call(core.isEnabled, () => false),
    wouldBeOn: (options) => call(core.wouldBeOn, () => false, options),
    notify: core.notifyCleanup,
    imports: core.importsOf, keep: core.held, post: core.post,
  };
  // js/extras.js's functions for this copy: one instance, however many calls
  // wait for the chunk (one promise of it, `extras`: two calls before it
  // came, an init() beside a resetGuard(), made two; a failure is forgotten,
  // and a later call tries again). Each call waits for it 10 s of its own
  // (`within`), and rejects with why it could not load; the chunk still
  // counts when it comes later (see the poll in init()). (`loadExtras` never
  // throws: it returns a promise.)
  let extras;
  const more = () => within(extras ||= loadExtras().then((m) => x ||= m.default(g), (e) => {
    extras = undefined;
    throw e;
  })).catch((e) => {
    throw "maestro-gate's extras module could not be loaded: " + describe(e);
  });
  // (A `remote` or `unleash` that is undefined, null or false is none, as
  // the modules read it: `remote: config.healthUrl` without one, or `prod &&
  // '/health'`, loads nothing. An empty `remote`, or one that is not a
  // string (a `URL` object), is a mistake the remote module warns of: it
  // loads. js/extras.js's `polls` reads them the same
  // way: a twin, not handed over, since a helper on `g` measured 12 B gzip
  // more on every page's entry.)
  const needs = (options) => narrows(options) || (own(options, 'remote') ?? false) !== false || (own(options, 'unleash') ?? false) !== false;

  // The narrowing of the first decision, from js/extras.js, asked only of a
  // gate whose sources say on: a page that is off loads none of it (off
  // costs least; its beacon is js/report.js's). If that cannot load, a page
  // that narrows fails safe; one that only polls keeps its decision, with a
  // warning.
  async function begin(options) {
    if (!g.wouldBeOn(options)) return;
    try {
      await more();
    } catch (e) {
      const why = describe(e);
      if (narrows(options)) return { code: core.NARROWING_ROLLOUT_FAIL_SAFE, reason: 'Disabled (fail safe): ' + why };
      warn(options, why + '; keeping the current decision');
      return;
    }
    return x.begin(options);
  }

  // Loads the wasm once. A cleanup export or subscription called before init()
  // loads it from the default place; if that failed, init({ wasm }) tries again
  // with its own.
  function loadOnce(options) {
    const wasm = own(options, 'wasm');
    if (loading && wasm != null) loading = loading.then((ok) => ok || attempt(options));
    return (loading ||= attempt(options));
  }

  // The decision, once the wasm has loaded (or failed to), narrowed by
  // js/extras.js's `n` on a page that sets a rollout or a guard.
  function start(options, loaded, n) {
    if (!loaded) return off();
    const d = call(() => core.decide(options, n), off);
    mirror(d.enabled);
    return d;
  }

  /** Whether MAESTRO is enabled. `false` until `init()` has resolved. */
  // The mirror's own reader: no TDZ check, no large scope, on the hot path.
  const isEnabled = on;

  /** The current decision: `{ enabled, source, value, reason }`. */
  // (The wasm answers none before its first decision: `off`, whose reason is
  // then "init() has not finished", as before it loaded.)
  function decision() {
    return call(core.decision, off) || off();
  }

  /**
   * The health document: `{ status, maestro_enabled, source, reason, version }`, the
   * runbook's shape of the decision (the same document the Vite plugin and the CLI
   * write, which the Node-only module builds from the same rules).
   */
  function health() {
    const d = decision();
    const guard = x ? x.guard() : null; // this copy's own (none without a guard)
    return core.freeze({
      status: d.enabled ? 'enabled' : 'disabled', maestro_enabled: d.enabled, source: d.source, reason: d.reason, version: VERSION,
      rollout: d.rollout, guard,
    });
  }

  /** Counts one of MAESTRO's failures for the guard (`init({ guard })`). Never throws. */
  function recordError() {
    if (x) x.recordError(); // (no guard: nothing to count for)
  }

  /** Forgets this browser's guard trip, for the next load. Resolves to whether one was remembered. */
  async function resetGuard() {
    try { return await (await more()).resetGuard(); } catch { return false; }
  }

  // Subscribes once the wasm is there; the returned function unsubscribes.
  function subscribe(fn, callback) {
    let unsubscribe;
    let cancelled = false;
    const go = () => { if (!cancelled) unsubscribe = call(fn, () => undefined, callback); };
    if (ready) go(); else loadOnce().then(go);
    return () => { cancelled = true; if (unsubscribe) unsubscribe(); };
  }

  /** Calls `callback(decision)` when the decision changes (it only ever turns off). Returns an unsubscribe function. */
  function onChange(callback) {
    return subscribe(core.onChange, callback);
  }

  /**
   * Calls `callback` before every cleanup (this tab's or another's). Returns an
   * unsubscribe function. Subscribing does not load the rollback module.
   */
  function onCleanupRequest(callback) {
    return subscribe(core.onCleanupRequest, callback);
  }

  // The cleanup exports load the wasm themselves (init() is not required
  // first), then js/extras.js, which calls the rollback module's `name`. If
  // any of them cannot load (or the rollback fails), `fallback(database, why)`
  // answers: every part "unavailable", every list it cannot know `null`.
  async function rollback(name, options, fallback) {
    let why = down;
    try {
      if (await loadOnce()) return await (await more()).rollback(name, options);
    } catch (e) {
      why = describe(e);
    }
    const database = own(options, 'database');
    return fallback(typeof database == 'string' ? database : 'maestro_secrets', why);
  }

  /** Deletes MAESTRO's IndexedDB database and its prefixed storage keys, in every open tab. Never rejects. */
  function clearClientState(options) {
    return rollback('clearClientState', options, (name, why) => {
      warn(options, 'Cleanup unavailable: ' + why);
      const area = () => ({ outcome: 'unavailable', removed: [], failed: [], error: why });
      return { ok: false, database: { name, outcome: 'unavailable', blocked: false, error: why }, localStorage: area(), sessionStorage: area(), otherTabs: 0 };
    }).then((r) => report('cleanup', r));
  }

  /** Reports what MAESTRO client state is left, changing nothing. Never rejects. */
  function verifyClientState(options) {
    return rollback('verifyClientState', options, (name) => ({ database: { name, exists: null }, localStorageKeys: null, sessionStorageKeys: null, clean: null }));
  }

  const api = core.freeze({
    isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest, recordError, resetGuard,
  });

  // This copy joins the page's copies (see `shared`); the ES module puts the
  // page's view of them on window.maestroGate unless something already is.
  function expose(options) {
    const view = shared(api);
    try {
      if (own(options, 'exposeGlobal') !== false && !('maestroGate' in globalThis)) globalThis.maestroGate = core.freeze(view);
    } catch {}
  }

  /**
   * Loads the wasm, reads the sources, logs the decision once and resolves to it.
   * Never rejects: if the wasm cannot load, resolves disabled with source "unavailable".
   * Later calls start nothing new (the first options win) and resolve to the
   * decision as it is then, which may have latched off since.
   */
  function init(options) {
    if (started) {
      // (js/extras.js names what a later call asked for that is ignored: a rare path, loaded for it)
      return Promise.all([started, more().then((m) => m.ignored(options), () => {})]).then(() => decision());
    }
    answering = options;
    // A page that narrows, polls or reports decides with what js/extras.js
    // answers first (the remote document's first answer, the rollout, the guard).
    return (started = loadOnce(options).then(async (loaded) => {
      const d = start(options, loaded, loaded && needs(options) ? await begin(options) : undefined);
      // The poll, for a gate that is on (one that is off stays off). (A page
      // that polls and is on without js/extras.js, which did not come within
      // its 10 s, polls when it comes, if it is still on then: a slow chunk
      // must not leave it deaf to a remote kill.)
      if (on()) x ? x.poll(options) : needs(options) && extras?.then((m) => on() && m.poll(options), () => {});
      expose(options);
      report('start');
      return d;
    }));
  }

  /**
   * The script tag's start: loads the wasm synchronously (`load` must be
   * synchronous there) and decides before the tag finishes. Returns the
   * global API, with `init()` resolving to the decision. The build defines
   * `__MAESTRO_TAG__` (scripts/build-pkg.sh): false for the ES module, whose
   * bundle then leaves this out.
   */
  const startNow = __MAESTRO_TAG__ && function startNow(options) {
    let loaded = false;
    try {
      load(undefined);
      loaded = ready = true;
    } catch (e) {
      fail(LOAD_FAILED, e, options);
    }
    loading = Promise.resolve(loaded);
    if (loaded) hook();
    // A page that sets window.MAESTRO_ROLLOUT decides once the rollout
    // module is there (until then: disabled, "init() has not finished").
    started = loaded && needs(options)
      ? begin(options).then((n) => start(options, true, n))
      : Promise.resolve(start(options, loaded));
    return core.freeze({ ...shared(api), init: () => started.then(() => decision()) });
  };

  return { ...api, init, ...__MAESTRO_TAG__ && { startNow } }; // (the ES module: no startNow)
}
