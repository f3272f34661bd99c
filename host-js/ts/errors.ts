/**
 * Errors thrown by `createIndexer`, each with a stable `.code` to match on. Request errors
 * (a bad body, a user mismatch, ...) are never thrown: they are the engine's error responses.
 */

/** Codes of the errors this package throws. */
export type IndexSyncErrorCode = "missing_binding" | "invalid_binding" | "invalid_config";

/** Base class of the errors this package throws. */
export class IndexSyncError extends Error {
  readonly code: IndexSyncErrorCode;

  constructor(code: IndexSyncErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Which binding a `BindingError` is about. */
export type BindingName = "kv" | "ai" | "vectorize" | "coordinator" | "textIndex";

/** A binding is absent, or is not the kind of object it must be (e.g. KV without `put`). */
export class BindingError extends IndexSyncError {
  readonly binding: BindingName;

  constructor(code: "missing_binding" | "invalid_binding", binding: BindingName, message: string) {
    super(code, message);
    this.binding = binding;
  }
}

/** The engine refused the config; the message says which field and why. */
export class ConfigError extends IndexSyncError {
  constructor(message: string, options?: ErrorOptions) {
    super("invalid_config", message, options);
  }
}
