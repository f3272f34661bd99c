/**
 * The wire form the engine's operation speaks (`index_sync_core::wire`): each step is JSON
 * text plus a `Float32Array` (vector numbers) and a string (KV keys and values, the
 * response body), both named in the JSON by span; each batch's outcomes go back with
 * floats and UTF-8 bytes the same way. Bulk data is never printed, escaped or parsed as
 * JSON, and strings cross into wasm as bytes.
 */

import type { TextEntry } from "./bindings.js";

const utf8 = new TextEncoder();

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** `[start, end)` in one of the arrays beside the JSON. */
type Span = [number, number];

/** A vector as the engine builds it. */
export interface EngineVector {
  id: string;
  values: Float32Array;
  metadata: VectorMetadata;
}

/** A vector's metadata as the engine writes it: ids, file path and summary as strings, and
 * `filePaths`, every file holding the chunk's code. */
export type VectorMetadata = Record<string, string | string[]>;

/** A JSON object, as a KV key's metadata is. */
export type JsonObject = { [key: string]: JsonValue };

/** One host call the engine asks for. */
export type Effect =
  | { kind: "kvGet"; keys: string[] }
  | { kind: "kvPut"; key: string; value: Uint8Array; ttlSeconds?: number; metadata?: JsonObject }
  | { kind: "kvDelete"; key: string }
  | { kind: "kvList"; prefix: string; cursor?: string; limit: number }
  | { kind: "aiRun"; model: string; input: Record<string, unknown> }
  | { kind: "vectorizeUpsert"; vectors: EngineVector[] }
  | { kind: "vectorizeQuery"; vector: Float32Array; topK: number; filter: VectorizeVectorMetadataFilter }
  | { kind: "vectorizeDeleteByIds"; ids: string[] }
  | { kind: "textIndexPut"; entries: TextEntry[] }
  | { kind: "textIndexQuery"; user: string; project: string; terms: string[]; topK: number }
  | { kind: "textIndexDelete"; ids: string[] }
  | { kind: "coordinatorAcquire"; user: string; project: string; seconds: number; token?: number }
  | { kind: "coordinatorRelease"; user: string; project: string; token: number }
  | { kind: "coordinatorReadState"; user: string; project: string }
  | { kind: "coordinatorWriteState"; user: string; project: string; token: number; state?: string }
  | {
      kind: "coordinatorCharge";
      user: string;
      project: string;
      day: number;
      ai: number;
      aiLimit?: number;
      vectors: number;
      vectorsLimit?: number;
    }
  | { kind: "coordinatorCredit"; user: string; project: string; day: number; ai: number; vectors: number }
  | { kind: "coordinatorUsage"; user: string; day: number };

/** The coordinator's and the text index's effects: inline in the JSON, in the engine's own
 * form. */
export type InlineEffect = Extract<Effect, { kind: `coordinator${string}` | `textIndex${string}` }>;

/** An effect as the JSON has it: KV keys and values as spans of the step's text, vectors
 * of its floats. A list's prefix, ids and metadata are small and stay inline. */
type WireEffect =
  | Extract<Effect, { kind: "aiRun" | "kvList" | "vectorizeDeleteByIds" }>
  | InlineEffect
  | { kind: "kvGet"; keys: { at: number; lengths: number[] } }
  | { kind: "kvPut"; keyAt: Span; valueAt: Span; ttlSeconds?: number; metadata?: JsonObject }
  | { kind: "kvDelete"; keyAt: Span }
  | { kind: "vectorizeUpsert"; vectors: { id: string; valuesAt: Span; metadata: VectorMetadata }[] }
  | { kind: "vectorizeQuery"; vectorAt: Span; topK: number; filter: VectorizeVectorMetadataFilter };

