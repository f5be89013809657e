// maestro-gate's glue of the first-answer module (bundled into
// pkg/maestro_gate_extras.js, which imports it): js/extras.js uses it before
// the first decision, for `init({ remote })` without `unleash`, for
// `init({ unleash })` without `remote`, and for a page that sets a rollout or
// a guard, with the module's instance (crates/gate/src/answer.rs and
// first_rollout.rs: the gate's crate and boundary, built with the `answer`
// feature, or `answer-slim` without the narrowing, for a page without a rollout or a
// guard, whose `N` and `B` the narrowing build then answers (`narrower`); for Unleash,
// with `answer-unleash`: crates/gate/src/answer_unleash.rs, or `answer-unleash-slim`;
// for a rollout or a guard without a document, first_rollout.rs alone, `narrow`),
// so that the remote module (the poll) and the rollout module (the guard's
// counting, a remote percentage's `lower`) load after the decision. For a
// health document or Unleash, the module reads and words everything (the
// keeping module, loaded by keeper(), remembers); this file only fetches, reads at most
// the bytes the module allows, holds the Web Lock (tabs opened together
// share one read: one reads, the others hear its answer on the gate's
// channel) and the timers, and posts the result for the other tabs.

// The module's exports, generated from crates/gate/src/abi.rs's table
// (`UPDATE_ABI=1 cargo test -p maestro-gate-wasm`).
// <abi>
const EXPORT_PLAN = 'P';
const EXPORT_HEAD = 'T';
const EXPORT_DOCUMENT = 'D';
const EXPORT_HEARD = 'H';
const EXPORT_FINISH = 'F';
const EXPORT_STATE = 'S';
const EXPORT_NARROW = 'N';
const EXPORT_BUCKET = 'B';
const EXPORT_METRICS = 'M';
const EXPORT_KEEP = 'K';
const EXPORT_REMEMBERED = 'R';
// </abi>

/*
 * The first answer (`glue`'s `first`, `answer` below) of `options.remote` (a
 * narrowing that says off, `{ rollout }`, or null), for the copy of the gate
 * `g` (js/extras.js's), from the
 * module's instance `m` (js/extras.js's `glue`, which rejects, for it to
 * ask the remote module instead, when the module cannot load). (js/extras.js
 * never asks this for a page it leaves to the remote module: one with both
 * `unleash` and `remote`, whose first answer is the remote module's, and one
 * that says where the remote module's .wasm is and not where this one's is:
 * `remoteWasm` without `answerWasm`, whose host may serve no other.) It sets
 * `g.state`, the function that answers what the read did, for the remote
 * module's poll (`startRemote`'s last argument). Nothing throws: a failure
 * is no answer.
 */

// The exports of the instance `m` for the init() `options` of the copy of
// the gate `g`: each answers in the object it is handed (`out.v`; the
// narrowing's guard in `out.g`).
/** @param {any} g @param {any} m @param {any} options */
const exportsOf = (g, m, options) => (/** @type {string} */ x, /** @type {any[]} */ ...args) => {
  /** @type {any} */
  const out = {};
  m(x, [out, options, ...args]);
  return out;
};

/**
 * The glue of the copy of the gate `g` over the module's instance `m` (one
 * per copy: js/extras.js's `answers`), with js/extras.js's `load(name)` (a
 * wasm-bindgen module), `restrict(n)` (applies a narrowing that says off)
 * and `failSafe(e, what)` (the narrowing of a module that could not load): the
 * first answer (`first`, see above), and the rollout's and the
 * guard's glue. Before the first decision, `narrow`; the
 * rollout module loads after it, and only when something needs it: this
 * copy joins it (`join`) with the guard's settings the module read, from a
 * task after the decision when there is a guard (a guard that cannot load
 * fails safe, then), and otherwise at a `recordError()` (for the guards of
 * the other copies that share it), a `resetGuard()` or a remote document's
 * percentage (`lower`, for the bucket the module hashed). (A `resetGuard()`
 * before init() is js/extras.js's: the rollout module's, without joining.)
 * The first answer's memory is the keeping module's (`keeper()`: an
 * instance of maestro_gate_keep_bg.wasm, crates/gate/src/keep.rs), loaded
 * after the first decision to remember an "on" the read answered, beside
 * it for an off, before it for an "on" that replaces a remembered off, and
 * when no answer came in time and this browser remembers one, to read it.
 * @param {any} g @param {any} m @param {(name: string) => Promise<any>} load
 * (`narrowing`: for a build without the narrowing, js/extras.js's loader of
 * the narrowing build, maestro_gate_narrow_bg.wasm, whose instance then
 * answers `N` and `B`: loaded when something narrows, a document's
 * percentage, first or later; if it cannot load, that narrowing fails safe.)
 * @param {(n: any) => void} restrict @param {(e: any, what?: string) => any} failSafe
 * @param {(ms: number) => Promise<any>} keeper @param {any} narrowing
 */
