// maestro-gate's JavaScript glue, shared by the ES module (js/index.js) and
// the two script-tag files (js/script-tag.js, js/script-tag-full.js), over the
// gate wasm's exports as js/core.js wraps them. Each entry hands `createGate`
// the same three things:
//   load(wasm)           instantiates the gate's wasm (`wasm`: init({ wasm }))
//   loadRollbackModule   loads the rollback module, only when a cleanup runs
//   loadRemoteModule     loads the remote module, only for init({ remote }), init({ unleash }) or init({ report })
//   loadRolloutModule    loads the rollout module, only for a page that sets a
//                        rollout or a guard (see narrows())
// It keeps every export answering "disabled", never throwing, when a wasm
// cannot load, and mirrors the decision for a fast isEnabled(). Every decision
// is Rust's.

import * as core from './core.js';

/** The version of the package, put in by the build. */
export const VERSION = typeof __MAESTRO_GATE_VERSION__ === 'string' ? __MAESTRO_GATE_VERSION__ : '0.0.0';

const LOAD_FAILED = "maestro-gate's wasm could not be loaded";

// An error's message, whatever was thrown.
function describe(error) {
  try { return String(error && error.message || error); } catch { return 'unknown error'; }
}

// Whether `options` has its own property `key` (its getter is not called).
// (`hasOwnProperty` of null or undefined throws: no options.)
function has(options, key) {
  try { return Object.prototype.hasOwnProperty.call(options, key); } catch { return false; }
}

