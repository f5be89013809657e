// maestro-gate's glue for the options that narrow, poll or report (pkg/maestro_gate_extras.js):
// `rollout`, `guard`, `remote`, `unleash` and `report`. js/gate.js loads it only for a
// page that sets one of them (see `extras` there), before the first decision,
// so that a page with none downloads none of this. The script tags bundle it.
// Every decision is still Rust's: this file hands the rollout and the remote
// modules the gate's functions and carries their answers back.
//
// `g` is the copy of the gate that loaded it (js/gate.js's `createGate`):
//   decide(n), isEnabled(), wouldBeOn(options)  the gate's
//                              exports (js/core.js), each through its fail-safe call
//   has, own, describe, narrows  its helpers
//   on()                       whether the gate is on (its mirror)
//   started(), answering()     the first init()'s promise and options
//   loadRemoteModule(wasm), loadRolloutModule(wasm)  the two modules' loaders (each
//                              from init({ remoteWasm, rolloutWasm }): see `wasm`)
//   imports(x), keep(value)    the gate's boundary (js/core.js), which the beacon
//                              module shares
//   connect(kind, module), post(message)  the gate's channel: a module connected
//                              hears the messages of `kind` (the first copy
//                              to connect a shared module wins); `post` tells the tabs

// The beacon module's export, and the narrowing code of a page that narrows
// when the rollout module cannot load (maestro_gate::rollout::Verdict::
// RolloutFailSafe; every other code passes through as the modules hand it),
// generated from crates/gate/src/abi.rs's table (`UPDATE_ABI=1 cargo test -p
// maestro-gate-wasm`).
// <abi>
const EXPORT_REPORT = 'R';
const NARROWING_ROLLOUT_FAIL_SAFE = 4;
// </abi>

// A lean module's instance (the beacon's or the first answer's), from
// `input` (init({ beaconWasm }) or init({ answerWasm }): a URL, a Request, a
// Response, bytes or a compiled module; else the .wasm beside this file), on
// the gate's boundary (`g.imports`).
async function instantiate(g, input) {
  input = await input;
  if (typeof input === 'string' || input instanceof URL || (typeof Request === 'function' && input instanceof Request)) input = await fetch(input);
  if (typeof Response === 'function' && input instanceof Response) {
    if (!input.ok) throw new Error(`failed to fetch ${input.url}: ${input.status} ${input.statusText}`);
    input = await input.arrayBuffer();
  }
  let b;
  const result = await WebAssembly.instantiate(input, g.imports(() => b.exports));
  return b = result.instance || result;
}

