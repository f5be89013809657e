// maestro-gate's glue of init({ report }) (pkg/maestro_gate_report.js): the
// decision beacon, sent by the beacon module (crates/gate/src/beacon.rs: the
// gate's crate and boundary, with only the beacon's export). js/gate.js loads
// this file at a page's first beacon, from a task after the decision, and
// for a page that sets `report` only: a file of its own, apart from js/extras.js, so
// that a page that is off downloads the gate and the beacon and nothing
// else (issue 20: off costs least). The document is Rust's
// (report::document); this file draws the session id, loads the module and
// hands it what to send.
//
// `g` is the copy of the gate that loaded it (js/gate.js's `createGate`):
// its `own`, `describe`, `answering()` (the first init()'s options) and its
// boundary (`imports(x)`, `keep(value)`: js/core.js), which the beacon
// module shares, and through which this file writes its warning: js/core.js's
// `log`, after the gate's start-up lines still waiting, as js/extras.js does.

// The beacon module's export, and the letters of the gate's imports that
// write a console line (js/core.js's `log`) and release a handle (see
// `instantiate`), generated
// from crates/gate/src/abi.rs's table (`UPDATE_ABI=1 cargo test -p maestro-gate-wasm`).
// <abi>
const EXPORT_REPORT = 'R';
const IMPORT_CONSOLE = 'k', IMPORT_RELEASE = 'i';
// </abi>

// A lean module's instance from `input` (init({ beaconWasm }): a URL, a
// Request, a Response, bytes or a compiled module; else the .wasm beside
// this file), on the gate's boundary (`g.imports`), as the function that
// calls its export with `args`. Its handles last one call, as the gate's do
// (crates/gate/src/abi.rs, `JsValue`: the module releases none itself): those
// it is handed and those its imports make are released when the call
// returns, however it ends. (js/extras.js has its own copy, for the first
// answer's and the keeping module's: sharing one would put a chunk of its
// own on both pages, or the extras chunk on the off page.)
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
  return (args) => {
    const mark = made.length;
    try {
      x()[EXPORT_REPORT](...args.map(k));
    } finally {
      made.splice(mark).forEach(imports.m[IMPORT_RELEASE]);
    }
  };
}

// This copy's `report(event, d, cleanup)`: the beacon module sends the
// decision beacon `d` (the gate's health document, read when the event
// happened). Whatever fails, nothing changes. Every beacon of this page load
// carries one session id, drawn here once: random (crypto.randomUUID, else
// 124 bits of crypto.getRandomValues as decimal digits), kept in this closure
// only, never derived from the user id. What may be sent as one is Rust's
// (report::is_session).
export default function report(g) {
  const { own, describe } = g;
  let session; // this page load's beacon session id
  let beacon; // the promise of the beacon module's instance (its export's caller)
  let warned; // (once per copy: every beacon waits for the same module)
  return (event, d, cleanup) => {
    const options = g.answering();
    try { session ||= crypto.randomUUID?.() || crypto.getRandomValues(new Uint32Array(4)).map((n) => n | 1 << 31).join(''); } catch {}
    // The module, from init({ beaconWasm }), else beside this file (written
    // out as `new URL(…, import.meta.url)`, so that a bundler emits the
    // .wasm); in Node, where `fetch` refuses a file: URL, read from disk (the
    // package's Node build defines __MAESTRO_NODE__ and bundles this file
    // into pkg/gate.node.js, beside the .wasm files). (js/gate.js imports
    // this file from a task of its own, after the code that awaited init()
    // has run: the app's first decision goes first, and its requests before
    // the beacon's.)
    const url = new URL('maestro_gate_beacon_bg.wasm', import.meta.url);
    (beacon ||= instantiate(g, own(options, 'beaconWasm') ?? (__MAESTRO_NODE__
      ? import(['node:fs', 'promises'].join('/')).then((fs) => fs.readFile(url))
      : url))).then((send) => {
      // (The module never throws; a trap in it is a bug, and changes nothing here.)
      try { send([options, event, d, cleanup, session]); } catch {}
    }, (e) => {
      if (!warned && own(options, 'log') !== 'silent') {
        // (Its handle is held for the page's life: once per copy.)
        g.imports().m[IMPORT_CONSOLE](1, g.keep("Report not sent (the decision stands): maestro-gate's beacon module could not be loaded: " + describe(e)));
      }
      warned = true;
    });
  };
}