export function glue(g, m, load, restrict, failSafe, keeper, narrowing) {
  /** @type {any} */
  let joined; // the promise of the rollout module, once this copy joined it (a failure: a later call tries again)
  /** @type {any} */
  let r; // the rollout module, once joined
  /** @type {any} */
  let guard; // the guard's settings (`narrow`)
  let narrowed = false; // whether `narrow` ran: only then does recordError() join
  /** @type {any} */
  let n; // the promise of the instance that narrows: `m`, or the narrowing build's
  // (Loaded once: if it cannot load, each narrowing that needs it fails safe.)
  const narrower = () => n ||= narrowing ? narrowing() : m;
  const join = () => joined ||= load('rollout').then((/** @type {any} */ module) => {
    module.join(g.answering(), restrict, g.post, guard || null);
    return r = module;
  }, (/** @type {any} */ e) => {
    joined = undefined;
    throw e;
  });
  // Calls `f` with the joined module; without it, a narrowing that fails safe.
  const withRollout = async (/** @type {(r: any) => any} */ f) => {
    try {
      return await f(await join());
    } catch (e) {
      return failSafe(e);
    }
  };
  const api = {
    /** The first answer of `options.remote` (see above). Never rejects. @param {any} options */
    // (A read that ended after the first decision was made without it: its
    // answer applied as the first answer's would have been, `late`, to a
    // copy that is on (`answer` asks only then): an off or a failure turns
    // it off, a percentage lowers it.)
    first: (/** @type {any} */ options) => answer(g, m, keeper, failSafe, options, (/** @type {any} */ v) =>
      v && (v.code != null ? restrict(v) : v.rollout != null && api.lower(v.rollout))).catch(() => {}),
    /**
     * The narrowing of the first decision (or null) of a page that sets a
     * rollout or a guard, or whose document's first answer sets a
     * percentage (`remote`).
     * @param {any} options @param {number | undefined} remote
     */
    async narrow(options, remote) {
      try {
        const ask = exportsOf(g, await narrower(), options);
        const v = ask(EXPORT_NARROW, remote);
        narrowed = true;
        if (guard = v.g) g.started().then(() => setTimeout(() => join().catch((e) => restrict(failSafe(e)))));
        return v.v;
      } catch (e) {
        // (A trap, a bug, or a narrowing build that could not load: it fails safe.)
        return failSafe(e);
      }
    },
    /** A remote document's percentage `value`: an off turns this copy off. @param {any} value */
    lower: (value) => withRollout(async (r) => r.lower(value, exportsOf(g, await narrower(), g.answering())(EXPORT_BUCKET).v)).then(restrict),
    /** This copy's guard for health() (null without one, or before this copy joined). */
    guard() {
      try { return r ? r.guardState(restrict) : null; } catch { return null; }
    },
    /** Counts one of MAESTRO's failures (before this copy joined, once it has). Never throws. */
    recordError() {
      try { r ? r.recordError(restrict) : narrowed && join().then((r) => r.recordError(restrict), () => {}); } catch {}
    },
    /**
     * Whether a trip was remembered (and is now forgotten), after this copy's join (which a
     * recordError() made before it waits for: it clears what they counted). Rejects before
     * `narrow` ran (the first answer still awaited: the guard's settings are not read yet),
     * for js/extras.js to ask the rollout module without joining.
     */
    resetGuard: async () => {
      if (!narrowed) throw 0;
      return (await withRollout((r) => r.resetGuard())) === true;
    },
  };
  return api;
}

/**
 * @param {any} g @param {any} m @param {(ms: number) => Promise<any>} keeper @param {(e: any, what?: string) => any} failSafe @param {any} options
 * @param {(v: any) => void} late
 */
