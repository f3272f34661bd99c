/**
 * An existing Worker with index-sync added: the lines marked (1) to (4), and the
 * coordinator's binding and migration in wrangler.jsonc.
 *
 *   POST /v1/index/init     {userId?, projectId, chunks: [{hash, code, filePath}]}
 *   POST /v1/index/sync     {phase: 1 | 2, projectId, chunks: [...], complete?}
 *   POST /v1/index/search   {projectId, query, topK?, pathPrefix?, include?, exclude?, lang?}
 *   POST /v1/index/remove   {projectId, hashes: [...]} or {projectId, all: true}
 *   POST /v1/index/usage    {} or {projectId}: the caller's AI chunks today and vectors held,
 *                           per project and in total, against the quotas
 *   POST /v1/index/status   {projectId}: the project's chunks and files, and when a complete
 *                           sync last found its listing to be exactly the index
 *   POST /mcp?project=P     MCP (Streamable HTTP, stateless, JSON answers): the tools
 *                           search_code and index_status on the caller's project P
 *                           (index-sync/mcp); GET and DELETE are answered 405
 *
 * Every request must carry `Authorization: Bearer <token>`, a token whose SHA-256 the
 * `TOKENS` secret maps to a user id (auth.ts): that user id, never the body, a tool's
 * arguments or another header, says whose data the request touches. Without a valid token:
 * 401 with `WWW-Authenticate: Bearer`, and nothing runs. An MCP client is registered with
 * the URL and the header, e.g.
 *
 *   claude mcp add --transport http index-sync "https://<worker>/mcp?project=P" \
 *     --header "Authorization: Bearer <token>"
 *
 * Two requests of one user and project that overlap (two editor windows, a resend racing
 * its original) are ordered by the `IndexCoordinator` Durable Object: while one changes the
 * index, the other is answered `409 tenant_busy` with a `Retry-After` header, which the
 * response's `headers` carry.
 *
 * The `INDEX_SYNC_CONFIG` var, when set, is the engine's config (e.g. the operator's quotas,
 * which `usage` reports against); absent, the defaults. With the optional D1 binding
 * `TEXT_INDEX` (wrangler.jsonc), search is hybrid: the config's `hybrid` is turned on (unless
 * INDEX_SYNC_CONFIG turns it off) and the text index is `textIndexFor(env.TEXT_INDEX)`.
 *
 * AI and Vectorize are the real bindings, except under `wrangler dev --env dev`, whose
 * config says `INDEX_SYNC_BINDINGS: "fakes"`: then they are index-sync/testing's fakes
 * (no Cloudflare account needed), with workerd's local KV and Durable Objects. Nothing
 * else picks the fakes.
 */
import {
  type AiBinding,
  coordinatorFor,
  createIndexer,
  type IndexCoordinator,
  type IndexerConfig,
  IndexSyncError,
  textIndexFor,
  type VectorizeBinding,
} from "index-sync"; // (1)
import { serveMcp } from "index-sync/mcp";
import { FakeAi, StoredVectorize } from "index-sync/testing";
import { authenticate } from "./auth.js";

/** wrangler finds the Durable Object class among the main module's exports. */
export { IndexCoordinator } from "index-sync"; // (2)

export interface Env {
  INDEX_KV: KVNamespace;
  /** The coordinator (wrangler.jsonc: `durable_objects` and its migration). */
  INDEX_COORDINATOR: DurableObjectNamespace<IndexCoordinator>;
  AI?: Ai;
  VECTORIZE?: Vectorize;
  /** JSON: SHA-256 (hex) of each token -> user id. A secret: `wrangler secret put TOKENS`. */
  TOKENS?: string;
  /** `"fakes"` in the `dev` environment only (wrangler.jsonc). */
  INDEX_SYNC_BINDINGS?: string;
  /** The development Vectorize fake's own KV namespace (`dev` environment only). */
  DEV_VECTORS?: KVNamespace;
  /** The engine's config overrides (`IndexerConfig`, or its JSON text), e.g. the operator's
   * quotas: `"vars": {"INDEX_SYNC_CONFIG": {"quotas": {"aiChunksPerUserPerDay": 5000,
   * "vectorsPerUser": 50000}}}` in wrangler.jsonc. Absent: the defaults (no quotas). One
   * the engine refuses: every request answers 500 `invalid_config`. */
  INDEX_SYNC_CONFIG?: IndexerConfig | string;
  /** The text index of hybrid search (wrangler.jsonc: `d1_databases`); absent: search by
   * vectors alone. */
  TEXT_INDEX?: D1Database;
}

