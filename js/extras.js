// maestro-gate's glue for the options that narrow or poll (pkg/maestro_gate_extras.js):
// `rollout`, `guard`, `remote` and `unleash`, and for a cleanup. js/gate.js
// loads it only for a page that sets one of those options (see `needs` there)
// and whose sources say on, before the first decision, for a cleanup (this
// tab's, or another tab's request) and for resetGuard(), so that a page that
// does none of these downloads none of this. The
// script tag `maestro-gate.js` loads it from beside itself, as the ES module
// does; `maestro-gate.full.js` and the Node builds bundle it.
// Every decision is still Rust's: this file hands the first-answer, the
// rollout, the remote and the rollback modules the gate's functions and
// carries their answers back.
//
// `g` is the copy of the gate that loaded it (js/gate.js's `createGate`):
//   decide(n), isEnabled(), wouldBeOn(options)  the gate's exports (js/core.js),
//                              each through its fail-safe call
//   notify(request)            tells the gate's onCleanupRequest subscribers (js/core.js)
//   own, describe, narrows, within  its helpers (`within(p, ms)`: p,
//                              or a rejection when it has not settled within ms, 10 s)
//   on()                       whether the gate is on (its mirror)
//   started(), answering()     the first init()'s promise, and its options (from the call on)
//   imports(x), keep(value)    the gate's boundary (js/core.js), which the
//                              first-answer module shares, and through which
//                              this file and the modules it loads write their
//                              console lines (see `warn`, `load`)
//   post(message)              tells the tabs, on the gate's channel (see `connect`)
// (`report`'s beacon is js/report.js's, a chunk of its own.)

// The first-answer module's glue (js/answer.js), bundled into this file: a
// page that loads this file for its options (a rollout, a guard, `remote`
// or `unleash`) needs it before its first decision almost always, and one
// file costs less than two (measured, gzip -9, the recipe page: the glue of
// its own 1,195 B beside this chunk's 1,510 B; see CONTRIBUTING.md).
import { glue as answerGlue } from './answer.js';

// The narrowing code of a page that narrows when a module it needs for that
// cannot load (maestro_gate::rollout::Verdict::RolloutFailSafe; every other
// code passes through as the modules hand it), and the letters of the gate's
// imports that write a console line (see `warn`) and release a handle (see
// `instantiate`),
// generated from crates/gate/src/abi.rs's table (`UPDATE_ABI=1 cargo test -p maestro-gate-wasm`).
// <abi>
const NARROWING_ROLLOUT_FAIL_SAFE = 4;
const IMPORT_CONSOLE = 'k', IMPORT_RELEASE = 'i';
// </abi>

// A lean module's instance (the first answer's, the keeping module's;
// js/report.js has its own copy for the beacon's), from `input` (init({
// answerWasm }): a URL, a Request, a Response, bytes or a compiled module;
// else the .wasm beside this file), on the gate's boundary (`g.imports`), as
// the function that calls its export `name` with `args`. Its handles last one
// call, as the gate's do (crates/gate/src/abi.rs, `JsValue`: the module
// releases none itself): those it is handed and those its imports make are
// released when the call returns, however it ends.
async function instantiate(g, input) {
  input = await input;
  if (typeof input === 'string' || input instanceof URL || (typeof Request === 'function' && input instanceof Request)) input = await fetch(input);
  if (typeof Response === 'function' && input instanceof Response) {
    if (!input.ok) throw new Error(`failed to fetch ${input.url}: ${input.status} ${input.statusText}`);
    input = await input.arrayBuffer();
  }
  let b;
  const made = [], k = (v) => (made.push(v = g.keep(v)), v), x = () => b.exports, imports = g.imports(x, k);
  const result = await WebAssembly.instantiate(input, imports);
  b = result.instance || result;
  return (name, args) => {
    const mark = made.length;
    try {
      x()[name](...args.map(k));
    } finally {
      made.splice(mark).forEach(imports.m[IMPORT_RELEASE]);
    }
  };
}

