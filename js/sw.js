// maestro-gate's Service Worker guard: `maestro-gate/sw` (pkg/sw.js, an ES
// module for a module worker) and pkg/maestro-gate-sw.js (a classic script
// for importScripts, js/sw-classic.js), each with the guard's wasm inlined
// and compiled synchronously, so that the fetch handler is there while the
// worker's script first runs. Every rule is Rust's (crates/sw over
// src/sw.rs and src/poll.rs): what matches `block`, whether the guard blocks,
// the 503's body, the console line, what a health document says, what is
// kept. This file is glue: the events, the channel, the poll's timer,
// Cache Storage. No page loads it.
import { initSync, Guard } from './maestro_gate_sw.js';

// The bytes are put in after bundling (scripts/embed-wasm.mjs).
const SW_WASM = '@SW_WASM@';
// Where the worker keeps its answer across restarts (a browser stops an idle
// worker; localStorage does not exist in a worker). Cache Storage, not
// IndexedDB: one key, read once at start; the rollback never deletes it.
const CACHE = 'maestro-gate-sw';
const KEPT = '/maestro-gate-sw/answer';

const fromHex = (hex) => {
  if (Uint8Array.fromHex) return Uint8Array.fromHex(hex);
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(2 * i, 2), 16);
  return bytes;
};

function describe(error) {
  try { return String(error && error.message || error); } catch { return 'unknown error'; }
}

let installed = false;

/**
 * Installs the guard in this Service Worker: call it once, while the
 * worker's script first runs (the browser keeps only the handlers added
 * then). See README.md, "The Service Worker guard".
 */
