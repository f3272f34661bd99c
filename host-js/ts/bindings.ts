/**
 * The bindings the engine's effects run on, as the smallest interfaces the driver needs.
 * `KVNamespace`, `Ai` and `Vectorize` (or `VectorizeIndex`) from `@cloudflare/workers-types`
 * fit the first three; the coordinator is this package's Durable Object behind
 * `coordinatorFor(env.INDEX_COORDINATOR)` (coordinator/adapter.ts); the text index of hybrid
 * search (the config's `hybrid` alone needs it) is D1 behind `textIndexFor(env.TEXT_INDEX)`
 * (text-index/d1.ts). Any plain object with the same methods fits too (test fakes).
 * `checkBindings` refuses a missing or wrong binding early, by name.
 */
import { BindingError, type BindingName } from "./errors.js";
import type { JsonObject } from "./wire.js";

/** Workers KV: bulk text reads, writes with an optional TTL and metadata, deletes, and
 * listing a prefix page by page (each key with its metadata, so a tenant's record is read
 * without a read per key). */
export interface KvBinding {
  get(keys: string[], type: "text"): Promise<Map<string, string | null>>;
  /** `value` is the UTF-8 of the text to store (KV keeps bytes; a bulk `get` of type
   * `"text"` reads them back as that text). */
  put(key: string, value: string | ArrayBufferView, options?: KVNamespacePutOptions): Promise<void>;
  delete(key: string): Promise<void>;
  list(options: KvListOptions): Promise<KVNamespaceListResult<unknown>>;
}

/** What the driver lists by: one page of at most `limit` keys under `prefix`, after
 * `cursor` (the previous page's) when given. */
export interface KvListOptions {
  prefix: string;
  cursor?: string;
  limit: number;
}

/** Workers AI: `run(model, input)`; the engine builds the input and reads the output. */
export interface AiBinding {
  run(model: string, input: Record<string, unknown>): Promise<unknown>;
}

/** Vectorize: upsert vectors, query by vector with a metadata filter, delete by id. */
export interface VectorizeBinding {
  upsert(vectors: VectorizeVector[]): Promise<unknown>;
  query(vector: Float32Array, options: VectorizeQueryOptions): Promise<VectorizeMatches>;
  deleteByIds(ids: string[]): Promise<unknown>;
}

/** What `acquire` answers, as the engine reads it: the lease is the caller's under
 * `granted` (its token), or another request holds it until `busy` (Unix seconds). */
export type Lease = { granted: number } | { busy: number };

/** What `charge` answers: the grant, and the user's totals after it (wit/engine.wit,
 * `coordinator.charged`). */
export interface Charged {
  ai: number;
  vectors: number;
  aiUsed: number;
  vectorsHeld: number;
}

/** One project's counters, as `usage` answers them. */
export interface ProjectUsage {
  project: string;
  aiToday: number;
  vectors: number;
}

/**
 * The tenants' coordination point (wit/engine.wit, `coordinator`): per tenant (`user`,
 * `project`) one lease and the record state under it, and per user the counters against
 * the quotas. Every call answers at once, granted or refused; none waits for another
 * request. Seconds, tokens, days and counts are whole numbers.
 */
export interface CoordinatorBinding {
  /** Takes the tenant's lease for `seconds` when none is held (or the one held ran out);
   * with the `token` of the lease the caller holds, extends it by `seconds` from now. */
  acquire(user: string, project: string, seconds: number, token?: number): Promise<Lease>;
  /** Gives the lease back; a token that no longer holds it changes nothing. */
  release(user: string, project: string, token: number): Promise<unknown>;
  /** The tenant's record state as last written, or `null`. */
  readState(user: string, project: string): Promise<string | null>;
  /** Replaces the record state (`null` removes it) when `token` holds the lease; whether
   * it did. */
  writeState(user: string, project: string, token: number, state: string | null): Promise<boolean>;
  /** In one atomic step, grants what the limits leave of `ai` AI units of the UTC `day` and
   * `vectors` new vectors (all asked for without a limit; `null`: none), counting every
   * project of the user, and counts the grant to `project`. */
  charge(
    user: string,
    project: string,
    day: number,
    ai: number,
    aiLimit: number | null,
    vectors: number,
    vectorsLimit: number | null,
  ): Promise<Charged>;
  /** Gives back, never below 0, `ai` units of `day` (none when the counters are of another
   * day) and `vectors`. */
  credit(user: string, project: string, day: number, ai: number, vectors: number): Promise<unknown>;
  /** The user's counters per project: AI units of `day` (0 for another day), vectors held. */
  usage(user: string, day: number): Promise<ProjectUsage[]>;
}