// Node, where `fetch` refuses a file: URL: a .wasm beside this file, read from
// disk (the package's Node build defines __MAESTRO_NODE__; it bundles this file
// into pkg/gate.node.js, beside the .wasm files).
const fromDisk = (name) => import(['node:fs', 'promises'].join('/')).then((fs) => fs.readFile(new URL(name, import.meta.url)));

// The rollback, the remote and the rollout modules (wasm-bindgen's), imported
// from beside this file when first used: the ES module, the script tag
// `maestro-gate.js` (which loads this file from beside itself) and the Node
// builds. `maestro-gate.full.js` bundles this file, with __MAESTRO_TAG__, and
// hands `extras` its own (`modules`: the rollback inlined, the rollout from
// beside the tag, and `from`, where the tag is: the first-answer module is
// beside it).
const IMPORTS = !__MAESTRO_TAG__ && {
  rollback: () => import('./maestro_gate_rollback.js'),
  remote: () => import('./maestro_gate_remote.js'),
  rollout: () => import('./maestro_gate_rollout.js'),
};

export default function extras(g, modules) {
  const { own, describe } = g;
  let answering; // the promise of the first-answer module's glue for this copy (see `answers`)
  let answers; // that glue (js/answer.js's `glue`), once loaded
  let remoteWarned; // (once per copy: the first answer and the poll load the same module)
  let rollback; // the promise of the rollback module (see `loadRollback`)
  // A lean module's instance (the first answer's, the keeping module's), from
  // `input` (its option), else `url` (beside this file: each caller writes its
  // `new URL(…, import.meta.url)` out, so that a bundler emits the file); in
  // Node, where `fetch` refuses a file: URL, read from disk (the package's
  // Node build defines __MAESTRO_NODE__).
  // (Given 10 s, `g.within`: one whose download never ends could not load.)
  const lean = (input, url) => g.within(instantiate(g, input ?? (__MAESTRO_NODE__
    ? import(['node:fs', 'promises'].join('/')).then((fs) => fs.readFile(url))
    : url)));
  // An option of the first init() (its own property): where init({ remoteWasm,
  // rolloutWasm, rollbackWasm, answerWasm, keepWasm }) says a module's .wasm is
  // (undefined: beside its glue, or in Node from disk), its `remote`, its `log`.
  const option = (name) => own(g.answering(), name);

  // The module `name` ("rollback", "remote" or "rollout"), instantiated from
  // its .wasm (see `wasm`). It writes its console lines as this file writes
  // its warnings (see `warn`), handed the gate's import and `keep` (`setLog`;
  // a module the copies of the gate share keeps the first copy's). Given
  // 10 s, its glue and its .wasm together (`g.within`).
  const load = (name) => g.within((async () => {
    const input = option(name + 'Wasm');
    const m = await (__MAESTRO_TAG__ ? modules[name](input) : IMPORTS[name]());
    if (!__MAESTRO_TAG__) await m.default({ module_or_path: __MAESTRO_NODE__ ? input ?? await fromDisk(`maestro_gate_${name}_bg.wasm`) : input });
    m.setLog?.(g.imports().m[IMPORT_CONSOLE], g.keep);
    return m;
  })());

  // Writes the console warning `[MAESTRO] text` (unless `options` say `log:
  // 'silent'`) through the gate's boundary (`g.imports`: js/core.js's `log`,
  // the import the gate writes its own lines with), at once, after the gate's
  // start-up lines still waiting for their task: every MAESTRO line keeps its
  // order. (`log` never throws. The text's handle is not released: one held
  // string per warning written, as the console keeps each line; releasing it
  // cost 9 bytes gzip of the recipe page.)
  const warn = (options, text) => {
    if (own(options, 'log') !== 'silent') g.imports().m[IMPORT_CONSOLE](1, g.keep(text));
  };

  function remoteWarn(options, why) {
    if (!remoteWarned) warn(options, 'Remote poll not started: ' + why + '; keeping the current decision');
    remoteWarned = true;
  }

  // The modules that talk to other tabs do it on this copy's channel: each is
  // handed `g.post`, and hears what `heard` hands it (`routes`, by the kind it
  // hears), unless another copy of the gate on this page connected it first:
  // a module the copies share (loaded from one URL) talks on that copy's
  // channel, so that it hears each message once, and never its own.
  const routes = {};
  const connect = (kind, m) => {
    try { if (m.connect(g.post)) routes[kind] = m; } catch {}
    return m;
  };
  // (js/answer.js connects its listener for other tabs' results, until the
  // remote module connects after the decision.)
  g.connect = connect;

  // The rollback module, loaded once (a failure: a later call tries again).
  // Its cleanups reach this page's onCleanupRequest subscribers, kept by the
  // gate (`notify`); it asks the other tabs, and hears their answers, on the
  // gate's channel. Rejects with why it could not load (js/gate.js's
  // `rollback` puts that in its "unavailable" report).
  const loadRollback = () => rollback ||= load('rollback').then((r) => {
    r.setNotifier(g.notify);
    return connect('answer', r);
  }).catch((e) => {
    rollback = undefined;
    throw "maestro-gate's rollback module could not be loaded: " + describe(e);
  });

  // (It shares its results, and hears other tabs', on the gate's channel.)
  // Undefined, with the warning, when it cannot load.
  async function remoteModule(options) {
    try {
      return connect('remote', await load('remote'));
    } catch (e) {
      remoteWarn(options, "maestro-gate's remote module could not be loaded: " + describe(e));
    }
  }

  // Whether the page polls (a health document, Unleash, or both).
  // (Undefined, null or false is none, as js/gate.js's `needs` reads it.)
  const polls = (options) => (own(options, 'remote') ?? false) !== false || (own(options, 'unleash') ?? false) !== false;

  // Whether a page that polls reads its first answer with the first-answer
  // module rather than the remote module (see `firstAnswer`). (For one that
  // does not, `glue` loads the narrowing build, or the module `answerWasm`
  // names.)
  const reads = (here = option('answerWasm') != null, u = option('unleash')) =>
    !(u && (here || option('remote'))) && (here || option('remoteWasm') == null);

  // The narrowing of a page that narrows when a module it needs cannot load.
  // (`what`: the module, the rollout's unless named.)
  const failSafe = (e, what = 'rollout') => ({ code: NARROWING_ROLLOUT_FAIL_SAFE, reason: `Disabled (fail safe): maestro-gate's ${what} module could not be loaded: ` + describe(e) });

  // (`decide` again, once decided, applies a narrowing that says off: to a
  // gate that is on, at once, so that a guard's trip is in force, and
  // onChange told, when recordError() returns; otherwise after the first
  // decision, which a trip may come before.)
  const restrict = (n) => { if (n) g.on() ? g.decide(n) : g.started().then(() => g.decide(n)); };

  // The first-answer module (its instance, one for this copy, and its glue:
  // js/answer.js's `glue`, bundled into this file): the first answer of a
  // health document, and the rollout's and the guard's glue, which narrows
  // the first decision and loads the rollout module after it, only when
  // something needs it. Rejects when the module cannot load.
  // (Unleash without `remote`: the module's Unleash build, whose first
  // answer reads the Frontend API; it narrows as the other does. A page that
  // polls neither: its build without a document's reading,
  // maestro_gate_narrow_bg.wasm, which narrows alone. A page that polls and
  // sets neither a rollout nor a guard: the build without the narrowing
  // (`slim`: maestro_gate_answer_slim_bg.wasm, or for Unleash
  // maestro_gate_answer_unleash_slim_bg.wasm), whose glue loads the
  // narrowing build when something narrows after all: a document's
  // percentage, before the first decision or after it. `answerWasm`, when
  // given, names the one module, which does all of that. Only init() asks
  // for it, so that it is chosen with init()'s options: an instance is this
  // copy's for good.)
  // (A page that polls neither, or leaves its first answer to the remote
  // module, `reads` above, asks it only to narrow: the narrowing build.)
  const narrowing = () => new URL('maestro_gate_narrow_bg.wasm', __MAESTRO_TAG__ ? modules.from : import.meta.url);
  let slim;
  const glue = () => answering ||= lean(option('answerWasm'), polls(g.answering()) && reads()
    ? (slim = option('answerWasm') == null && !g.narrows(g.answering()), option('unleash') && !option('remote'))
      ? slim
        ? new URL('maestro_gate_answer_unleash_slim_bg.wasm', __MAESTRO_TAG__ ? modules.from : import.meta.url)
        : new URL('maestro_gate_answer_unleash_bg.wasm', __MAESTRO_TAG__ ? modules.from : import.meta.url)
      : slim
        ? new URL('maestro_gate_answer_slim_bg.wasm', __MAESTRO_TAG__ ? modules.from : import.meta.url)
        : new URL('maestro_gate_answer_bg.wasm', __MAESTRO_TAG__ ? modules.from : import.meta.url)
    : narrowing()).then((m) => {
    // (The keeping module, the first answer's memory, loaded after the
    // decision: where it is, read with the rest of the options.)
    // If it cannot load, or has not within `ms` (the document's fetch
    // timeout: a stalled download must not hold the first decision, an
    // early write or the poll, which waits for it), one warning: the
    // document's answers are not remembered (and a remembered one is not
    // read: that decision fails safe).
    const keep = option('keepWasm');
    return answers = answerGlue(g, m, load, restrict, failSafe,
      (ms) => g.within(lean(keep, new URL('maestro_gate_keep_bg.wasm', __MAESTRO_TAG__ ? modules.from : import.meta.url)), ms).catch((e) => {
        warn(g.answering(), "maestro-gate's keeping module could not be loaded: " + describe(e) + "; the remote document's answers are not remembered");
        throw e;
      }), slim && (() => lean(undefined, narrowing())));
  });

  // A remote document's percentage `value`, after the decision: the rollout
  // module's `lower`; an off turns this copy off.
  // (As the remote module calls it: `remoteRollout(url, percent, value)`.)
  const lower = (url, percent, value) => glue().then((r) => r.lower(value), (e) => restrict(failSafe(e)));

  // Loads the remote poll's module and starts it with the gate's own answers.
  // If it cannot, the decision stands (other tabs' polls still reach the gate).
  // (After the keeping module has kept the first answer, if it is asked to:
  // js/answer.js's `g.keeping`, so that `g.state` says whether it warned.)
  async function startRemote(options) {
    await g.keeping;
    const r = await remoteModule(options);
    // (Not for a page that turned off meanwhile: an off page does not poll.)
    if (r && g.on()) try {
      // An off comes as a narrowing (`restrict`). A remote document's
      // "rollout": a lower percentage turns this page off if its bucket is
      // now out; an invalid one fails safe.
      // (What the first-answer module's read did, so that the poll goes on
      // from it: js/answer.js's `g.state`.)
      r.startRemote(options, g.isEnabled, restrict, lower, g.state?.());
    } catch (e) {
      remoteWarn(options, 'the remote module failed: ' + describe(e));
    }
  }

  // The first answer (before the first decision): a narrowing that says
  // off, `{ rollout }`, or null. A health document's (`remote` without
  // `unleash`) is the first-answer module's (`answer`); Unleash's (`unleash`
  // without `remote`), the same glue's with the module's Unleash build
  // (maestro_gate_answer_unleash_bg.wasm; see `glue` for the builds without the narrowing). If either cannot load, for a page
  // that says where the remote module's .wasm is and not where this one's is
  // (`remoteWasm` without `answerWasm`: its host may serve no other; for
  // Unleash, any `remoteWasm` or `answerWasm`, which names the health
  // document's build), and for a page with both, the remote module's
  // `firstAnswer`. If neither can load, none: the gate still reads what this
  // browser remembers.
  async function firstAnswer(options) {
    // (A page it leaves to the remote module does not fetch the first-answer
    // module for it.)
    if (reads()) try {
      return await glue().then((r) => r.first(options));
    } catch {}
    return (await remoteModule(options))?.firstAnswer(options);
  }

  return {
    // The narrowing of the first decision, asked only of a gate whose
    // sources say on (an off page loads neither module for it: off costs
    // least). With `remote`, the document's first answer (waited for at
    // most `remoteTimeoutMs`): an off in it is the first decision, and its
    // rollout (the first or remembered answer's, a fourth source beside
    // the page's own) narrows it, as the page's rollout and guard do.
    async begin(options) {
      const on = g.wouldBeOn(options);
      // (A `remote` that is not a string: no module reads it; the remote
      // module says so, after the decision.)
      const a = on && polls(options) && await firstAnswer(options);
      // (A guard's trip is told to the other tabs on this copy's channel, `post`.)
      // (Without the first-answer module, the narrowing fails safe.)
      return a && a.code ? a : on && (g.narrows(options) || a) ? glue().then((r) => r.narrow(options, a?.rollout), failSafe) : undefined;
    },

    // The gate's remote hook: another tab's rollout (`{ maestroGate:
    // "remote", url, rollout }`) for this copy's document, read as the
    // message's own properties. (init() starts the poll itself, `poll`, for
    // `remote` and `unleash` alike.)
    remote: (o) => own(o, 'url') === option('remote') && lower(0, 0, own(o, 'rollout')),

    // The poll, for a gate that is on after its first decision (one that is
    // off stays off), with `remote` or `unleash`.
    // (From a task of its own, as the beacon: the remote module's download
    // comes after the code that awaited init() has run.)
    poll(options) {
      if (polls(options)) setTimeout(startRemote, 0, options);
    },

    // This copy's guard (null without one, or until this copy joined the rollout module).
    guard: () => answers?.guard() ?? null,

    /**
     * Counts one of MAESTRO's failures for the guard (js/answer.js's
     * `glue`: before this copy joined the rollout module, once it has).
     * Never throws.
     */
    recordError() {
      answers?.recordError();
    },

    // Whether a trip was remembered (and is now forgotten). Once init() has
    // asked for the first-answer module, through its glue (js/answer.js's
    // `resetGuard`, once its `narrow` ran); else, or when that module could
    // not load, the rollout module's alone, which needs no copy joined, so
    // that a resetGuard() before init() neither chooses the first-answer
    // module nor joins this copy without its guard. (What rejects,
    // js/gate.js answers false; the rollout module's answers a boolean.)
    resetGuard: () => (answering || Promise.reject()).then((a) => a.resetGuard()).catch(() => load('rollout').then((r) => r.resetGuard())),

    // clearClientState and verifyClientState (`name`), once the gate's wasm
    // has loaded. Rejects with why the rollback module could not load or
    // failed: js/gate.js's `rollback` then answers "unavailable".
    async rollback(name, options) {
      const r = await loadRollback();
      // (This copy's hooks: its init() options, whose prefix an unset one
      // is, and its notifier and channel: a module the copies share tells
      // the subscribers of the copy that asked, and asks on its channel.)
      try { return await r[name](options, g); } catch (e) { throw 'the rollback module failed: ' + describe(e); }
    },

    // The gate's router (js/gate.js's `hook`): what the other tabs, and the
    // other copies of the gate on this page, say, by kind. A cleanup request
    // loads the rollback module, which answers it with the first init()'s
    // options; an answer, or a remote result, goes to the module this copy
    // connected (`routes`), if any: none is loaded, so none waits for it, and
    // it is dropped.
    heard(data) {
      const kind = data.maestroGate;
      if (kind == 'cleanup') loadRollback().then((r) => r.answerCleanup(data, g.answering())).catch(() => {});
      else try { routes[kind].heard(data); } catch {}
    },

    // A later init() starts nothing new; what it asked for that would have
    // turned MAESTRO off is named in one warning (a narrowing of a running
    // gate is the rollout's or the remote's to make, not a second init's).
    // (An option given as undefined or null asks for nothing: `init({ remote:
    // config.healthUrl })` without one is not named.)
    ignored(options) {
      const names = ['rollout', 'remote', 'unleash', 'guard', 'env', 'defaultEnabled'].filter((k) => own(options, k) != null);
      if (names.length && option('log') !== 'silent') {
        warn(options, 'init() was called again: its ' + names.join(', ') + ' ignored (the first call\'s options stand until reload)');
      }
    },
  };
}