export function maestroGuard(options) {
  const scope = globalThis;
  const own = (key) => {
    try { return Object.prototype.hasOwnProperty.call(options, key) ? options[key] : undefined; } catch {}
  };
  const silent = own('log') === 'silent';
  const warn = (line) => {
    if (!silent) try { console.warn(line.startsWith('[MAESTRO]') ? line : '[MAESTRO] ' + line); } catch {}
  };
  if (installed) {
    warn('maestroGuard() was called again: the first call\'s guard stands');
    return;
  }
  installed = true;

  let guard;
  try {
    initSync({ module: fromHex(SW_WASM) });
    guard = new Guard(own('block'), scope.location.origin, own('startBlocked') === true, own('pollMs'));
  } catch (e) {
    warn('Service Worker guard unavailable: its wasm could not be loaded: ' + describe(e) + '; nothing is blocked');
    return;
  }
  for (const line of guard.warnings()) warn(line);
  const patterns = [];
  for (const p of guard.patterns()) {
    try { patterns.push(new URLPattern(p, scope.location.origin)); } catch (e) { warn(guard.unmatchable(p, describe(e))); }
  }
  const matches = (url) => guard.matches(url) || patterns.some((p) => p.test(url));

  // Whether the last answer was on, in JavaScript too: it is what an
  // exception inside the guard is answered by, even one from the wasm.
  let lastOn = false;
  // (On, or nothing heard without startBlocked: the guard lets requests through.)
  const note = () => { try { lastOn = guard.passesOnError(); } catch { lastOn = false; } };
  note();

  // The ids of the clients (pages, workers) open when the guard latched off:
  // an on counts only once every one of them has gone (reloaded or closed).
  let stale = [];
  // (Firefox lists the Service Worker itself among them: it never goes.)
  const all = async () => (await scope.clients.matchAll({ includeUncontrolled: true, type: 'all' }))
    .filter((c) => c.type !== 'serviceworker');
  // (The ids are listed after a latch, asynchronously: `reloaded` waits
  // for them, so an on heard at once after an off cannot lift it.)
  let listing = Promise.resolve();
  async function reloaded() {
    await listing;
    if (!stale.length) return true;
    const open = new Set((await all()).map((c) => c.id));
    stale = stale.filter((id) => open.has(id));
    return !stale.length;
  }
  // The same, and no change was heard meanwhile (an off heard during the
  // wait has pages of its own that must go).
  async function gone() {
    const at = listing;
    return (await reloaded()) && at === listing;
  }

  let keeping = Promise.resolve();
  const keep = () => {
    const kept = JSON.stringify({ answer: guard.snapshot(), stale });
    keeping = keeping.then(() => scope.caches.open(CACHE)).then((c) => c.put(KEPT, new Response(kept))).catch(() => {});
  };
  // A change (`maestro_gate::sw::Change`): 1 latched off, 2 lifted.
  function changed(code) {
    note();
    if (code === 1) {
      listing = listing.then(all).then((open) => { stale = [...new Set(stale.concat(open.map((c) => c.id)))]; }).catch(() => {});
    }
    if (code) listing = listing.then(keep);
    return listing;
  }

  // What this worker kept before the browser stopped it: until it is read,
  // a request that matches waits for it.
  let ready = false;
  const restored = (async () => {
    try {
      const kept = await (await scope.caches.open(CACHE)).match(KEPT);
      if (kept) {
        const { answer, stale: ids } = await kept.json();
        guard.restore(String(answer));
        if (Array.isArray(ids)) stale = stale.concat(ids.filter((id) => typeof id === 'string'));
      }
    } catch {}
    note();
    ready = true;
  })();

  // Every page's gate tells its decision on the channel, a bare true or
  // false (src/protocol.rs); the worker tells the pages what it blocked.
  // The same decision comes as a message to the worker from each page it
  // controls, which starts a worker the browser stopped (the channel does
  // not): heard either way, twice changes nothing.
  const heard = (enabled) => (enabled === true || enabled === false)
    && restored.then(async () => changed(guard.page(enabled, enabled && await gone()))).catch(() => {});
  let channel;
  try {
    channel = new BroadcastChannel('maestro-gate');
    channel.onmessage = (event) => { heard(event.data); };
  } catch (e) {
    warn('Service Worker guard: no BroadcastChannel, the pages\' decisions are not heard: ' + describe(e));
  }
  scope.addEventListener('message', (event) => {
    try {
      const done = heard(event.data);
      if (done) event.waitUntil(done);
    } catch {}
  });

  const answer = (body) => new Response(body, {
    status: 503, statusText: 'Service Unavailable',
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  });
  function blocked(url, reason) {
    const line = guard.line(url, reason);
    if (line) {
      warn(line);
      try { channel.postMessage({ maestroGate: 'blocked', url, line }); } catch {}
    }
    return answer(guard.body(reason));
  }
  // An exception inside the guard: the network only when the last answer was on.
  function failure(request, error) {
    if (lastOn) return fetch(request);
    let body;
    try { body = guard.body(guard.failed(describe(error))); } catch {
      body = '{"maestro_enabled":false,"reason":"Disabled (fail safe): the Service Worker guard failed"}';
    }
    return answer(body);
  }

  scope.addEventListener('fetch', (event) => {
    const request = event.request;
    try {
      const url = request.url;
      if (!matches(url)) return; // never touched: the browser handles it as if the guard were absent
      if (ready && !guard.waitsForReloads()) {
        const reason = guard.blocking();
        if (reason != null) event.respondWith(blocked(url, reason));
        return;
      }
      // The kept answer is not read yet, or a page said on since the off and
      // the pages open then may have gone since: the request waits for it.
      event.respondWith(restored.then(async () => {
        if (guard.waitsForReloads() && await gone()) await changed(guard.gone());
        const reason = guard.blocking();
        return reason != null ? blocked(url, reason) : fetch(request);
      }).catch((e) => failure(request, e)));
    } catch (e) {
      try { event.respondWith(failure(request, e)); } catch {}
    }
  });

  // The guard's terms for the worker's own update: a new worker takes over
  // at once (skipWaiting), once it has read what the one before it kept, so
  // no window is left with an older worker or none; and it claims the pages
  // open before it (clients.claim), so the first load is guarded too. An app
  // whose worker asks the user before updating passes `skipWaiting: false`
  // (and `claim: false` to leave claiming to its own code).
  if (own('skipWaiting') !== false) {
    scope.addEventListener('install', (event) => {
      try { event.waitUntil(restored.then(() => scope.skipWaiting())); } catch {}
    });
  }
  if (own('claim') !== false) {
    scope.addEventListener('activate', (event) => {
      try { event.waitUntil(scope.clients.claim()); } catch {}
    });
  }

  // `remote`: the worker polls the health document itself, every `pollMs`
  // while it runs (the pages' rules: poll::interval, fetch_timeout, backoff).
  // A browser stops an idle worker; the next request starts it, and it polls
  // again at once.
  const remote = own('remote');
  if (typeof remote === 'string' && remote !== '') {
    (async () => {
      let delay = guard.interval();
      let warned = false;
      for (;;) {
        await restored;
        let result;
        const aborter = new AbortController();
        const timer = setTimeout(() => aborter.abort(), guard.timeout());
        try {
          const response = await fetch(remote, { cache: 'no-store', credentials: 'same-origin', signal: aborter.signal });
          result = guard.document(remote, response.status, await response.text());
        } catch (e) {
          result = describe(e);
        }
        clearTimeout(timer);
        if (typeof result === 'string') {
          if (!warned) warn('Service Worker guard: remote ' + remote + ' failed: ' + result + '; keeping the current answer');
          warned = true;
          delay = guard.backoff(delay);
        } else {
          warned = false;
          delay = guard.interval();
          await changed(result);
        }
        await new Promise((ok) => setTimeout(ok, delay));
      }
    })().catch(() => {});
  } else if ((remote ?? false) !== false) {
    // (Undefined, null or false is none, as init() reads its `remote`.)
    warn('Service Worker guard: remote is ' + (remote === '' ? 'an empty URL' : 'not a URL string (for a URL object, pass its href)') + ': no poll');
  }
}
