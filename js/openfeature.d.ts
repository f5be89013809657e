// maestro-gate/openfeature: MaestroProvider, an OpenFeature web provider
// (@openfeature/web-sdk 1.x, a peer dependency).
import type {
  EvaluationContext, JsonValue, OpenFeatureEventEmitter, Provider, ResolutionDetails, TrackingEventDetails,
} from '@openfeature/web-sdk';
import type { DecisionSource, InitOptions } from './index.js';

/** `init()`'s options, and the one flag's key. */
export interface MaestroProviderOptions extends InitOptions {
  /** The flag the provider answers. Default `"maestro"`. */
  flagKey?: string | undefined;
}

/** `flagMetadata` of the flag's evaluation: the decision's source. */
export interface MaestroFlagMetadata {
  readonly source: DecisionSource;
}

/**
 * An OpenFeature web provider whose one boolean flag is the gate's decision. `initialize()`
 * runs `init()`; a live change emits `PROVIDER_CONFIGURATION_CHANGED` for the flag. Never throws.
 */
export declare class MaestroProvider implements Provider {
  constructor(options?: MaestroProviderOptions);
  /** The flag it answers (`options.flagKey`, default `"maestro"`). */
  readonly flagKey: string;
  readonly metadata: { readonly name: 'maestro-gate' };
  readonly runsOn: 'client';
  readonly events: OpenFeatureEventEmitter;
  /** Runs `init()` with the options. Never rejects: an unavailable gate answers `ERROR`, `GENERAL`. */
  initialize(context?: EvaluationContext): Promise<void>;
  /** Stops emitting changes (the gate itself latches for the page). */
  onClose(): Promise<void>;
  /**
   * `false` whenever MAESTRO is off, whatever the default. Reason `STATIC` (on from the env,
   * the window or the default), `SPLIT` (on by a rollout), `DISABLED` (off), or `ERROR` with
   * `GENERAL` (the gate is unavailable); variant `"on"` or `"off"`; another key answers its
   * default with `FLAG_NOT_FOUND`.
   */
  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context?: EvaluationContext): ResolutionDetails<boolean>;
  /** `TYPE_MISMATCH` for the flag's key, `FLAG_NOT_FOUND` for another. */
  resolveStringEvaluation(flagKey: string, defaultValue: string, context?: EvaluationContext): ResolutionDetails<string>;
  /** `TYPE_MISMATCH` for the flag's key, `FLAG_NOT_FOUND` for another. */
  resolveNumberEvaluation(flagKey: string, defaultValue: number, context?: EvaluationContext): ResolutionDetails<number>;
  /** `TYPE_MISMATCH` for the flag's key, `FLAG_NOT_FOUND` for another. */
  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context?: EvaluationContext): ResolutionDetails<T>;
  /**
   * With `report` set, a beacon `{ event: "track", name, enabled, source, details }`: the name
   * if plain (letters, digits, `_ . : -`, at most 64), the details' finite numbers; never the
   * context. Never throws.
   */
  track(trackingEventName: string, context?: EvaluationContext, details?: TrackingEventDetails): void;
}
