// Test harness for tests/web.rs: runs the built package (pkg/index.js) in a
// fresh realm (a same-origin iframe, or a module worker) and reports back.
// It only sets things up and collects results; the assertions are in Rust.

const PKG = new URL('/pkg/index.js', location.href).href;
let nextId = 0;

// The prelude records every console line the package prints.
// Every test realm starts with nothing remembered: the frames share the
// test page's origin, and so its storage, where a remote answer
// (maestro-gate:remote) or a guard's trip (maestro-gate:guard) one test left
// would decide the next one's first decision.
const PRELUDE = `
  for (const area of ['localStorage', 'sessionStorage']) {
    try { for (const key of ['maestro-gate:remote', 'maestro-gate:guard']) self[area].removeItem(key); } catch {}
  }
  self.__logs = [];
  for (const level of ['debug', 'log', 'info', 'warn', 'error', 'table']) {
    console[level] = (...args) => self.__logs.push({ level, text: args.map(String).join(' ') });
  }`;

// The start-up console line is written from a task, after the code that
// read the first answer (js/core.js, import `k`): the logs are read one task
// after the body, when every line the gate wrote by then is out.
const written = () => new Promise((r) => setTimeout(r));

function wrap(body) {
  return `
    const report = (msg) => typeof window === 'undefined' ? self.postMessage(msg) : window.parent.postMessage(msg, '*');
    const ORIGIN = ${JSON.stringify(location.origin)};
    let gate;
    try {
      gate = await import(${JSON.stringify(PKG)});
      const result = await (async () => { ${body} })();
      await (${written})();
      report({ id: __ID__, result: JSON.stringify({ result, logs: self.__logs }) });
    } catch (e) {
      report({ id: __ID__, error: 'threw: ' + e + ' | ' + (e && e.stack) });
    }`;
}

function settle(id, target, cleanup) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { cleanup(); reject(new Error('no answer from test realm ' + id)); }, 20000);
    target.addEventListener('message', function on(ev) {
      if (!ev.data || ev.data.id !== id) return;
      target.removeEventListener('message', on);
      clearTimeout(timer);
      cleanup();
      if (ev.data.error) reject(new Error(ev.data.error)); else resolve(JSON.parse(ev.data.result));
    });
  });
}

/**
 * Runs `body` (the body of an async function that may use `gate`, the imported
 * package) in a new same-origin iframe after the classic script `setup`.
 * `head` is extra markup for the iframe's <head> (a CSP meta tag, say); `__ORIGIN__`
 * in it becomes this page's origin.
 * Resolves to `{ result, logs }`.
 */
export function inFrame(setup, body, head) {
  const id = ++nextId;
  const frame = document.createElement('iframe');
  const code = wrap(body).replaceAll('__ID__', String(id));
  frame.srcdoc = `<!doctype html><html><head>${(head || '').replaceAll('__ORIGIN__', location.origin)}
    <script>${PRELUDE}<\/script><script>${setup}<\/script>
    <script type="module">${code}<\/script></head><body></body></html>`;
  const done = settle(id, window, () => frame.remove());
  document.body.appendChild(frame);
  return done;
}

/** The same in a module worker (`self` is the global there). */
export function inWorker(setup, body) {
  const id = ++nextId;
  const code = PRELUDE + ';' + setup + ';' + wrap(body).replaceAll('__ID__', String(id));
  const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  const worker = new Worker(url, { type: 'module' });
  return settle(id, worker, () => { worker.terminate(); URL.revokeObjectURL(url); });
}

/** Defines `globalThis[name]` as a getter that throws. */
export function defineThrowingGlobal(name) {
  Object.defineProperty(globalThis, name, { configurable: true, get() { throw new Error('getter says no'); } });
}

/** Removes `globalThis[name]`. */
export function deleteGlobal(name) {
  delete globalThis[name];
}

/** The value of a JavaScript expression. */
export function value(code) {
  return new Function('return (' + code + ');')();
}

// ---------- IndexedDB and storage fixtures for tests/cleanup.rs ----------

const request = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

/** Creates database `name` with a store holding `count` records, and closes it. */
export async function seedDatabase(name, count) {
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => open.result.createObjectStore('secrets');
  const db = await request(open);
  const tx = db.transaction('secrets', 'readwrite');
  for (let i = 0; i < count; i++) tx.objectStore('secrets').put({ secret: 'value ' + i }, 'k' + i);
  await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => reject(tx.error); });
  db.close();
}

/** Opens a second connection to `name`. With `closeOnVersionChange`, it closes when asked to. */
export async function openConnection(name, closeOnVersionChange) {
  const db = await request(indexedDB.open(name));
  db.onversionchange = () => { if (closeOnVersionChange) db.close(); };
  return db;
}

export function closeConnection(db) { db.close(); }

/** The names of the origin's databases, from the real `indexedDB.databases()`. */
export async function databaseNames() {
  return (await indexedDB.databases()).map((d) => d.name);
}

