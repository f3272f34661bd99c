/**
 * An existing Worker with index-sync added: the three lines marked (1), (2), (3).
 *
 *   POST /v1/index/init     {userId?, projectId, chunks: [{hash, code, filePath}]}
 *   POST /v1/index/sync     {phase: 1 | 2, projectId, chunks: [...], complete?}
 *   POST /v1/index/search   {projectId, query, topK?}
 *   POST /v1/index/remove   {projectId, hashes: [...]} or {projectId, all: true}
 *
 * The user id comes from the `X-User-Id` header here, standing in for the Worker's own
 * authentication: never from the body.
 */
import { createIndexer } from "index-sync"; // (1)

export interface Env {
  INDEX_KV: KVNamespace;
  AI: Ai;
  VECTORIZE: Vectorize;
}

/** The header carrying the authenticated user in this example. */
export const USER_HEADER = "X-User-Id";

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
    const userId = request.headers.get(USER_HEADER);
    if (userId === null) {
      return Response.json({ error: { code: "unauthenticated", message: `no ${USER_HEADER} header` } }, { status: 401 });
    }

    const indexer = createIndexer({ kv: env.INDEX_KV, ai: env.AI, vectorize: env.VECTORIZE, waitUntil: (p) => ctx.waitUntil(p) }); // (2)
    const { status, json } = await indexer[route](await request.arrayBuffer(), userId); // (3)
    return new Response(json, { status, headers: { "content-type": "application/json" } });
  },
} satisfies ExportedHandler<Env>;
