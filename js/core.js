// maestro-gate's gate module, the JavaScript side of crates/gate/src/abi.rs:
// the eighteen operations the wasm imports, its exports, and the app's subscribers. Every JavaScript
// value the wasm holds is an index into `heap`. No decision is made here.
//
// The numbers and names below are abi.rs's `table`, written into this file by
// its test (the block between `<abi>` and `</abi>`).

let wasm; // the instance's exports
/** @type {(error: unknown) => void} */
let trapped = () => {}; // told when the wasm fails under the dispatcher

// The numbers and letters both sides agree on, generated from abi.rs's
// `table` (plain constants, which a minifier inlines; `UPDATE_ABI=1 cargo test
// -p maestro-gate-wasm` writes them, and the test fails when they differ).
// HANDLE_*: the fixed handles, never freed (0 is never used, so that Rust's
// `Option<JsValue>` is one number). TYPE_*: what the import `type_of`
// answers. IMPORT_* and EXPORT_*: the one-letter names of the imports and exports.
// NARROWING_ROLLOUT_FAIL_SAFE: the one narrowing code the glue makes (js/gate.js, a
// page that narrows whose js/extras.js cannot load), from maestro_gate::rollout::Verdict.
// <abi>
const HANDLE_UNDEFINED = 1, HANDLE_NULL = 2, HANDLE_TRUE = 3, HANDLE_FALSE = 4, HANDLE_GLOBAL = 5, HANDLE_FIRST_FREE = 6;
const TYPE_UNDEFINED = 0, TYPE_NULL = 1, TYPE_TRUE = 2, TYPE_FALSE = 3, TYPE_NUMBER = 4, TYPE_STRING = 5, TYPE_FUNCTION = 6, TYPE_OBJECT = 7, TYPE_OTHER = 8;
const IMPORT_TYPE_OF = 'a', IMPORT_NUMBER = 'b', IMPORT_FROM_NUMBER = 'c', IMPORT_FROM_UTF8 = 'd', IMPORT_REFLECT_GET = 'e', IMPORT_REFLECT_SET = 'f', IMPORT_CALL = 'g', IMPORT_CONSTRUCT = 'h', IMPORT_RELEASE = 'i', IMPORT_DUPLICATE = 'j', IMPORT_CONSOLE = 'k', IMPORT_STRICT_EQUALS = 'l', IMPORT_CODE_AT = 'm', IMPORT_DECISION_RECORD = 'n', IMPORT_HANDLER = 'o', IMPORT_CONCAT = 'p', IMPORT_SHORTEN = 'q', IMPORT_NOTIFY = 'r';
const EXPORT_DECIDE = 'A', EXPORT_DECISION = 'B', EXPORT_IS_ENABLED = 'E', EXPORT_ON_MESSAGE = 'I', EXPORT_DISPATCH = 'M', EXPORT_WOULD_BE_ON = 'N';
export const NARROWING_ROLLOUT_FAIL_SAFE = 4;
// </abi>

// The dispatcher every handler the wasm hands out calls (import `o`; see
// reactor.rs and exports.rs). A trap in the wasm (which the core is written never to hit)
// reaches no event target or setter; `onTrap`'s callback hears of it.
const dispatcher = (tag, event) => {
  try { return call(() => wasm[EXPORT_DISPATCH](tag, keep(event))); } catch (e) { try { trapped(e); } catch {} }
};
/** @type {any[]} Every value the wasm holds, by handle. */
const heap = [0, undefined, null, true, false, globalThis];
// The four values with a fixed handle, in the order of both their handles
// (HANDLE_UNDEFINED, 1, to HANDLE_FALSE, 4) and what `type_of` answers for
// them (TYPE_UNDEFINED, 0, to TYPE_FALSE, 3: abi.rs's test holds both
// orders); `fixedType` answers that type, or -1 for any other value. After
// them `type_of` answers by `typeofs`, from TYPE_NUMBER on.
const fixed = heap.slice(HANDLE_UNDEFINED, HANDLE_FALSE + 1);
const fixedType = (v) => fixed.indexOf(v);
const typeofs = ['number', 'string', 'function', 'object'];
// A call into the gate, `f`, and the value of the handle it answers
// (`undefined` when it answers none). The gate's handles last one call
// (crates/gate/src/abi.rs, `JsValue`): every handle made while a call runs is
// released when the outermost call returns, however it ends; the values the
// gate keeps longer are handles of their own (import `duplicate`: `keep`'s
// `held`), which it releases. A lean module's handles are all held, even
// when it is called inside a call into the gate (see `held`), and last one
// call of its exports: released by js/extras.js (the first answer's, the
// keeping module's) and js/report.js (the beacon's), `instantiate`.
const scope = [];
let depth = 0;
const call = (f) => {
  depth++;
  try {
    return heap[f()];
  } finally {
    if (!--depth) scope.splice(0).forEach(drop);
  }
};

