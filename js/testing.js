// maestro-gate/testing: the gate for an app's own tests, in Node (Vitest in
// its node or jsdom environment, Jest, node:test). See README.md, "Testing
// your app". The exports map gives this file to the "node" condition only:
// a browser bundle cannot import it, and the browser entry has none of it.
//
// startGate(state) stops the gate the tests were using and starts a fresh
// one: a fresh instance of gate.node.js (the package's own gate for Node,
// evaluated again by fresh.node.js, so with its own wasm instance and its
// own createGate), which decides from `state` through the Rust core exactly as
// init() does. `import ... from 'maestro-gate'` (index.node.js) then answers
// with it. Nothing here decides: `{ enabled }` is init()'s `defaultEnabled`.
//
// A gate keeps three things alive after init(): its BroadcastChannel, its
// watch (a setInterval, while it is on) and its MAESTRO_ENABLED accessor.
// The gate has no way to close them, so startGate records the channel and
// the interval the fresh gate opens during its init(), and closes them when
// it starts the next one.
import { current, first, use } from './current.node.js';
import { freshGate } from './fresh.node.js';

// The gate's channel (src/protocol.rs's CHANNEL) and the list every copy of
// the gate on a page joins (js/gate.js's `shared`).
const CHANNEL = 'maestro-gate';
const COPIES = Symbol.for('maestro-gate.copies');

// The gate startGate made last, { gate, channels, timers }, kept on the
// global object so that a test runner's module reset (vi.resetModules(),
// jest.resetModules()), which loads this file again, still stops it.
const RUNNING = Symbol.for('maestro-gate.testing');

let fresh = 0; // how many gates this module has made

/**
 * Stops the gate the tests were using and starts a fresh one, which decides
 * from `state` through the Rust core as `init(state)` would; `maestro-gate`'s
 * exports answer with it from then on. `{ enabled }` is `init()`'s
 * `defaultEnabled`; the other fields are `init()`'s options (`env`, `log`,
 * `prefix`, ...). Resolves to the decision.
 */
export async function startGate(state) {
  const options = optionsOf(state);
  stop();
  const gate = await freshGate(++fresh);
  const made = await tracking(() => gate.init(options));
  globalThis[RUNNING] = { gate, channels: made.channels, timers: made.timers };
  use(gate);
  return made.decision;
}

// init()'s options for `state`. Mistakes in a test throw here, at once.
function optionsOf(state) {
  if (state === undefined || state === null) return {};
  if (typeof state !== 'object') throw new TypeError('startGate(state): state is an object, such as { enabled: false }');
  const { enabled, ...options } = state;
  if (enabled !== undefined) {
    if (typeof enabled !== 'boolean') throw new TypeError(`startGate: enabled is true or false, not ${String(enabled)}`);
    if (options.defaultEnabled !== undefined) throw new TypeError('startGate: give enabled or defaultEnabled, not both');
    options.defaultEnabled = enabled;
  }
  for (const key of ['remote', 'unleash']) {
    if (options[key] != null && options[key] !== false) {
      throw new TypeError(`startGate: ${key} is not supported (the poll would outlive the next startGate); `
        + 'a live kill is globalThis.MAESTRO_ENABLED = false');
    }
  }
  return options;
}