async function answer(g, m, keeper, failSafe, options, late) {
  const ask = (/** @type {string} */ x, /** @type {any[]} */ ...args) => exportsOf(g, m, options)(x, ...args).v;
  /** @type {any} */
  let k; // the keeping module's instance, once asked for
  const keep = (/** @type {string} */ x, /** @type {any} */ arg) => (k ||= keeper(plan.timeout)).then((/** @type {any} */ i) => exportsOf(g, i, options)(x, arg).v);
  const finish = (/** @type {any} */ outcome) => exportsOf(g, m, options)(EXPORT_FINISH, outcome);
  /** @type {any} */
  let warned; // (whether the keeping module said that localStorage could not keep the memory)
  /** @type {any} */
  let unsaid; // (the failure of a read that ended after another tab's answer: `ended` below)
  g.state = () => ask(EXPORT_STATE, warned, unsaid);
  // (Unleash's build listens with the function it is handed, for its
  // metrics: `metrics` posts the decisions counted and not yet posted.)
  const plan = ask(EXPORT_PLAN, (/** @type {any} */ e) => { try { ask(EXPORT_METRICS, e); } catch {} });
  if (!plan) return null;
  const wait = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
  let outcome = null; // (`remoteTimeoutMs: 0`: no wait, the remembered answer)
  let early; // (the write the decision waits for: `early` below)
  let keeping; // (the write after the decision: `g.keeping` below)
  if (plan.wait > 0) {
    /** @type {(v: any) => void} */
    let heard; // (set at once: a promise's executor runs in its constructor)
    let done = false;
    let began; // (whether this page's read began: `g.keeping` below)
    const said = new Promise((r) => { heard = r; });
    said.then(() => { done = true; });
    // Another tab's result heard on the channel (until the remote module
    // connects, after the decision), for this page's document.
    g.connect('remote', { connect: () => true, heard: (/** @type {any} */ data) => { const v = ask(EXPORT_HEARD, data); if (v) heard(v); } });
    // This page's read, within the fetch's own timeout: the module's
    // document (or its failure), unless someone answered while this page
    // waited for the lock.
    const read = async () => {
      if (done) return;
      began = true;
      const aborter = new AbortController();
      const got = (async () => {
        const response = await fetch(plan.url, { ...plan.init, signal: aborter.signal });
        const n = ask(EXPORT_HEAD, response.status, response.headers.get('content-length'));
        if (typeof n == 'string') return [2, n];
        let body = '';
        const reader = n && response.body && response.body.getReader();
        for (let c; reader && !(c = await reader.read()).done;) {
          if (body.length + c.value.length > n) {
            reader.cancel().catch(() => {});
            return [1];
          }
          // (A byte at a time: a spread of a large chunk, as Unleash's 256 KB
          // allow, would overflow the stack.)
          for (const b of c.value) body += String.fromCharCode(b);
        }
        return [0, body];
      })().catch((e) => [3, e]);
      const [kind, value] = await Promise.race([got, wait(plan.timeout).then(() => [4])]);
      if (kind == 4) aborter.abort();
      const doc = ask(EXPORT_DOCUMENT, kind, value);
      if (doc && doc.message) {
        // Remembered by the keeping module (which says why, once, if it
        // cannot load): an "on" after the first decision; an off at once,
        // beside it (a page that is off loads no other module to remember
        // it); before the decision and before the tabs hear it (`early`: an
        // "on" that replaces a remembered off the gate would read), which
        // then waits for it, and not the read, which settles with the
        // document.
        // (`g.keeping`, for an "on" after the decision: settles once the keeping
        // module has answered, or could not load. js/extras.js starts the
        // poll, which only a page that is on runs, after it, so that the poll
        // hears of a warning, `state`'s `warned`, and does not say it again.)
        const kept = () => keep(EXPORT_KEEP, doc).then((/** @type {any} */ w) => { warned = w; }, () => {});
        const post = () => g.post(doc.message);
        doc.early ? early = kept().then(post) : (doc.message.enabled ? keeping = g.started().then(kept, kept) : kept(), post());
      }
      return doc;
    };
    // (Under the lock; without it where there is none, or where the
    // browser refuses it before the read began: an opaque origin's.)
    const reading = new Promise((r) => {
      let ran = false;
      const go = () => { ran = true; const p = read(); r(p); return p; };
      try {
        navigator.locks.request(plan.lock, go).catch(() => { if (!ran) go(); });
      } catch {
        go();
      }
    });
    outcome = await Promise.race([said, reading, wait(plan.wait)]);
    // A read that ends after the wait ran out (or after another tab
    // answered) is this page's answer too, after its first decision (the
    // other tabs heard it: `post`): the module words it as a first answer,
    // and `late` applies it (not waited for: a percentage loads the rollout
    // module, given 10 s like every file, `g.within`). The poll starts once that
    // read has ended and `finish` has counted it (within the fetch's timeout
    // of the read's start), and the keeping module has kept an "on" it read
    // (bounded by its own timeout): `g.state` then says what it read and
    // whether that warned (a full localStorage is said once), and, for
    // Unleash, hands the poll its count. A read that has not begun after
    // the fetch's timeout (a tab behind others in the lock's queue) is not
    // made: the poll starts, and reads. A page that is off then (another
    // tab's off came first) neither applies nor counts that read: only a
    // page that is on polls, and would. (The braces: `ended` must not wait
    // for what `late` returns, a percentage's rollout module.) A failure of
    // that read (its text, empty when the wait's end said this failing
    // stretch) is the poll's to say, as it says its own (`unsaid`: nothing
    // was said of it).
    const ended = reading.then((/** @type {any} */ doc) =>
      doc !== outcome && (doc?.says != null ? g.started().then(() => { g.on() && late(finish(doc).v); }) : unsaid = doc)).catch(() => {});
    g.keeping = Promise.race([ended, wait(plan.timeout).then(() => began ? ended : (done = true))]).then(() => keeping);
    await early;
  }
  const f = finish(outcome);
  // No answer (in time): the remembered one, the keeping module's, asked
  // only when this browser remembers something (`key`); if that module
  // cannot load, the remembered answer cannot be read, and the first
  // decision fails safe (a remembered percentage would otherwise be lost).
  return f.key == null ? f.v : keep(EXPORT_REMEMBERED, f.key).catch((/** @type {any} */ e) => failSafe(e, 'keeping'));
}
