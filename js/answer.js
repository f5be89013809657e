// maestro-gate's glue of the first-answer module (pkg/maestro_gate_answer.js,
// loaded as it is, beside the .wasm files): js/extras.js imports it before
// the first decision, for `init({ remote })` without `unleash` and for
// `init({ unleash })` without `remote`, with the module's instance
// (crates/gate/src/answer.rs: the gate's crate and boundary, built with the
// `answer` feature; for Unleash, with `answer-unleash`:
// crates/gate/src/answer_unleash.rs), so that the remote module (the poll)
// loads after the decision. The module reads,
// remembers and words everything; this file only fetches, reads at most
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
const EXPORT_METRICS = 'M';
// </abi>

/**
 * The first answer of `options.remote` (a narrowing that says off, `{ rollout
 * }`, or null), for the copy of the gate `g` (js/extras.js's), from the
 * module `load()` instantiates. It throws, for js/extras.js to ask the
 * remote module instead, when the module cannot load. (js/extras.js never
 * imports this file for a page it leaves to the remote module: one with
 * both `unleash` and `remote`, whose first answer is the remote module's,
 * and one that says where the remote module's .wasm is and not where this
 * one's is.) It sets `g.state`, the function that
 * answers what the read did, for the remote module's poll (`startRemote`'s
 * last argument). Nothing else throws: a failure is no answer.
 * @param {any} g @param {any} options @param {() => Promise<any>} load
 */
export default async function firstAnswer(g, options, load) {
  const m = await load();
  try {
    return await answer(g, m, options);
  } catch {}
}

/** @param {any} g @param {any} m @param {any} options */
async function answer(g, m, options) {
  // Each export answers in `out.v`.
  const ask = (/** @type {string} */ x, /** @type {any[]} */ ...args) => {
    const out = {};
    m.exports[x](...[out, options, ...args].map(g.keep));
    return out.v;
  };
  g.state = () => ask(EXPORT_STATE);
  // (Unleash's build listens with the function it is handed, for its
  // metrics: `metrics` posts the decision counted, if any is due.)
  const plan = ask(EXPORT_PLAN, (/** @type {any} */ e) => { try { ask(EXPORT_METRICS, e); } catch {} });
  if (!plan) return null;
  const wait = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
  let outcome = null; // (`remoteTimeoutMs: 0`: no wait, the remembered answer)
  if (plan.wait > 0) {
    /** @type {(v: any) => void} */
    let heard = () => {};
    let done = false;
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
      if (doc && doc.message) g.post(doc.message);
      return doc;
    };
    const reading = new Promise((r) => {
      try {
        navigator.locks.request(plan.lock, () => { const p = read(); r(p); return p; }).catch(() => {});
      } catch {
        r(read());
      }
    });
    outcome = await Promise.race([said, reading, wait(plan.wait)]);
  }
  return ask(EXPORT_FINISH, outcome);
}
