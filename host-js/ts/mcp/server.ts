/**
 * The tools behind the official MCP TypeScript SDK (`@modelcontextprotocol/sdk`): its
 * low-level `Server`, which takes the tools' JSON Schemas as they are (the local server's,
 * byte for byte; `McpServer` would rebuild them from zod), over its Web-standard Streamable
 * HTTP transport in stateless mode: a server and a transport per HTTP request, no session,
 * each answer a plain JSON body (no SSE stream: a tool call is one engine request, with no
 * progress to stream), so any Worker instance answers any request.
 *
 * Protocol revisions 2025-06-18 and later only, the first with structured tool results (as
 * the local server): a client asking for an older one is offered the newest, which it may
 * refuse.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import {
  type CallToolResult,
  CallToolRequestSchema,
  ErrorCode,
  InitializeRequestSchema,
  LATEST_PROTOCOL_VERSION,
  ListToolsRequestSchema,
  McpError,
  SUPPORTED_PROTOCOL_VERSIONS,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/types.js";
import { type Outcome, searchOutcome, statusOutcome } from "./results.js";
import {
  BadArguments,
  definitions,
  INDEX_STATUS,
  SEARCH_CODE,
  searchArguments,
  searchBody,
  statusArguments,
  type Tenant,
  type ToolIndexer,
} from "./tools.js";

/** The package's version, as `initialize` names the server (example/test/mcp.test.ts holds it to package.json). */
const SERVER_VERSION = "0.1.0";

/** The oldest revision served: the first with structured tool results. */
const OLDEST_VERSION = "2025-06-18";
/** The revisions served, newest first (ISO dates compare as strings). */
const PROTOCOL_VERSIONS = SUPPORTED_PROTOCOL_VERSIONS.filter((v) => v >= OLDEST_VERSION);

/**
 * The server never validates against a JSON Schema (it asks the client nothing), so it
 * needs no validator; the SDK's default would build Ajv, which compiles schemas with
 * `new Function`, refused in workerd.
 */
const NO_VALIDATION: jsonSchemaValidator = {
  getValidator: () => () => ({ valid: false, data: undefined, errorMessage: "this server validates nothing" }),
};

/** A tool's result for the protocol. */
function result(outcome: Outcome): CallToolResult {
  if ("failed" in outcome) return { content: [{ type: "text", text: outcome.failed }], isError: true };
  return { content: [{ type: "text", text: outcome.text }], structuredContent: outcome.structured };
}

/** Runs one tool for `tenant`; a bad call is the protocol's error (invalid params). */
async function call(indexer: ToolIndexer, tenant: Tenant, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  try {
    if (name === SEARCH_CODE) {
      const read = searchArguments(args);
      const answer = await indexer.search(JSON.stringify(searchBody(tenant.projectId, read)), tenant.userId);
      return result(searchOutcome(tenant, read.query, answer.status, answer.body));
    }
    if (name === INDEX_STATUS) {
      statusArguments(args);
      const answer = await indexer.status(JSON.stringify({ projectId: tenant.projectId }), tenant.userId);
      return result(statusOutcome(tenant, answer.status, answer.body));
    }
  } catch (thrown) {
    if (thrown instanceof BadArguments) throw new McpError(ErrorCode.InvalidParams, thrown.message);
    throw thrown;
  }
  throw new McpError(ErrorCode.InvalidParams, `unknown tool ${JSON.stringify(name)}: ${SEARCH_CODE} or ${INDEX_STATUS}`);
}

/** The MCP server of one request, for `tenant`. */
function server(indexer: ToolIndexer, tenant: Tenant): Server {
  const serverInfo = { name: "index-sync", title: "index-sync", version: SERVER_VERSION };
  const instructions =
    `Code search over the index of project ${tenant.projectId} (user ${tenant.userId}). Use search_code to ` +
    "find code by what it does; each result names path:start-end.";
  const capabilities = { tools: {} };
  const mcp = new Server(serverInfo, { capabilities, instructions, jsonSchemaValidator: NO_VALIDATION });
  mcp.setRequestHandler(InitializeRequestSchema, (request) => {
    const asked = request.params.protocolVersion;
    const protocolVersion = PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION;
    return { protocolVersion, capabilities, serverInfo, instructions };
  });
  const tools = definitions(tenant).map(
    (d): Tool => ({ ...d, inputSchema: d.inputSchema as Tool["inputSchema"], outputSchema: d.outputSchema as Tool["outputSchema"] }),
  );
  mcp.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
  mcp.setRequestHandler(CallToolRequestSchema, (request) => call(indexer, tenant, request.params.name, request.params.arguments ?? {}));
  return mcp;
}

/** Answers one MCP POST for `tenant`: a fresh server and stateless transport, closed after. */
export async function answer(request: Request, indexer: ToolIndexer, tenant: Tenant): Promise<Response> {
  const mcp = server(indexer, tenant);
  const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  await mcp.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    await mcp.close();
  }
}
