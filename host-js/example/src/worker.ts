/**
 * An existing Worker with index-sync added: the three lines marked (1), (2), (3).
 *
 *   POST /v1/index/init     {userId?, projectId, chunks: [{hash, code, filePath}]}
 *   POST /v1/index/sync     {phase: 1 | 2, projectId, chunks: [...], complete?}
 *   POST /v1/index/search   {projectId, query, topK?}
 *   POST /v1/index/remove   {projectId, hashes: [...]} or {projectId, all: true}
 *
 * Every request must carry `Authorization: Bearer <token>`, a token whose SHA-256 the
 * `TOKENS` secret maps to a user id (auth.ts): that user id, never the body or another
 * header, says whose data the request touches. Without a valid token: 401, and nothing runs.
 */
import { createIndexer } from "index-sync"; // (1)
import { authenticate } from "./auth.js";

export interface Env {
  INDEX_KV: KVNamespace;
  AI: Ai;
  VECTORIZE: Vectorize;
  /** JSON: SHA-256 (hex) of each token -> user id. A secret: `wrangler secret put TOKENS`. */
  TOKENS?: string;
}

const ROUTES = {
  "/v1/index/init": "init",
  "/v1/index/sync": "sync",
  "/v1/index/search": "search",
  "/v1/index/remove": "remove",
} as const;

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const route = ROUTES[new URL(request.url).pathname as keyof typeof ROUTES];
    if (route === undefined) return Response.json({ error: { code: "not_found", message: "no such route" } }, { status: 404 });
    if (request.method !== "POST") {
      return Response.json({ error: { code: "method_not_allowed", message: "use POST" } }, { status: 405 });
    }
    const userId = await authenticate(request, env.TOKENS);
    if (typeof userId !== "string") {
      const { status, code, message } = userId;
      const headers = status === 401 ? { "www-authenticate": 'Bearer realm="index-sync"' } : undefined;
      return Response.json({ error: { code, message } }, { status, headers });
    }

    const indexer = createIndexer({ kv: env.INDEX_KV, ai: env.AI, vectorize: env.VECTORIZE, waitUntil: (p) => ctx.waitUntil(p) }); // (2)
    const { status, json } = await indexer[route](await request.arrayBuffer(), userId); // (3)
    return new Response(json, { status, headers: { "content-type": "application/json" } });
  },
} satisfies ExportedHandler<Env>;
