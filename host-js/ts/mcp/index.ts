/**
 * `index-sync/mcp`: the index as a remote MCP server (Streamable HTTP) that a Worker mounts
 * at a route of its own, with the local server's two tools (`index-sync mcp`):
 * `search_code` `{query, topK?, path?, lang?}` and `index_status` `{}`, on the caller's
 * project only.
 *
 * ```ts
 * import { serveMcp } from "index-sync/mcp";
 *
 * if (url.pathname === "/mcp") {
 *   const userId = await authenticate(request);        // your auth: 401 before this line
 *   return serveMcp(request, { indexer: createIndexer({ ... }), userId });
 * }
 * ```
 *
 * The user is the caller's to establish: every tool call acts for `userId` alone, and no
 * argument names a user. The project is the request URL's `project` query parameter
 * (`/mcp?project=P`: one registration in an MCP client per project, as the local server
 * serves one folder's), unless `projectId` is given. Needs `@modelcontextprotocol/sdk`
 * (a peer dependency) beside `index-sync`.
 *
 * The SDK is imported on the first call, not with this module: evaluating it (zod's
 * schemas of the whole protocol) takes about 35 ms of CPU, which a Worker's other routes
 * then do not pay at every cold start (`wrangler check startup`: 2-4 ms without it).
 */
import type { ToolIndexer } from "./tools.js";

export { INDEX_STATUS, SEARCH_CODE } from "./tools.js";
export type { ToolIndexer } from "./tools.js";

/** What `serveMcp` takes. */
export interface McpOptions {
  /** The indexer of this request (`createIndexer`): the tools call its `search` and `status`. */
  indexer: ToolIndexer;
  /** The authenticated caller: from your authentication, never from the request's body. */
  userId: string;
  /** The project the tools act on; by default the URL's `project` query parameter. */
  projectId?: string;
}

/** The URL's query parameter naming the project. */
export const PROJECT_PARAMETER = "project";

/** An HTTP refusal with a JSON-RPC error body, as the SDK's transport answers its own. */
function refuse(status: number, message: string, headers?: Record<string, string>): Response {
  return Response.json({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }, { status, headers });
}

/**
 * Answers one request to the MCP route: a POST carries JSON-RPC messages (`initialize`,
 * `tools/list`, `tools/call`, ...) and is answered with JSON; GET and DELETE are answered
 * 405 (stateless: no stream for the server to push on, no session to end). 400 without a
 * project. Authenticate first: this trusts `userId`.
 */
export async function serveMcp(request: Request, options: McpOptions): Promise<Response> {
  if (request.method !== "POST") {
    return refuse(405, "Method not allowed: this server is stateless, POST JSON-RPC messages", { allow: "POST" });
  }
  const projectId = options.projectId ?? new URL(request.url).searchParams.get(PROJECT_PARAMETER) ?? "";
  if (projectId === "") {
    return refuse(400, `Bad Request: name the project, ?${PROJECT_PARAMETER}=<projectId> in the server's URL`);
  }
  const { answer } = await import("./server.js");
  return answer(request, options.indexer, { userId: options.userId, projectId });
}