/** One chunk's entry in the text index (wit/engine.wit, `text-index.text-entry`): kept
 * under its vector's id, with the vector's metadata. */
export interface TextEntry {
  /** Its vector's id. */
  id: string;
  user: string;
  project: string;
  /** The chunk's words, separated by spaces. */
  words: string;
  /** Its vector's metadata. */
  metadata: JsonObject;
}

/** One entry a text-index query found: `score` higher is better (only the order counts). */
export interface TextMatch {
  id: string;
  score: number;
  metadata: JsonObject | null;
}

/**
 * The tenants' word index of hybrid search (wit/engine.wit, `text-index`), called only when
 * the config's `hybrid` is on: `textIndexFor(env.TEXT_INDEX)` (D1 with FTS5), or
 * index-sync/testing's `FakeTextIndex`.
 */
export interface TextIndexBinding {
  /** Stores the entries, replacing any of the same id; as many as one upsert's vectors. */
  put(entries: TextEntry[]): Promise<unknown>;
  /** The tenant's entries holding any of `terms` (whole words), best first, at most `topK`;
   * an entry holding none of them is no match. */
  query(user: string, project: string, terms: string[], topK: number): Promise<TextMatch[]>;
  /** Deletes the entries of these ids; a missing id is no error. */
  delete(ids: string[]): Promise<unknown>;
}

/** The bindings together; `textIndex` only with the config's `hybrid`. */
export interface Bindings {
  kv: KvBinding;
  ai: AiBinding;
  vectorize: VectorizeBinding;
  coordinator: CoordinatorBinding;
  textIndex?: TextIndexBinding;
}

/** The methods the engine calls on each binding. */
export const BINDING_METHODS: Readonly<Record<BindingName, readonly string[]>> = {
  kv: ["get", "put", "delete", "list"],
  ai: ["run"],
  vectorize: ["upsert", "query", "deleteByIds"],
  coordinator: ["acquire", "release", "readState", "writeState", "charge", "credit", "usage"],
  textIndex: ["put", "query", "delete"],
};

/** The bindings every config needs; `textIndex` too with `hybrid`. */
const ALWAYS: readonly BindingName[] = ["kv", "ai", "vectorize", "coordinator"];

const exampleOf: Record<BindingName, string> = {
  kv: "a KV namespace (env.INDEX_KV)",
  ai: "the Workers AI binding (env.AI)",
  vectorize: "a Vectorize index (env.VECTORIZE)",
  coordinator:
    "`coordinator: coordinatorFor(env.INDEX_COORDINATOR)`, a Durable Object namespace of the " +
    "IndexCoordinator class this package exports (README: \"One tenant, many clients\")",
  textIndex:
    "`textIndex: textIndexFor(env.TEXT_INDEX)`, a D1 database, which the config's `hybrid` needs " +
    "(README: \"Hybrid search\")",
};

/** What the config asks of the bindings. */
export interface Needs {
  /** The config's `hybrid`: the text index is needed. */
  hybrid: boolean;
}

/** Throws a `BindingError` naming the first binding that is absent (of those `needs` asks
 * for) or lacks a method (of those given). */
export function checkBindings(given: Partial<Record<BindingName, unknown>>, needs: Needs): Bindings {
  for (const name of Object.keys(BINDING_METHODS) as BindingName[]) {
    const binding = given[name];
    const needed = ALWAYS.includes(name) || (name === "textIndex" && needs.hybrid);
    if ((binding === undefined || binding === null) && !needed) continue;
    if (binding === undefined || binding === null) {
      throw new BindingError("missing_binding", name, `index-sync: no ${name} binding; pass ${exampleOf[name]}`);
    }
    const missing = BINDING_METHODS[name].filter((method) => !hasMethod(binding, method));
    if (missing.length > 0) {
      throw new BindingError(
        "invalid_binding",
        name,
        `index-sync: the ${name} binding has no ${missing.join(" or ")} method; pass ${exampleOf[name]}`,
      );
    }
  }
  return given as Bindings;
}

function hasMethod(binding: unknown, method: string): boolean {
  if (typeof binding !== "object" && typeof binding !== "function") return false;
  // Bindings may be proxies (RPC stubs): read the property rather than test `in`.
  return typeof (binding as Record<string, unknown>)[method] === "function";
}