/** An HTTP-shaped answer. */
export interface IndexResponse {
  status: number;
  /** The JSON body (parsed from `json` on first read). */
  readonly body: JsonValue;
  /** The body as the engine wrote it: send it as is, `new Response(json, { status, headers })`. */
  readonly json: string;
  /** The headers to send with it: `content-type: application/json`, and `retry-after`
   * (seconds) when the refusal says when to resend: a `409 tenant_busy`, while another
   * request of the same user and project holds its lease. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The body's type, always. */
const JSON_CONTENT_TYPE = "application/json";
/** Statuses from which a body is a refusal, `{"error": {code, message, retryAfterSeconds?}}`. */
const FIRST_REFUSAL_STATUS = 400;

/** An answer whose body is parsed only if someone reads it. A refusal's body (small) is
 * read at once, for the `retry-after` it may carry. */
export function indexResponse(status: number, json: string): IndexResponse {
  let body: JsonValue | undefined;
  const headers: Record<string, string> = { "content-type": JSON_CONTENT_TYPE };
  if (status >= FIRST_REFUSAL_STATUS) {
    body = parsedOrUndefined(json);
    const seconds = retryAfterSeconds(body);
    if (seconds !== undefined) headers["retry-after"] = String(seconds);
  }
  return {
    status,
    json,
    headers,
    get body(): JsonValue {
      body ??= JSON.parse(json) as JsonValue;
      return body;
    },
  };
}

/** The body, or `undefined` when it is not JSON (then parsed again, and thrown, on `body`). */
function parsedOrUndefined(json: string): JsonValue | undefined {
  try {
    return JSON.parse(json) as JsonValue;
  } catch {
    return undefined;
  }
}

/** `error.retryAfterSeconds` of a refusal's body, when it is a whole number of seconds. */
function retryAfterSeconds(body: JsonValue | undefined): number | undefined {
  const error = isObject(body) ? body.error : undefined;
  const seconds = isObject(error) ? error.retryAfterSeconds : undefined;
  return typeof seconds === "number" && Number.isSafeInteger(seconds) && seconds >= 0 ? seconds : undefined;
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** What the operation wants next. */
export type Step = { io: Effect[] } | { respond: IndexResponse } | { done: true };

type WireStep = { io: WireEffect[] } | { respond: { status: number; bodyAt: Span } } | { done: true };

/** A host call that failed: `timeout`, `throttled`, `error`, ... */
export interface HostError {
  code: string;
  message: string;
}

/** One key of a KV list page as the engine reads it: its metadata only when it has some. */
export interface ListedKey {
  name: string;
  metadata?: JsonValue;
}

/** A KV list page as the engine reads it: `cursor` only when more pages follow. */
export interface ListedPage {
  keys: ListedKey[];
  cursor?: string;
}

/** The result of one effect: a value, an error, or spans of the batch's arrays (KV values
 * in its text, embedding rows in its floats). */
export type Outcome =
  | { ok: unknown }
  | { error: HostError }
  | { texts: { at: number; lengths: (number | null)[] } }
  | { embeddings: { rows: number; at: Span } };

/** The part of the wasm `Operation` that speaks the wire form. */
export interface WireOperation {
  poll(): string;
  takeFloats(): Float32Array;
  takeText(): string;
  takeBytes(): Uint8Array;
  handle(outcomesJson: string, floats: Float32Array, text: Uint8Array): void;
}

/** A request body as the engine takes it: UTF-8 bytes (encoded natively, not char by
 * char as wasm-bindgen passes strings). */
export function bodyBytes(body: string | Uint8Array | ArrayBuffer): Uint8Array {
  if (typeof body === "string") return utf8.encode(body);
  return body instanceof ArrayBuffer ? new Uint8Array(body) : body;
}

/** Polls `operation` for its next step: KV keys and the response body sliced from its
 * text, KV values to write as views of its bytes (KV stores bytes: a 4 KB cache entry is
 * never decoded into a string on its way), vectors' values as views of its floats. */
export function pollStep(operation: WireOperation): Step {
  const step = JSON.parse(operation.poll()) as WireStep;
  if ("done" in step) return step;
  let floats: Float32Array | undefined;
  let text: string | undefined;
  const view = ([start, end]: Span): Float32Array => {
    floats ??= operation.takeFloats();
    return floats.subarray(start, end);
  };
  const slice = ([start, end]: Span): string => {
    text ??= operation.takeText();
    return text.slice(start, end);
  };
  let bytes: Uint8Array | undefined;
  const bytesOf = ([start, end]: Span): Uint8Array => {
    bytes ??= operation.takeBytes();
    return bytes.subarray(start, end);
  };
  if ("respond" in step) return { respond: indexResponse(step.respond.status, slice(step.respond.bodyAt)) };
  return {
    io: step.io.map((effect): Effect => {
      switch (effect.kind) {
        case "kvGet": {
          let at = effect.keys.at;
          return { kind: effect.kind, keys: effect.keys.lengths.map((length) => slice([at, (at += length)])) };
        }
        case "kvPut": {
          const { keyAt, valueAt, ttlSeconds, metadata } = effect;
          const put: Extract<Effect, { kind: "kvPut" }> = { kind: effect.kind, key: slice(keyAt), value: bytesOf(valueAt) };
          if (ttlSeconds !== undefined) put.ttlSeconds = ttlSeconds;
          if (metadata !== undefined) put.metadata = metadata;
          return put;
        }
        case "kvDelete":
          return { kind: effect.kind, key: slice(effect.keyAt) };
        case "vectorizeUpsert":
          return {
            kind: effect.kind,
            vectors: effect.vectors.map(({ id, valuesAt, metadata }) => ({ id, values: view(valuesAt), metadata })),
          };
        case "vectorizeQuery":
          return { kind: effect.kind, vector: view(effect.vectorAt), topK: effect.topK, filter: effect.filter };
        default:
          return effect;
      }
    }),
  };
}

/**
 * Collects the bulk data of a batch's outcomes into the two arrays `handle` takes: KV
 * values as UTF-8 in one byte array, embedding rows in one `Float32Array`. An AI output
 * `{data: number[][]}` whose rows are equal-length arrays of numbers becomes a span of the
 * floats; any other output goes back as JSON, for the engine to judge.
 */
export class BatchArrays {
  private readonly rows: number[][] = [];
  private floatCount = 0;
  /** Each KV read's values and its outcome's `texts`, filled in by `text()`. */
  private readonly reads: { values: (string | null)[]; texts: { at: number; lengths: (number | null)[] } }[] = [];

  /** The outcome of a KV read: its values as lengths in the text, filled in by `text()`. */
  kvValues(values: (string | null)[]): Outcome {
    const texts = { at: 0, lengths: [] as (number | null)[] };
    this.reads.push({ values, texts });
    return { texts };
  }

  /** The outcome of an AI call. */
  aiOutput(output: unknown): Outcome {
    const data = (output as { data?: unknown } | null)?.data;
    if (!Array.isArray(data) || !data.every(isNumberRow) || !sameLengths(data)) {
      return { ok: output };
    }
    const start = this.floatCount;
    for (const row of data) {
      this.rows.push(row);
      this.floatCount += row.length;
    }
    return { embeddings: { rows: data.length, at: [start, this.floatCount] } };
  }

  /** Every row collected, end to end. */
  floats(): Float32Array {
    const floats = new Float32Array(this.floatCount);
    let at = 0;
    for (const row of this.rows) {
      floats.set(row, at);
      at += row.length;
    }
    return floats;
  }

  /** Every KV value read, as UTF-8 one after another; fills in the outcomes' `texts`. Call
   * once, before the outcomes are written as JSON. */
  text(): Uint8Array {
    // One encoding of all the values joined; when it has one byte per UTF-16 unit (all
    // ASCII, as markers and cache entries are), a value's length is its length in bytes.
    const joined = this.reads.map(({ values }) => values.join("")).join("");
    const bytes = utf8.encode(joined);
    const ascii = bytes.length === joined.length;
    const wide = ascii ? bytes : new Uint8Array(3 * joined.length);
    let at = 0;
    for (const { values, texts } of this.reads) {
      texts.at = at;
      texts.lengths = values.map((value) => {
        if (value === null) return null;
        const length = ascii ? value.length : utf8.encodeInto(value, wide.subarray(at)).written;
        at += length;
        return length;
      });
    }
    return wide.subarray(0, at);
  }
}

function isNumberRow(row: unknown): row is number[] {
  if (!Array.isArray(row)) return false;
  // A plain loop: this runs over every number of every embedding.
  for (let i = 0; i < row.length; i++) {
    if (typeof row[i] !== "number") return false;
  }
  return true;
}

/** At least one row, all of one non-zero length. */
function sameLengths(rows: number[][]): boolean {
  const length = rows[0]?.length ?? 0;
  return length > 0 && rows.every((row) => row.length === length);
}