// The app's subscribers: onChange (list 0) and onCleanupRequest (list 1).
// Each list only grows; unsubscribing empties the slot (a second call does
// nothing). `tell` calls the subscribers there when it starts, in order,
// with `this` null; one that throws (or is no function) is skipped, one
// unsubscribed meanwhile is not called. The wasm tells a list through import `r`.
const lists = [[], []];
const subscribe = (list, f) => {
  const a = lists[list], i = a.push(f);
  return () => { a[i - 1] = 0; };
};
const tell = (list, v) => {
  for (let a = lists[list], i = 0, n = a.length; i < n; i++) try { a[i] && a[i].call(null, v); } catch {}
};
const free = [];

// This copy's BroadcastChannel, the one of its page (the wasm opens it, and
// constructs nothing else, import `h`; crates/gate/src/tabs.rs). The modules
// post on it through `post`, which answers whether the message went (no
// channel, or a closed one: it did not). The page's decision is told on it at
// the first decision and at each change: a bare `true` or `false`
// (protocol::DECISION in src/protocol.rs, the smallest message). The gates
// ignore it; the Service Worker guard (maestro-gate/sw) listens. It is told to
// the page's controlling Service Worker too: a message wakes a worker the
// browser stopped, which a channel message does not (no worker: nothing is told).
let channel;
export const post = (message) => {
  try { channel.postMessage(message); return true; } catch { return false; }
};
const say = (d) => {
  post(d.enabled);
  try { navigator.serviceWorker.controller.postMessage(d.enabled); } catch {}
  return d;
};

// A handle to `v`: for the current call into the gate (see `scoped`), or
// `held` until it is released.
function keep(v, held) {
  let i = fixedType(v) + 1; // (HANDLE_UNDEFINED … HANDLE_FALSE: see `fixed`)
  if (i) return i;
  i = free.length ? free.pop() : heap.length;
  heap[i] = v;
  if (depth && !held) scope.push(i);
  return i;
}

function drop(i) {
  if (i >= HANDLE_FIRST_FREE) {
    heap[i] = undefined;
    free.push(i);
  }
}

// A handle to what `f` returns, or the complement of a handle to what it threw
// (made by `k`: `keep`, or a lean module's `held`).
function attempt(f, k) {
  try {
    return k(f());
  } catch (e) {
    return ~k(e);
  }
}

// A handle held until it is released: a lean module's (see `call`), whenever
// it is called, even inside a call into the gate (a message the gate hears on
// the channel reaches js/answer.js), whose handles are released when that
// call returns.
const held = (v) => keep(v, 1);

// The console lines not written yet (each a function that writes one), and
// what writes them, in order, once each (a console that throws is ignored).
const waiting = [];
const lines = () => waiting.splice(0).forEach((w) => { try { w(); } catch {} });

/**
 * Writes the console line `[MAESTRO] text` (`console.warn` if `warn`, else
 * `console.info`): at once, or (`later`: the gate's start-up lines, import
 * `k`) from a task, not from the microtask checkpoint right after the
 * decision, where it ran before the code that reads the first answer (the
 * code after `await init()`; with the script tag, the browser schedules the
 * task, in Firefox after the page's next script): see log() in
 * crates/gate/src/js.rs. The lines keep their
 * order: one written at once writes those still waiting first. A missing or
 * throwing console is ignored; nothing throws.
 */
export const log = (warn, text, later) => {
  try {
    waiting.push((warn ? console.warn : console.info).bind(console, '[MAESTRO] ' + text));
    // (The first line that waits sets the timer. In Node, the package's
    // Node build, there is no page to answer first: a microtask, so that a
    // test runner's test that ends when init() resolves has its line.)
    later ? waiting[1] || (__MAESTRO_NODE__ ? queueMicrotask : setTimeout)(lines) : lines();
  } catch {
    lines(); // (no console: the others; no timer: now)
  }
};

const utf8 = new TextDecoder();

// (Exported: js/gate.js freezes its objects with it too.)
export const { freeze } = Object;
/**
 * A frozen `Decision`: `{ enabled, source, value, reason }` (the wasm's, and
 * the glue's own when it is down). It calls no code of the app's (no setter,
 * no later replacement of `Object.freeze`): the wasm builds it while it
 * holds its decision.
 */
// `decision().rollout`: the rollout module's answer for this browser, handed
// to `decide` with its narrowing (null without a rollout).
let rollout = null;
export const record = (enabled, source, value, reason) => freeze({ enabled: !!enabled, source, value, reason, rollout });