/** Resolves true once `name` is no longer listed, polling for at most `ms`. */
export async function waitUntilGone(name, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!(await databaseNames()).includes(name)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Hides `indexedDB.databases` (as in browsers without it) until the returned function is called. */
export function hideDatabasesFunction() {
  const proto = Object.getPrototypeOf(indexedDB);
  const original = Object.getOwnPropertyDescriptor(proto, 'databases');
  Object.defineProperty(proto, 'databases', { configurable: true, writable: true, value: undefined });
  return () => Object.defineProperty(proto, 'databases', original);
}

/** Makes `indexedDB.databases()` a promise that never settles (as a browser may hold it behind a
 * pending version change) until the returned function is called. */
export function stallDatabasesFunction() {
  const proto = Object.getPrototypeOf(indexedDB);
  const original = Object.getOwnPropertyDescriptor(proto, 'databases');
  Object.defineProperty(proto, 'databases', { configurable: true, writable: true, value: () => new Promise(() => {}) });
  return () => Object.defineProperty(proto, 'databases', original);
}

/** Fills `storage` ('localStorage' or 'sessionStorage') from [key, value] pairs. */
export function fill(storage, pairs) {
  for (const [k, v] of pairs) self[storage].setItem(k, v);
}

/** Every [key, value] pair in `storage`, sorted by key. */
export function entries(storage) {
  const s = self[storage];
  const out = [];
  for (let i = 0; i < s.length; i++) { const k = s.key(i); out.push([k, s.getItem(k)]); }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export function clearStorage(storage) { self[storage].clear(); }

/**
 * Runs `body` (the body of an async function that may use `gate`) in an iframe
 * sandboxed with `allow-scripts` only: an opaque origin, where touching storage
 * or IndexedDB throws. The package cannot be fetched from there, so its files
 * go in as data: URLs and the two wasm modules it uses (the gate and the
 * rollback) as bytes.
 */
export async function inSandbox(body) {
  const id = ++nextId;
  const text = async (path) => (await fetch(new URL(path, location.href))).text();
  const dataUrl = (js) => 'data:text/javascript;base64,' + btoa(unescape(encodeURIComponent(js)));
  const rollbackGlue = dataUrl(await text('/pkg/maestro_gate_rollback.js'));
  // The entry imports js/extras.js, and that the rollback's glue, by a
  // relative path, which a data: URL cannot resolve: point each import at
  // the data: URL of the file it names.
  const relative = (name) => new RegExp(`(['"])\\./${name}\\.js\\1`);
  const extras = dataUrl((await text('/pkg/maestro_gate_extras.js')).replace(relative('maestro_gate_rollback'), JSON.stringify(rollbackGlue)));
  const entry = (await text('/pkg/index.js')).replace(relative('maestro_gate_extras'), JSON.stringify(extras));
  const entryUrl = dataUrl(entry);
  const bytes = async (path) => (await fetch(new URL(path, location.href))).arrayBuffer();
  const wasm = { gate: await bytes('/pkg/maestro_gate_bg.wasm'), rollback: await bytes('/pkg/maestro_gate_rollback_bg.wasm') };
  const frame = document.createElement('iframe');
  frame.setAttribute('sandbox', 'allow-scripts');
  frame.srcdoc = `<!doctype html><script>${PRELUDE}<\/script><script type="module">
    addEventListener('message', async (ev) => {
      try {
        const gate = await import(${JSON.stringify(entryUrl)});
        await gate.init({ wasm: ev.data.gate, rollbackWasm: ev.data.rollback, log: 'silent' });
        const result = await (async () => { ${body} })();
        await (${written})();
        parent.postMessage({ id: ${id}, result: JSON.stringify({ result, logs: self.__logs }) }, '*');
      } catch (e) {
        parent.postMessage({ id: ${id}, error: 'threw: ' + e + ' | ' + (e && e.stack) }, '*');
      }
    }, { once: true });
    parent.postMessage({ id: ${id}, ready: true }, '*');
  <\/script>`;
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => { frame.remove(); reject(new Error('no answer from the sandbox')); }, 20000);
    window.addEventListener('message', function on(ev) {
      if (!ev.data || ev.data.id !== id) return;
      if (ev.data.ready) { frame.contentWindow.postMessage(wasm, '*'); return; }
      window.removeEventListener('message', on);
      clearTimeout(timer);
      frame.remove();
      if (ev.data.error) reject(new Error(ev.data.error)); else resolve(JSON.parse(ev.data.result));
    });
  });
  document.body.appendChild(frame);
  return done;
}

/**
 * A page that loads a script-tag build (`file` in /pkg/: `maestro-gate.js` or
 * `maestro-gate.full.js`) with a classic <script> tag: `before` runs in a
 * script before the tag, `attrs` go on the tag, and `body` (an async function
 * body that may use `maestroGate`) runs in the very next classic script.
 * Resolves to `{ result, logs }`.
 */
export function scriptTagFrame(file, before, attrs, body) {
  const id = ++nextId;
  const src = new URL('/pkg/' + file, location.href).href;
  const frame = document.createElement('iframe');
  frame.srcdoc = `<!doctype html><html><head>
    <script>${PRELUDE}<\/script><script>${before}<\/script>
    <script src="${src}" ${attrs}><\/script>
    <script>
      (async () => {
        try {
          const result = await (async () => { ${body} })();
          await (${written})();
          parent.postMessage({ id: ${id}, result: JSON.stringify({ result, logs: self.__logs }) }, '*');
        } catch (e) {
          parent.postMessage({ id: ${id}, error: 'threw: ' + e + ' | ' + (e && e.stack) }, '*');
        }
      })();
    <\/script></head><body></body></html>`;
  const done = settle(id, window, () => frame.remove());
  document.body.appendChild(frame);
  return done;
}

/** Resolves after `ms`. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------- the package in this page, for tests/cleanup.rs ----------

let pkg;
/** Calls the package's export `name` (pkg/index.js, imported once into this page) with `options`. */
export async function pkgCall(name, options) {
  pkg ||= import(PKG);
  return (await pkg)[name](options);
}

/** `onCleanupRequest(callback)` of the package in this page: resolves to the unsubscribe function. */
export async function pkgOnCleanupRequest(callback) {
  pkg ||= import(PKG);
  return (await pkg).onCleanupRequest(callback);
}
