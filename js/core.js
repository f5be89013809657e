// maestro-gate's gate module, the JavaScript side of src/web/lean.rs: the ten
// operations the wasm imports, and its exports. Every JavaScript value the
// wasm holds is an index into `heap`; 0-5 are fixed and never freed. No
// decision is made here.

let wasm; // the instance's exports

// The dispatcher every handler the wasm hands out is bound from (see
// reactor.rs). A trap in the wasm (which the core is written never to hit)
// reaches no event target or setter.
const heap = [undefined, null, true, false, globalThis, (tag, event) => {
  try { return take(wasm.dispatch(tag, keep(event))); } catch {}
}];
const free = [];
const FIXED = 6;

// A handle to `v`.
function keep(v) {
  if (v === undefined) return 0;
  if (v === null) return 1;
  if (v === true) return 2;
  if (v === false) return 3;
  const i = free.length ? free.pop() : heap.length;
  heap[i] = v;
  return i;
}

function drop(i) {
  if (i >= FIXED) {
    heap[i] = undefined;
    free.push(i);
  }
}

// The value of a handle the wasm gave away.
function take(i) {
  const v = heap[i];
  drop(i);
  return v;
}

// A handle to what `f` returns, or the complement of a handle to what it threw.
function attempt(f) {
  try {
    return keep(f());
  } catch (e) {
    return ~keep(e);
  }
}

const utf8 = new TextDecoder();

const imports = {
  m: {
    a: (i) => {
      const v = heap[i];
      if (v === undefined || v === null || v === true || v === false) return keep(v);
      const t = typeof v;
      return t === 'number' ? 4 : t === 'string' ? 5 : t === 'function' ? 6 : t === 'object' ? 7 : 8;
    },
    b: (i) => heap[i],
    c: keep,
    d: (ptr, len) => keep(utf8.decode(new Uint8Array(wasm.memory.buffer, ptr, len))),
    e: (o, key) => attempt(() => Reflect.get(Object(heap[o]), heap[key])),
    f: (o, key, v) => { try { Reflect.set(heap[o], heap[key], heap[v]); } catch {} },
    g: (f, self, n, a, b, c) => attempt(() => heap[f].apply(heap[self], [heap[a], heap[b], heap[c]].slice(0, n))),
    h: (f, a) => attempt(() => new heap[f](heap[a])),
    i: drop,
    j: (i) => keep(heap[i]),
  },
};

function start(instance) {
  wasm = instance.exports;
}

/** Instantiates the gate's wasm from bytes or a compiled module, at once. */
export function initSync(module) {
  if (!wasm) start(new WebAssembly.Instance(module instanceof WebAssembly.Module ? module : new WebAssembly.Module(module), imports));
}

/**
 * Loads the gate's wasm: from next to this file, or from `input` (a URL, a
 * Request, a Response, bytes or a compiled module).
 */
export default async function init(input) {
  if (wasm) return;
  input = await (input ?? new URL('maestro_gate_bg.wasm', import.meta.url));
  if (typeof input === 'string' || input instanceof URL || (typeof Request === 'function' && input instanceof Request)) {
    input = await fetch(input);
  }
  let result;
  if (typeof Response === 'function' && input instanceof Response) {
    if (!input.ok) throw new Error(`failed to fetch ${input.url}: ${input.status} ${input.statusText}`);
    result = typeof WebAssembly.instantiateStreaming === 'function' && input.headers.get('Content-Type') === 'application/wasm'
      ? await WebAssembly.instantiateStreaming(input, imports)
      : await WebAssembly.instantiate(await input.arrayBuffer(), imports);
  } else {
    result = await WebAssembly.instantiate(input, imports);
  }
  if (!wasm) start(result.instance || result);
}

export const decide = (options) => take(wasm.decide(keep(options)));
export const decision = () => take(wasm.decision());
export const health = () => take(wasm.health());
export const healthFor = (options) => take(wasm.healthFor(keep(options)));
export const isEnabled = () => wasm.isEnabled() !== 0;
export const onChange = (callback) => take(wasm.onChange(keep(callback)));
export const onCleanupRequest = (callback) => take(wasm.onCleanupRequest(keep(callback)));
export const onCleanupMessage = (forward) => { wasm.onCleanupMessage(keep(forward)); };
export const onRemote = (hook) => { wasm.onRemote(keep(hook)); };
export const remoteOff = (url) => { wasm.remoteOff(keep(url)); };
export const notifyCleanup = (request) => { wasm.notifyCleanup(keep(request)); };
export const ownCleanup = (id) => { wasm.ownCleanup(id); };