export default function extras(g) {
  const { has, own, describe } = g;
  let rollout; // the rollout module, once loaded (wasm-bindgen instantiates it once)
  let remoteWarned; // (once per copy: the first answer and the poll load the same module)
  let session; // this page load's beacon session id (see `report`)
  let first; // the first init()'s options, once begin() has them
  // Where init({ remoteWasm, rolloutWasm, beaconWasm, answerWasm }) says a module's .wasm
  // is (undefined: beside its glue, or in Node from disk).
  const wasm = (name) => own(first || g.answering(), name);
  let beacon; // the promise of the beacon module's instance (see `report`)
  // A lean module's instance (the beacon's, the first answer's), from the
  // option `name`, else `url` (beside this file: each caller writes its
  // `new URL(…, import.meta.url)` out, so that a bundler emits the file); in
  // Node, where `fetch` refuses a file: URL, read from disk (the package's
  // Node build defines __MAESTRO_NODE__).
  const lean = (name, url) => instantiate(g, wasm(name) ?? (__MAESTRO_NODE__
    ? import(['node:fs', 'promises'].join('/')).then((fs) => fs.readFile(url))
    : url));
  let beaconWarned; // (once per copy: every beacon waits for the same module)

  function remoteWarn(options, why) {
    if (!remoteWarned && own(options, 'log') !== 'silent') try { console.warn('[MAESTRO] Remote poll not started: ' + why + '; keeping the current decision'); } catch {}
    remoteWarned = true;
  }

  // (It shares its results, and hears other tabs', on the gate's channel.)
  // Undefined, with the warning, when it cannot load.
  async function remoteModule(options) {
    try {
      return g.connect('remote', await g.loadRemoteModule(wasm('remoteWasm')));
    } catch (e) {
      remoteWarn(options, "maestro-gate's remote module could not be loaded: " + describe(e));
    }
  }

  // Whether the page polls (a health document, Unleash, or both).
  const polls = (options) => has(options, 'remote') || has(options, 'unleash');

  // Calls `f` with the rollout module (loaded once): its narrowing of the
  // gate's "on", `{ code, reason, rollout }`. Without the module, the
  // narrowing fails safe.
  async function withRollout(f) {
    try {
      return f(rollout ||= await g.loadRolloutModule(wasm('rolloutWasm')));
    } catch (e) {
      return { code: NARROWING_ROLLOUT_FAIL_SAFE, reason: "Disabled (fail safe): maestro-gate's rollout module could not be loaded: " + describe(e) };
    }
  }

  // (`decide` again, once decided, applies a narrowing that says off: to a
  // gate that is on, at once, so that a guard's trip is in force, and
  // onChange told, when recordError() returns; otherwise after the first
  // decision, which a trip may come before.)
  const restrict = (n) => { if (n) g.on() ? g.decide(n) : g.started().then(() => g.decide(n)); };

  // Loads the remote poll's module and starts it with the gate's own answers.
  // If it cannot, the decision stands (other tabs' polls still reach the gate).
  async function startRemote(options) {
    const r = await remoteModule(options);
    if (r) try {
      // An off comes as a narrowing (`restrict`). A remote document's
      // "rollout": a lower percentage turns this page off if its bucket is
      // now out; an invalid one fails safe.
      // (What the first-answer module's read did, so that the poll goes on
      // from it: js/answer.js's `g.state`.)
      r.startRemote(options, g.isEnabled, restrict,
        (url, percent, value) => withRollout((m) => m.lower(options, value)).then(restrict),
        g.state?.());
    } catch (e) {
      remoteWarn(options, 'the remote module failed: ' + describe(e));
    }
  }

  // The first answer (before the first decision): a narrowing that says
  // off, `{ rollout }`, or null. A health document's (`remote` without
  // `unleash`) is the first-answer module's, with its glue (js/answer.js,
  // pkg/maestro_gate_answer.js: a file of its own, so that a page without
  // `remote` does not download it); if either cannot load, for a page that
  // says where the remote module's .wasm is and not where this one's is
  // (`remoteWasm` without `answerWasm`: its host may serve no other), and for
  // Unleash, the remote module's `firstAnswer`. If neither can load, none:
  // the gate still reads what this browser remembers.
  async function firstAnswer(options) {
    // (The glue is located as the .wasm files are: so that no bundler
    // makes the entry chunk export its dynamic-import helper for this
    // file's sake, nor inlines it into this one. It throws for a page it
    // leaves to the remote module.)
    try {
      return await (await import(/* @vite-ignore */ /* webpackIgnore: true */ new URL('maestro_gate_answer.js?no-inline', import.meta.url).href))
        .default(g, options, () => lean('answerWasm', new URL('maestro_gate_answer_bg.wasm', import.meta.url)));
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
      first = options;
      const on = g.wouldBeOn(options);
      // (A `remote` that is not a string: the remote module reads nothing.)
      const a = on && polls(options) && await firstAnswer(options);
      // (A guard's trip is told to the other tabs on this copy's channel, `post`.)
      return a && a.code ? a : on && (g.narrows(options) || a) ? withRollout((m) => m.start(options, restrict, a?.rollout, g.post)) : undefined;
    },

    // The gate's remote hook: another tab's rollout (`{ maestroGate:
    // "remote", url, rollout }`) for this copy's document, read as the
    // message's own properties. (init() starts the poll itself, `poll`, for
    // `remote` and `unleash` alike.)
    remote: (o) => own(o, 'url') === own(g.answering(), 'remote') && withRollout((m) => m.lower(g.answering(), own(o, 'rollout'))).then(restrict),

    // The poll, for a gate that is on after its first decision (one that is
    // off stays off), with `remote` or `unleash`.
    poll(options) {
      if (polls(options)) startRemote(options);
    },

    // init({ report }): the beacon module sends the decision beacon `d`
    // (crates/gate/src/beacon.rs: the gate's crate and boundary, with only
    // the beacon's export; loaded at the first beacon, after the decision,
    // by a page that sets `report` only). Whatever fails, nothing changes.
    // Every beacon of this page load carries one session id, drawn here once:
    // random (crypto.randomUUID, else 124 bits of crypto.getRandomValues as
    // decimal digits), kept in this closure only, never derived from the user
    // id. What may be sent as one is Rust's (report::is_session).
    report(event, d, cleanup) {
      const options = g.answering();
      if (typeof own(options, 'report') == 'string') {
        try { session ||= crypto.randomUUID?.() || crypto.getRandomValues(new Uint32Array(4)).map((n) => n | 1 << 31).join(''); } catch {}
        (beacon ||= lean('beaconWasm', new URL('maestro_gate_beacon_bg.wasm', import.meta.url))).then((b) => {
          // (The module never throws; a trap in it is a bug, and changes nothing here.)
          try { b.exports[EXPORT_REPORT](...[options, event, d, cleanup, session].map(g.keep)); } catch {}
        }, (e) => {
          if (!beaconWarned && own(options, 'log') !== 'silent') try { console.warn("[MAESTRO] Report not sent (the decision stands): maestro-gate's beacon module could not be loaded: " + describe(e)); } catch {}
          beaconWarned = true;
        });
      }
    },

    // This copy's guard (null without one, or without the rollout module).
    guard() {
      try { return rollout.guardState(restrict); } catch { return null; }
    },

    /** Counts one of MAESTRO's failures for the guard; `restrict` names this copy. Never throws. */
    recordError() {
      try { rollout.recordError(restrict); } catch {}
    },

    resetGuard: async () => (await withRollout((m) => m.resetGuard())) === true,

    // A later init() starts nothing new; what it asked for that would have
    // turned MAESTRO off is named in one warning (a narrowing of a running
    // gate is the rollout's or the remote's to make, not a second init's).
    ignored(options) {
      const names = ['rollout', 'remote', 'unleash', 'guard', 'env', 'defaultEnabled'].filter((k) => has(options, k));
      if (names.length && own(options, 'log') !== 'silent' && own(g.answering(), 'log') !== 'silent') {
        try { console.warn('[MAESTRO] init() was called again: its ' + names.join(', ') + ' ignored (the first call\'s options stand until reload)'); } catch {}
      }
    },
  };
}
