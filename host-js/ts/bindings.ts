/**
 * The three Cloudflare bindings the engine's effects run on, as the smallest interfaces the
 * driver needs. `KVNamespace`, `Ai` and `Vectorize` (or `VectorizeIndex`) from
 * `@cloudflare/workers-types` fit them, and so does any plain object with the same methods
 * (test fakes). `checkBindings` refuses a missing or wrong binding early, by name.
 */
import { BindingError, type BindingName } from "./errors.js";

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

/** The bindings together. */
export interface Bindings {
  kv: KvBinding;
  ai: AiBinding;
  vectorize: VectorizeBinding;
}

const requiredMethods: Record<BindingName, readonly string[]> = {
  kv: ["get", "put", "delete", "list"],
  ai: ["run"],
  vectorize: ["upsert", "query", "deleteByIds"],
};

const exampleOf: Record<BindingName, string> = {
  kv: "a KV namespace (env.INDEX_KV)",
  ai: "the Workers AI binding (env.AI)",
  vectorize: "a Vectorize index (env.VECTORIZE)",
};

/** Throws a `BindingError` naming the first binding that is absent or lacks a method. */
export function checkBindings(given: Partial<Record<BindingName, unknown>>): Bindings {
  for (const name of Object.keys(requiredMethods) as BindingName[]) {
    const binding = given[name];
    if (binding === undefined || binding === null) {
      throw new BindingError("missing_binding", name, `index-sync: no ${name} binding; pass ${exampleOf[name]}`);
    }
    const missing = requiredMethods[name].filter((method) => !hasMethod(binding, method));
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
