/**
 * The JSON the engine's operation speaks (`index_sync_core::wire`): steps out, outcomes in.
 */

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A vector as the engine builds it. */
export interface EngineVector {
  id: string;
  values: number[];
  metadata: Record<string, string>;
}

/** One host call the engine asks for. */
export type Effect =
  | { kind: "kvGet"; keys: string[] }
  | { kind: "kvPut"; key: string; value: string; ttlSeconds?: number }
  | { kind: "aiRun"; model: string; input: Record<string, unknown> }
  | { kind: "vectorizeUpsert"; vectors: EngineVector[] }
  | { kind: "vectorizeQuery"; vector: number[]; topK: number; filter: VectorizeVectorMetadataFilter };

/** An HTTP-shaped answer. */
export interface IndexResponse {
  status: number;
  body: JsonValue;
}

/** What the operation wants next. */
export type Step = { io: Effect[] } | { respond: IndexResponse } | { done: true };

/** A host call that failed: `timeout`, `throttled`, `error`, ... */
export interface HostError {
  code: string;
  message: string;
}

/** The result of one effect. */
export type Outcome = { ok: unknown } | { error: HostError };

/** Reads one step from the engine's JSON. */
export function parseStep(json: string): Step {
  return JSON.parse(json) as Step;
}