// `options[key]`, read as the object's own property (a getter that throws reads as undefined).
function own(options, key) {
  try { return has(options, key) ? options[key] : undefined; } catch {}
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

export function createGate({ load, loadRollbackModule, loadRemoteModule, loadRolloutModule }) {
  let loading; // the promise of loading the wasm: true when loaded, false when it failed
  let started; // the promise of the first init()
  let rollbackLoading; // the promise of the rollback module (null when it could not load)
  let rollbackWasm; // init({ rollbackWasm }), where the rollback's .wasm lives
  let remoteWasm; // init({ remoteWasm }), where the remote poll's .wasm lives
  let rollout; // the rollout module, once loaded (wasm-bindgen instantiates it once)
  let answering; // init()'s options a cleanup asked by another tab is answered with
  let ready = false; // the wasm is loaded and has not failed
  // The decision's `enabled`, mirrored from the Rust core, in a scope of its
  // own: a read from a large scope was measured 2-4x slower.
  const mirror = (() => {
    let enabled = false;
    return { get: () => enabled, set: (v) => { enabled = v; } };
  })();
  let down = 'Disabled: init() has not finished';

  const off = () => core.record(false, 'unavailable', null, down);

  function fail(prefix, error, options) {
    ready = false;
    mirror.set(false);
    down = 'Disabled (fail safe): ' + prefix + ': ' + describe(error);
    if (own(options, 'log') !== 'silent') try { console.warn('[MAESTRO] ' + down); } catch {}
  }

  // Calls into the wasm; a trap there (which the core is written never to hit)
  // turns the gate off instead of reaching the app.
  function call(fn, fallback, arg) {
    if (ready) try { return fn(arg); } catch (e) { fail('the wasm core failed', e); }
    return fallback(arg);
  }

  async function attempt(options) {
    try {
      await load(own(options, 'wasm'));
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
    call(core.onChange, () => {}, (next) => { mirror.set(next.enabled); report('change'); });
    // Listen for other tabs' cleanup requests; the rollback module answers them.
    call(core.onCleanupMessage, () => {}, (data) => {
      loadRollback().then((r) => { if (r) try { r.answerCleanup(data, answering); } catch {} });
    });
    // Another tab's rollout (`{ maestroGate: "remote", url, rollout }`) for
    // this copy's document. (decide() also calls this with the options when
    // options.remote is set, which name no `url`: init() starts the poll
    // itself, for `remote` and `unleash` alike.)
    call(core.onRemote, () => {}, (o) => o.url === own(answering, 'remote')
      && withRollout((m) => m.lower(answering, o.rollout)).then(restrict));
  }

  // Loads the remote poll's module and starts it with the gate's own answers.
  // If it cannot, the decision stands (other tabs' polls still reach the gate).
  async function startRemote(options) {
    let r;
    try {
      r = await loadRemoteModule(remoteWasm);
    } catch (e) {
      return remoteWarn(options, "maestro-gate's remote module could not be loaded: " + describe(e));
    }
    try {
      // An off comes as a narrowing (`restrict`). A remote document's
      // "rollout": a lower percentage turns this page off if its bucket is
      // now out; an invalid one fails safe.
      r.startRemote(options, () => call(core.isEnabled, () => false), restrict,
        (url, percent, value) => withRollout((m) => m.lower(options, value)).then(restrict));
    } catch (e) {
      remoteWarn(options, 'the remote module failed: ' + describe(e));
    }
  }

  // init({ report }): the remote module sends the decision beacon (a page
  // without `report` never loads it for this; loaded twice, wasm-bindgen
  // instantiates it once). Whatever fails, nothing changes. Returns `cleanup`.
  function report(event, cleanup) {
    const d = health(); // now, not once the module has loaded (with the rollout and the guard)
    if (typeof own(answering, 'report') == 'string') loadRemoteModule(remoteWasm).then((r) => r.report(answering, event, d, cleanup)).catch(() => {});
    return cleanup;
  }

  let remoteWarned; // (once per copy: the first answer and the poll load the same module)
  function remoteWarn(options, why) {
    if (!remoteWarned && own(options, 'log') !== 'silent') try { console.warn('[MAESTRO] Remote poll not started: ' + why + '; keeping the current decision'); } catch {}
    remoteWarned = true;
  }

  let rolloutWasm; // init({ rolloutWasm })

  // Whether the page sets a rollout or a guard: only then is the rollout
  // module loaded, before the first decision. A percentage narrows wherever
  // it comes from (an inherited one, a getter's, a proxy's, one whose read
  // throws: the rollout module reports that); the guard is an own option.
  // (Read as the gate reads them, `Object(obj)[key]`; a read that throws says yes.)
  const narrows = (options) => {
    try {
      const o = Object(options);
      return o.rollout != null || Object(o.env).VITE_MAESTRO_ROLLOUT != null
        || globalThis.MAESTRO_ROLLOUT != null || has(options, 'guard');
    } catch { return true; }
  };

  // Calls `f` with the rollout module (loaded once): its narrowing of the
  // gate's "on", `{ code, reason, rollout }`. Without the module, the
  // narrowing fails safe.
  async function withRollout(f) {
    try {
      return f(rollout ||= await loadRolloutModule(rolloutWasm));
    } catch (e) {
      return { code: 4, reason: "Disabled (fail safe): maestro-gate's rollout module could not be loaded: " + describe(e) };
    }
  }
  // (`decide` again, once decided, applies a narrowing that says off: to a
  // gate that is on, at once, so that a guard's trip is in force, and
  // onChange told, when recordError() returns; otherwise after the first
  // decision, which a trip may come before.)
  // (The same call twice: gzip makes the copy nearly free, a helper costs more.)
  const restrict = (n) => { if (n) mirror.get() ? call(() => core.decide(undefined, n), off) : started.then(() => call(() => core.decide(undefined, n), off)); };
  // At start-up; later, a guard's trip turns the gate off through `restrict`.
  // `remote`: the remote document's rollout (its first or remembered
  // answer), a fourth source beside the page's own.
  const narrowing = (options, remote) => withRollout((m) => m.start(options, restrict, remote));

  let rollbackDown = '';

  // The rollback module, loaded once, after the gate.
  function loadRollback() {
    return (rollbackLoading ||= loadOnce().then(async (ok) => {
      if (!ok) {
        rollbackLoading = undefined; // a later call tries again
        return null;
      }
      try {
        const r = await loadRollbackModule(rollbackWasm);
        // Its cleanups reach this page's onCleanupRequest subscribers, kept by
        // the gate, and the gate learns which requests are this tab's own.
        r.setNotifier((request) => call(core.notifyCleanup, () => {}, request));
        r.setAnnouncer((id) => call(core.ownCleanup, () => {}, id));
        return r;
      } catch (e) {
        rollbackDown = "maestro-gate's rollback module could not be loaded: " + describe(e);
        rollbackLoading = undefined; // a later call tries again
        return null;
      }
    }));
  }

  // Loads the wasm once. A cleanup export or subscription called before init()
  // loads it from the default place; if that failed, init({ wasm }) tries again
  // with its own.
  function loadOnce(options) {
    const wasm = own(options, 'wasm');
    rollbackWasm = own(options, 'rollbackWasm') ?? rollbackWasm;
    remoteWasm = own(options, 'remoteWasm') ?? remoteWasm;
    rolloutWasm = own(options, 'rolloutWasm') ?? rolloutWasm;
    if (loading && wasm != null) loading = loading.then((ok) => ok || attempt(options));
    return (loading ||= attempt(options));
  }

  // The decision, once the wasm has loaded (or failed to), narrowed by the
  // rollout module's `n` on a page that sets a rollout or a guard.
  function start(options, loaded, n) {
    answering = options;
    if (!loaded) return off();
    const d = call(() => core.decide(options, n), off);
    mirror.set(d.enabled);
    return d;
  }

  /** Whether MAESTRO is enabled. `false` until `init()` has resolved. */
  // The mirror's own reader: no TDZ check, no large scope, on the hot path.
  const isEnabled = mirror.get;

  /** The current decision: `{ enabled, source, value, reason }`. */
  function decision() {
    return call(core.decision, off);
  }

  /**
   * The health document: `{ status, maestro_enabled, source, reason, version }`, the
   * runbook's shape of the decision (the same document the Vite plugin and the CLI
   * write, which the Node-only module builds from the same rules).
   */
  function health() {
    const d = decision();
    let guard = null;
    try { guard = rollout.guardState(restrict); } catch {} // (no rollout module: no guard); this copy's own
    return Object.freeze({
      status: d.enabled ? 'enabled' : 'disabled', maestro_enabled: d.enabled, source: d.source, reason: d.reason, version: VERSION,
      rollout: d.rollout, guard,
    });
  }

  /** Counts one of MAESTRO's failures for the guard (`init({ guard })`). Never throws. */
  function recordError() {
    try { rollout.recordError(restrict); } catch {} // (no rollout module: no guard to count for); `restrict` names this copy
  }

  /** Forgets this browser's guard trip, for the next load. Resolves to whether one was remembered. */
  async function resetGuard() {
    return (await withRollout((m) => m.resetGuard())) === true;
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

  // The cleanup exports load the wasm themselves (init() is not required first).
  // Without the rollback module they report every part "unavailable", and
  // every list they cannot know `null`, rather than throw.
  function databaseName(options) {
    const name = own(options, 'database');
    return typeof name === 'string' ? name : 'maestro_secrets';
  }

  // Calls the rollback module's `name`; without it, `fallback` says why.
  async function callRollback(name, fallback, options) {
    const r = await loadRollback();
    if (r) try { return await r[name](options); } catch (e) { rollbackDown = 'the rollback module failed: ' + describe(e); }
    return fallback(options, rollbackDown || down);
  }

  /** Deletes MAESTRO's IndexedDB database and its prefixed storage keys, in every open tab. Never rejects. */
  function clearClientState(options) {
    return callRollback('clearClientState', (o, why) => {
      if (own(o, 'log') !== 'silent') try { console.warn('[MAESTRO] Cleanup unavailable: ' + why); } catch {}
      const area = () => ({ outcome: 'unavailable', removed: [], failed: [], error: why });
      return { ok: false, database: { name: databaseName(o), outcome: 'unavailable', blocked: false, error: why },
        localStorage: area(), sessionStorage: area(), otherTabs: 0 };
    }, options).then((r) => report('cleanup', r));
  }

  /** Reports what MAESTRO client state is left, changing nothing. Never rejects. */
  function verifyClientState(options) {
    return callRollback('verifyClientState', (o) => ({
      database: { name: databaseName(o), exists: null }, localStorageKeys: null, sessionStorageKeys: null, clean: null,
    }), options);
  }

  const api = Object.freeze({
    isEnabled, decision, health, onChange, clearClientState, verifyClientState, onCleanupRequest, recordError, resetGuard,
  });

  // This copy joins the page's copies (see `shared`); the ES module puts the
  // page's view of them on window.maestroGate unless something already is.
  function expose(options) {
    const view = shared(api);
    try {
      if (own(options, 'exposeGlobal') !== false && !('maestroGate' in globalThis)) globalThis.maestroGate = Object.freeze(view);
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
      ignored(options);
      return started.then(() => decision());
    }
    // With `remote`, and a gate that would be on, the document's first
    // answer (waited for at most `remoteTimeoutMs`): an off in it is the
    // first decision, and its rollout narrows it.
    return (started = loadOnce(options).then(async (loaded) => {
      // (A `remote` that is not a string: the remote module reads nothing.)
      const remote = has(options, 'remote') || has(options, 'unleash');
      const a = loaded && remote && call(core.wouldBeOn, () => false, options)
        && await firstAnswer(options);
      const d = start(options, loaded, a && a.code ? a
        : loaded && (narrows(options) || a) ? await narrowing(options, a?.rollout) : undefined);
      // The poll, for a gate that is on (one that is off stays off).
      if (remote && mirror.get()) startRemote(options);
      expose(options);
      report('start');
      return d;
    }));
  }

  // The remote module's first answer (`firstAnswer`): a narrowing that
  // says off, `{ rollout }`, or null. If the module cannot load, none: the
  // gate still reads what this browser remembers.
  async function firstAnswer(options) {
    try {
      return (await loadRemoteModule(remoteWasm)).firstAnswer(options); // (loadOnce read remoteWasm)
    } catch (e) {
      remoteWarn(options, "maestro-gate's remote module could not be loaded: " + describe(e));
    }
  }

  // A later init() starts nothing new; what it asked for that would have
  // turned MAESTRO off is named in one warning (a narrowing of a running
  // gate is the rollout's or the remote's to make, not a second init's).
  function ignored(options) {
    const names = ['rollout', 'remote', 'unleash', 'guard', 'env', 'defaultEnabled'].filter((k) => has(options, k));
    if (names.length && own(options, 'log') !== 'silent' && own(answering, 'log') !== 'silent') {
      try { console.warn('[MAESTRO] init() was called again: its ' + names.join(', ') + ' ignored (the first call\'s options stand until reload)'); } catch {}
    }
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
    started = loaded && narrows(options)
      ? narrowing(options).then((n) => start(options, true, n))
      : Promise.resolve(start(options, loaded));
    return Object.freeze({ ...shared(api), init: () => started.then(() => decision()) });
  };

  return { ...api, init, startNow };
}