// Stops the gate startGate made last: closes its channel, clears its watch,
// takes it off the page's list of copies and off globalThis.maestroGate. Then
// removes globalThis.MAESTRO_ENABLED (its accessor, or a value a test left),
// so that the next gate decides from its own state.
function stop() {
  if (current() === first && first.decision().source !== 'unavailable') {
    throw new Error("maestro-gate/testing: init() already ran on the package's own gate, which cannot be stopped; "
      + 'call startGate() before app code calls init() (in beforeEach, or a setupFiles module, importing the app after it)');
  }
  const running = globalThis[RUNNING];
  if (running) {
    for (const channel of running.channels) try { channel.close(); } catch {}
    for (const [id, clear] of running.timers) try { clear(id); } catch {}
    try {
      const copies = globalThis[COPIES];
      if (Array.isArray(copies)) for (let i = copies.length; i--;) if (copies[i].clearClientState === running.gate.clearClientState) copies.splice(i, 1);
      if (globalThis.maestroGate?.clearClientState === running.gate.clearClientState) delete globalThis.maestroGate;
    } catch {}
    delete globalThis[RUNNING];
  }
  try {
    if (Object.getOwnPropertyDescriptor(globalThis, 'MAESTRO_ENABLED')?.configurable) delete globalThis.MAESTRO_ENABLED;
  } catch {}
}

// Runs `run` (a fresh gate's init()) while recording the BroadcastChannels
// named "maestro-gate" and the intervals opened meanwhile.
async function tracking(run) {
  const channels = [], timers = [];
  const Channel = globalThis.BroadcastChannel, every = globalThis.setInterval;
  const Tracked = typeof Channel === 'function' && class extends Channel {
    constructor(name, ...rest) {
      super(name, ...rest);
      if (name === CHANNEL) channels.push(this);
    }
  };
  function tracked(...args) {
    const id = every.apply(this, args);
    timers.push([id, globalThis.clearInterval]);
    return id;
  }
  if (Tracked) globalThis.BroadcastChannel = Tracked;
  if (typeof every === 'function') globalThis.setInterval = tracked;
  try {
    return { decision: await run(), channels, timers };
  } finally {
    if (Tracked && globalThis.BroadcastChannel === Tracked) globalThis.BroadcastChannel = Channel;
    if (globalThis.setInterval === tracked) globalThis.setInterval = every;
  }
}

// A Storage, in memory: `length`, `key`, `getItem`, `setItem`, `removeItem`
// and `clear`, with keys in insertion order (a real Storage's order is the
// browser's).
class FakeStorage {
  #items = new Map();

  constructor(entries) {
    for (const [key, value] of Object.entries(entries ?? {})) this.#items.set(key, String(value));
  }

  get length() {
    return this.#items.size;
  }

  key(index) {
    const i = Number(index) >>> 0;
    return i < this.#items.size ? [...this.#items.keys()][i] : null;
  }

  getItem(key) {
    return this.#items.get(String(key)) ?? null;
  }

  setItem(key, value) {
    this.#items.set(String(key), String(value));
  }

  removeItem(key) {
    this.#items.delete(String(key));
  }

  clear() {
    this.#items.clear();
  }

  get [Symbol.toStringTag]() {
    return 'Storage';
  }
}

/** A Storage in memory, holding `entries` (`{ 'maestro:token': '1', 'app:theme': 'dark' }`). */
export function fakeStorage(entries) {
  return new FakeStorage(entries);
}

const AREAS = ['localStorage', 'sessionStorage'];

/**
 * Makes `areas.localStorage` and `areas.sessionStorage` (each a Storage, or
 * `null` for an area that is not there) `globalThis.localStorage` and
 * `globalThis.sessionStorage`; an area not given is left as it is. Returns a
 * function that puts back what was there.
 */
export function installStorage(areas) {
  const saved = [];
  for (const name of AREAS) {
    if (!areas || !Object.prototype.hasOwnProperty.call(areas, name)) continue;
    const area = areas[name];
    if (area !== null && (typeof area?.key !== 'function' || typeof area.removeItem !== 'function')) {
      throw new TypeError(`installStorage: ${name} is a Storage (see fakeStorage()) or null`);
    }
    saved.push([name, Object.getOwnPropertyDescriptor(globalThis, name)]);
    Object.defineProperty(globalThis, name, { value: area, configurable: true, enumerable: true, writable: true });
  }
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    for (const [name, was] of saved.reverse()) {
      if (was) Object.defineProperty(globalThis, name, was);
      else delete globalThis[name];
    }
  };
}
