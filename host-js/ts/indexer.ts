/**
 * `createIndexer`: the engine bound to a Worker's KV, Workers AI, Vectorize and the
 * `IndexCoordinator` Durable Object, and with the config's `hybrid` the text index (D1).
 *
 * ```ts
 * const indexer = createIndexer({ kv: env.INDEX_KV, ai: env.AI, vectorize: env.VECTORIZE,
 *                                 coordinator: coordinatorFor(env.INDEX_COORDINATOR),
 *                                 waitUntil: (p) => ctx.waitUntil(p) });
 * const { status, json, headers } = await indexer.sync(await request.arrayBuffer(), userId);
 * return new Response(json, { status, headers });
 * ```
 */
import {
  type AiBinding,
  checkBindings,
  type CoordinatorBinding,
  type KvBinding,
  type TextIndexBinding,
  type VectorizeBinding,
} from "./bindings.js";
import { configJson, type IndexerConfig, isHybrid } from "./config.js";
import { drive, type WaitUntil } from "./driver.js";
import { indexerFor } from "./engine.js";
import { ConfigError } from "./errors.js";
import { bodyBytes, type IndexResponse } from "./wire.js";

/** What `createIndexer` takes. */
export interface IndexerOptions {
  /** The KV namespace for tenant markers and the shared embedding cache. */
  kv: KvBinding;
  /** The Workers AI binding. */
  ai: AiBinding;
  /** The Vectorize index. */
  vectorize: VectorizeBinding;
  /** The tenants' coordinator: `coordinatorFor(env.INDEX_COORDINATOR)`, the `IndexCoordinator`
   * Durable Object. Required: without it, overlapping requests of one user and project
   * could break the index's promises, so there is no running without one. */
  coordinator: CoordinatorBinding;
  /** The tenants' word index of hybrid search: `textIndexFor(env.TEXT_INDEX)`, a D1 database.
   * Required when the config's `hybrid` is on; unused otherwise. */
  textIndex?: TextIndexBinding;
  /** Engine config overrides, as an object or JSON text. */
  config?: IndexerConfig | string;
  /** `ctx.waitUntil`: work after the response (marker refreshes) runs there. Without it,
   * that work is awaited before the response resolves. */
  waitUntil?: WaitUntil;
  /** The time in Unix seconds; default the Worker's clock. For tests. */
  clock?: () => number;
}

/** A request body as received: text or bytes. */
export type RequestBody = string | Uint8Array | ArrayBuffer;

/** The requests of the API; each resolves to the HTTP status, JSON body and headers to send
 * (a `409 tenant_busy` carries `retry-after`). */
export interface Indexer {
  /** `POST /v1/index/init`: index a project's chunks, skipping those already indexed. */
  init(body: RequestBody, userId: string): Promise<IndexResponse>;
  /** `POST /v1/index/sync`: phase 1 (which hashes are needed; with `"complete": true`, the
   * caller's chunks the listing lacks leave the index) or phase 2 (index them). */
  sync(body: RequestBody, userId: string): Promise<IndexResponse>;
  /** `POST /v1/index/search`: the caller's best-matching chunks for a query. */
  search(body: RequestBody, userId: string): Promise<IndexResponse>;
  /** `POST /v1/index/remove`: the caller's chunks (`hashes`) or whole project (`all`)
   * leave the index. */
  remove(body: RequestBody, userId: string): Promise<IndexResponse>;
  /** `POST /v1/index/usage`: the caller's counters against the quotas, per project and in
   * total (`{}` or `{"projectId"}`). */
  usage(body: RequestBody, userId: string): Promise<IndexResponse>;
  /** `POST /v1/index/status`: a project's chunks and files, and when a complete sync last
   * found its listing to be exactly the index (`{"projectId"}`). */
  status(body: RequestBody, userId: string): Promise<IndexResponse>;
}

type RequestKind = "init" | "sync" | "search" | "remove" | "usage" | "status";

/**
 * Binds the engine to the bindings. Throws a `BindingError` (`.code` `missing_binding` or
 * `invalid_binding`) for an absent or wrong binding (the text index is required with the
 * config's `hybrid`) and a `ConfigError` (`invalid_config`) for a config the engine refuses.
 * Cheap: call it per request with that request's `env`.
 */
export function createIndexer(options: IndexerOptions): Indexer {
  const config = configJson(options.config);
  const bindings = checkBindings(options, { hybrid: isHybrid(config) });
  const engine = makeEngine(config);
  const clock = options.clock ?? unixSeconds;
  const { waitUntil } = options;
  const run = (kind: RequestKind) => (body: RequestBody, userId: string) => {
    const operation = engine.start(kind, userId, bodyBytes(body), clock());
    return drive(operation, bindings, waitUntil);
  };
  return {
    init: run("init"),
    sync: run("sync"),
    search: run("search"),
    remove: run("remove"),
    usage: run("usage"),
    status: run("status"),
  };
}

function makeEngine(config: string): ReturnType<typeof indexerFor> {
  try {
    return indexerFor(config);
  } catch (error) {
    if (error instanceof Error && (error as Error & { code?: unknown }).code === "invalid_config") {
      throw new ConfigError(error.message, { cause: error });
    }
    throw error;
  }
}

function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
