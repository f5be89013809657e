// maestro-gate/openfeature: MaestroProvider, an OpenFeature web provider over
// the package's public API (pkg/openfeature.js). See README.md.
// It answers one boolean flag (`flagKey`, "maestro") with the gate's
// decision, and tells the SDK of every live change. It is glue: the decision
// is the gate's, made by the same wasm as `isEnabled()`. Nothing here is on
// the decision path: an app that does not import this file downloads nothing
// more. Never throws into the app: whatever fails answers "disabled".
import { OpenFeatureEventEmitter, ProviderEvents } from '@openfeature/web-sdk';
import { init, decision, onChange, health } from './index.js';

// The init() options the provider does not pass on.
const OWN = ['flagKey'];

// OpenFeature's standard reasons and error codes (strings in the spec; the
// SDK's enums hold the same values).
const STATIC = 'STATIC', SPLIT = 'SPLIT', DISABLED = 'DISABLED', ERROR = 'ERROR';

// A name the beacon may carry: letters, digits and `_ . : -`, at most 64.
const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
const BEACON_CAP = 1024;

function own(object, key) {
  try { return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined; } catch {}
}

// The gate's decision, or disabled if even that fails (it is written never to).
function current() {
  try { return decision(); } catch (e) {
    return { enabled: false, source: 'unavailable', value: null, reason: 'Disabled (fail safe): ' + e, rollout: null };
  }
}

/** An OpenFeature web provider whose one flag is MAESTRO's kill switch. */
export class MaestroProvider {
  /** `init()`'s options (`env`, `remote`, `report`, `rollout`, ...) plus `flagKey` (default `"maestro"`). */
  constructor(options) {
    const given = options && typeof options === 'object' ? options : {};
    const key = own(given, 'flagKey');
    this.flagKey = typeof key === 'string' && key ? key : 'maestro';
    // init()'s options as own properties, read once (a getter that throws is left out).
    this.options = {};
    try {
      for (const name of Object.keys(given)) {
        if (!OWN.includes(name)) try { this.options[name] = given[name]; } catch {}
      }
    } catch {} // (a revoked Proxy: no options, the gate's defaults)
    this.metadata = Object.freeze({ name: 'maestro-gate' });
    this.runsOn = 'client';
    this.events = new OpenFeatureEventEmitter();
    this.unsubscribe = undefined;
  }

  /** Runs the gate's `init()` with the options, and subscribes to its live changes. Never rejects. */
  async initialize() {
    try {
      await init(this.options);
    } catch {} // (init never rejects)
    if (this.unsubscribe) return;
    try {
      this.unsubscribe = onChange(() => {
        try { this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [this.flagKey] }); } catch {}
      });
    } catch {}
  }

  /** Stops telling the SDK of changes (the gate itself runs on: it latches for the page). */
  async onClose() {
    const off = this.unsubscribe;
    this.unsubscribe = undefined;
    try { if (off) off(); } catch {}
  }

  /** The gate's decision for `flagKey`: `false` whenever MAESTRO is off, whatever the default. */
  resolveBooleanEvaluation(flagKey, defaultValue) {
    if (flagKey !== this.flagKey) return notFound(flagKey, defaultValue);
    const d = current();
    const flagMetadata = Object.freeze({ source: String(d.source) });
    if (d.source === 'unavailable') {
      return { value: false, reason: ERROR, errorCode: 'GENERAL', errorMessage: String(d.reason), variant: 'off', flagMetadata };
    }
    if (!d.enabled) return { value: false, reason: DISABLED, variant: 'off', flagMetadata };
    return { value: true, reason: d.source === 'rollout' ? SPLIT : STATIC, variant: 'on', flagMetadata };
  }

  /** `TYPE_MISMATCH` for `flagKey` (a boolean flag), `FLAG_NOT_FOUND` for any other key. */
  resolveStringEvaluation(flagKey, defaultValue) {
    return notBoolean(this.flagKey, flagKey, defaultValue);
  }

  /** As `resolveStringEvaluation`. */
  resolveNumberEvaluation(flagKey, defaultValue) {
    return notBoolean(this.flagKey, flagKey, defaultValue);
  }

  /** As `resolveStringEvaluation`. */
  resolveObjectEvaluation(flagKey, defaultValue) {
    return notBoolean(this.flagKey, flagKey, defaultValue);
  }

  /**
   * Sends a beacon `{ event: "track", name, ... }` to `init({ report })`'s URL, if one is set:
   * the event's name (a plain name, else nothing is sent), the decision's `enabled` and `source`,
   * and the details' finite numbers under plain names. Never the context (it holds the
   * targeting key). Never throws.
   */
  track(trackingEventName, _context, details) {
    try {
      const url = own(this.options, 'report');
      if (typeof url !== 'string' || !url || !NAME.test(trackingEventName)) return;
      const userId = own(this.options, 'userId');
      const id = typeof userId === 'string' || typeof userId === 'number' ? String(userId) : '';
      const plain = (name) => NAME.test(name) && !(id && name.includes(id));
      if (!plain(trackingEventName)) return;
      const numbers = {};
      if (details && typeof details === 'object') {
        for (const name of Object.keys(details).slice(0, 16)) {
          let v;
          try { v = details[name]; } catch { continue; }
          if (typeof v === 'number' && Number.isFinite(v) && plain(name)) numbers[name] = v;
        }
      }
      const d = current();
      const body = JSON.stringify({
        event: 'track', version: version(), name: trackingEventName, enabled: d.enabled === true,
        source: NAME.test(d.source) ? d.source : 'unknown', details: numbers, at: Date.now(),
      });
      if (body.length > BEACON_CAP) return;
      navigator.sendBeacon(url, body);
    } catch {} // (no sendBeacon, an invalid URL, a refusal: nothing is sent, nothing throws)
  }
}

// The flag asked for as another type: TYPE_MISMATCH (another key: FLAG_NOT_FOUND).
function notBoolean(own, flagKey, defaultValue) {
  if (flagKey !== own) return notFound(flagKey, defaultValue);
  return { value: defaultValue, reason: ERROR, errorCode: 'TYPE_MISMATCH', errorMessage: `${own} is a boolean flag` };
}

function notFound(flagKey, defaultValue) {
  return { value: defaultValue, reason: ERROR, errorCode: 'FLAG_NOT_FOUND', errorMessage: `maestro-gate has no flag ${flagKey}` };
}

function version() {
  try { return health().version; } catch { return 'unknown'; }
}