// The imports of an instance of this boundary, whose exports `x()` answers
// once it is made: the gate's (no `x`; its handles last one call, `keep`), or a
// lean module's (its handles are `held`, made by the `k` it is handed:
// js/extras.js's or js/report.js's, which release them when the module's
// call returns).
const importsOf = (x, k = x ? held : keep, text = (ptr, len) => utf8.decode(new Uint8Array((x ? x() : wasm).memory.buffer, ptr, len))) => ({
  m: {
    [IMPORT_TYPE_OF]: (i, v = heap[i], t = fixedType(v)) =>
      t < 0 ? (t = typeofs.indexOf(typeof v)) < 0 ? TYPE_OTHER : TYPE_NUMBER + t : t,
    [IMPORT_NUMBER]: (i) => heap[i],
    [IMPORT_FROM_NUMBER]: k,
    [IMPORT_FROM_UTF8]: (ptr, len) => k(text(ptr, len)),
    // (A property's name is read from the wasm's memory as a text is.)
    [IMPORT_REFLECT_GET]: (o, ptr, len) => attempt(() => Reflect.get(Object(heap[o]), text(ptr, len)), k),
    [IMPORT_REFLECT_SET]: (o, ptr, len, v) => { try { Reflect.set(heap[o], text(ptr, len), heap[v]); } catch {} },
    [IMPORT_CALL]: (f, self, n, a, b, c) => attempt(() => heap[f].apply(heap[self], [heap[a], heap[b], heap[c]].slice(0, n)), k),
    [IMPORT_CONSTRUCT]: (f, a) => attempt(() => channel = new heap[f](heap[a]), k),
    [IMPORT_RELEASE]: drop,
    [IMPORT_DUPLICATE]: (i) => keep(heap[i], 1),
    // The gate's console lines: `later`, its start-up lines (see `log`).
    [IMPORT_CONSOLE]: (warn, text, later) => log(warn, heap[text], later),
    [IMPORT_STRICT_EQUALS]: (a, b) => heap[a] === heap[b],
    [IMPORT_CODE_AT]: (s, i) => heap[s].charCodeAt(i) || 0,
    [IMPORT_CONCAT]: (a, b) => k(heap[a] + heap[b]),
    // A value cut where the rules' one cut says (flag::cut: the first 64
    // characters, never half a surrogate pair), and its length (flag::cut_said's words).
    [IMPORT_SHORTEN]: (s, end, n) => k(heap[s].slice(0, end) + '… (' + n + ' characters)'),
    [IMPORT_HANDLER]: (tag) => k((event) => dispatcher(tag, event)),
    [IMPORT_DECISION_RECORD]: (enabled, source, value, reason) => k(record(enabled, heap[source], heap[value], heap[reason])),
    [IMPORT_NOTIFY]: (list, v) => tell(list, list ? heap[v] : say(heap[v])),
  },
});

/** Instantiates the gate's wasm from bytes or a compiled module, at once. Returns its exports. */
export function initSync(module) {
  return wasm ||= new WebAssembly.Instance(module instanceof WebAssembly.Module ? module : new WebAssembly.Module(module), importsOf()).exports;
}

/**
 * Loads the gate's wasm: from next to this file, or from `input` (a URL, a
 * Request, a Response, bytes or a compiled module). Resolves to its exports.
 */
export default async function init(input) {
  if (wasm) return wasm;
  input = await (input ?? new URL('maestro_gate_bg.wasm', import.meta.url));
  if (typeof input === 'string' || input instanceof URL || (typeof Request === 'function' && input instanceof Request)) {
    input = await fetch(input);
  }
  if (typeof Response === 'function' && input instanceof Response) {
    if (!input.ok) throw new Error(`failed to fetch ${input.url}: ${input.status} ${input.statusText}`);
    // Compiled as it downloads (measured faster to the first decision, above
    // all when the page preloads it: see bench/ttfd-options.mjs). A server
    // that does not say application/wasm, or a browser without
    // compileStreaming, is refused before the body is read: then its bytes.
    // (A .wasm that is served as application/wasm and fails to compile
    // reports the body as already read.)
    try {
      input = await WebAssembly.compileStreaming(input);
    } catch {
      input = await input.arrayBuffer();
    }
  }
  input = await WebAssembly.instantiate(input, importsOf());
  return wasm ||= (input.instance || input).exports;
}

/** Sets the callback for a failure of the wasm under an event or setter. */
export const onTrap = (callback) => { trapped = callback; };

// The exports, as the package calls them (abi.rs's `table::EXPORTS` names each by one letter).
// `n`: the rollout module's narrowing ({ code, reason, rollout }), if any.
// The rollout module's narrowing `n` ({ code, reason, rollout }), or none:
// its `rollout` is kept for `decision().rollout`.
/** @param {{ code?: number, reason?: string, rollout?: object | null } | undefined} n */
const narrowed = (n) => { n = n || {}; rollout = n.rollout || rollout; return n; };
export const decide = (options, n) => say(call(() => wasm[EXPORT_DECIDE](keep(options), keep((n = narrowed(n)).reason), n.code)));
// (`undefined` before the first decision: js/gate.js answers its own then.)
export const decision = () => call(() => wasm[EXPORT_DECISION]());
export const isEnabled = () => !!wasm[EXPORT_IS_ENABLED]();
export const wouldBeOn = (options) => call(() => wasm[EXPORT_WOULD_BE_ON](keep(options)));
export const onChange = (callback) => subscribe(0, callback);
// (Handing over `forward`, and with it the remote hook, opens the channel:
// the glue does it as the gate loads.)
export const onMessage = (forward, remote) => call(() => wasm[EXPORT_ON_MESSAGE](keep(forward), keep(remote)));
export const onCleanupRequest = (callback) => subscribe(1, callback);
export const notifyCleanup = (request) => tell(1, request);
// For the beacon module (crates/gate/src/beacon.rs), which js/extras.js
// instantiates on this boundary: its imports, and a handle to a value.
export { importsOf, held };
