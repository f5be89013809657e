// Test harness for tests/web.rs: runs the built package (pkg/index.js) in a
// fresh realm (a same-origin iframe, or a module worker) and reports back.
// It only sets things up and collects results; the assertions are in Rust.

const PKG = new URL('/pkg/index.js', location.href).href;
let nextId = 0;

// The prelude records every console line the package prints.
const PRELUDE = `
  self.__logs = [];
  for (const level of ['debug', 'log', 'info', 'warn', 'error', 'table']) {
    console[level] = (...args) => self.__logs.push({ level, text: args.map(String).join(' ') });
  }`;

function wrap(body) {
  return `
    const report = (msg) => typeof window === 'undefined' ? self.postMessage(msg) : window.parent.postMessage(msg, '*');
    const ORIGIN = ${JSON.stringify(location.origin)};
    let gate;
    try {
      gate = await import(${JSON.stringify(PKG)});
      const result = await (async () => { ${body} })();
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