const ROUTES = {
  "/v1/index/init": "init",
  "/v1/index/sync": "sync",
  "/v1/index/search": "search",
  "/v1/index/remove": "remove",
  "/v1/index/usage": "usage",
  "/v1/index/status": "status",
} as const;

/** Where MCP clients connect, naming the project in the query: `/mcp?project=P`. */
const MCP_ROUTE = "/mcp";

const error = (status: number, code: string, message: string, headers?: HeadersInit) =>
  Response.json({ error: { code, message } }, { status, headers });

/** The fakes of a development isolate, kept across its requests. */
let devFakes: { ai: FakeAi; vectorize: StoredVectorize; namespace: KVNamespace } | undefined;

/** AI and Vectorize for this request: the bindings, or the fakes where the config asks. */
function aiAndVectorize(env: Env): { ai: AiBinding; vectorize: VectorizeBinding } | Response {
  if (env.INDEX_SYNC_BINDINGS === undefined) {
    if (env.AI === undefined || env.VECTORIZE === undefined) {
      return error(500, "missing_binding", "no AI or VECTORIZE binding (wrangler.jsonc); for local development, `wrangler dev --env dev`");
    }
    return { ai: env.AI, vectorize: env.VECTORIZE };
  }
  if (env.INDEX_SYNC_BINDINGS !== "fakes" || env.DEV_VECTORS === undefined || env.AI !== undefined) {
    return error(500, "invalid_bindings", 'INDEX_SYNC_BINDINGS is "fakes" only with DEV_VECTORS and no AI binding (the dev environment)');
  }
  if (devFakes?.namespace !== env.DEV_VECTORS) {
    devFakes = { ai: new FakeAi(), vectorize: new StoredVectorize(env.DEV_VECTORS), namespace: env.DEV_VECTORS };
  }
  return devFakes;
}

/** The engine's config: INDEX_SYNC_CONFIG, with `hybrid` on when the text index is bound
 * (unless the config itself says otherwise). Text that is not a JSON object goes as it is,
 * for the engine to refuse. */
function configOf(env: Env): IndexerConfig | string | undefined {
  const config = env.INDEX_SYNC_CONFIG;
  if (env.TEXT_INDEX === undefined) return config;
  if (config === undefined) return { hybrid: true };
  if (typeof config !== "string") return { hybrid: true, ...config };
  try {
    const parsed: unknown = JSON.parse(config);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return { hybrid: true, ...(parsed as IndexerConfig) };
  } catch {
    // Not JSON: the engine answers invalid_config.
  }
  return config;
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const path = new URL(request.url).pathname;
    const route = ROUTES[path as keyof typeof ROUTES];
    const mcp = path === MCP_ROUTE;
    if (route === undefined && !mcp) return error(404, "not_found", "no such route");
    if (route !== undefined && request.method !== "POST") return error(405, "method_not_allowed", "use POST");
    const userId = await authenticate(request, env.TOKENS);
    if (typeof userId !== "string") {
      const { status, code, message } = userId;
      return error(status, code, message, status === 401 ? { "www-authenticate": 'Bearer realm="index-sync"' } : undefined);
    }
    const chosen = aiAndVectorize(env);
    if (chosen instanceof Response) return chosen;

    let indexer;
    try {
      const coordinator = coordinatorFor(env.INDEX_COORDINATOR);
      const textIndex = env.TEXT_INDEX === undefined ? {} : { textIndex: textIndexFor(env.TEXT_INDEX) };
      const config = configOf(env);
      indexer = createIndexer({ kv: env.INDEX_KV, ...chosen, coordinator, ...textIndex, config, waitUntil: (p) => ctx.waitUntil(p) }); // (3)
    } catch (thrown) {
      if (thrown instanceof IndexSyncError) return error(500, thrown.code, thrown.message);
      throw thrown;
    }
    // The tools act for the token's user alone; the project is the URL's `?project=`.
    if (route === undefined) return serveMcp(request, { indexer, userId });
    // `headers`: content-type, and on a 409 tenant_busy, Retry-After.
    const { status, json, headers } = await indexer[route](await request.arrayBuffer(), userId); // (4)
    return new Response(json, { status, headers });
  },
} satisfies ExportedHandler<Env>;
