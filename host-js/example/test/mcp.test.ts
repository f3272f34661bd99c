/**
 * The example Worker's MCP route (`/mcp?project=P`, index-sync/mcp) in workerd, spoken to
 * as a Streamable HTTP client speaks it (JSON-RPC in POST bodies): initialize, tools/list,
 * tools/call of search_code and index_status, each acting for the token's user alone; the
 * errors a client meets (401, 405, 400, invalid params, a filter the engine refuses).
 * host-js/e2e/mcp.ts drives it with the official SDK's Client under wrangler dev.
 */
import { describe, expect, it } from "vitest";
import packageJson from "../../package.json";
import type { Env } from "../src/worker.js";
import { chunk, freshWorker, post, send } from "./harness.js";

const ACCEPT = "application/json, text/event-stream";
const VERSION = "2025-06-18";
const RETRY = chunk("aaa111", "export function retryWithBackoff(attempt) {\n  return 2 ** attempt * 100;\n}", "src/retry.ts", 10);
const PARSE = chunk("bbb222", "export function parseConfig(text) {\n  return JSON.parse(text);\n}", "lib/config.js", 1);

interface Rpc {
  status: number;
  headers: Headers;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

let id = 0;

/** One JSON-RPC request to the MCP route, as the SDK's client sends it. */
async function rpc(workerEnv: Env, method: string, params: unknown, user: string | null = "alice@example.com", path = "/mcp?project=p"): Promise<Rpc> {
  const headers = { accept: ACCEPT, "mcp-protocol-version": VERSION };
  const response = await send(workerEnv, path, { user, headers, body: { jsonrpc: "2.0", id: ++id, method, params } });
  const text = await response.text();
  const body = text === "" ? {} : (JSON.parse(text) as Omit<Rpc, "status" | "headers">);
  return { status: response.status, headers: response.headers, ...body };
}

const callTool = (workerEnv: Env, name: string, args: unknown, user?: string) => rpc(workerEnv, "tools/call", { name, arguments: args }, user);

const initialize = (protocolVersion: string) => ({ protocolVersion, capabilities: {}, clientInfo: { name: "test", version: "1" } });

async function indexed(): Promise<Env> {
  const { workerEnv } = await freshWorker();
  const init = await post(workerEnv, "/v1/index/init", "alice@example.com", { projectId: "p", chunks: [RETRY, PARSE] });
  expect(init.body).toMatchObject({ indexed: [RETRY.hash, PARSE.hash] });
  return workerEnv;
}

describe("the example Worker's MCP route", () => {
  it("initializes at 2025-06-18 or newer, as index-sync with tools", async () => {
    const { workerEnv } = await freshWorker();
    const init = await rpc(workerEnv, "initialize", initialize(VERSION));
    expect(init.status).toBe(200);
    expect(init.headers.get("content-type")).toMatch(/^application\/json/);
    expect(init.headers.get("mcp-session-id")).toBeNull(); // stateless
    expect(init.result).toMatchObject({ protocolVersion: VERSION, serverInfo: { name: "index-sync", version: packageJson.version }, capabilities: { tools: {} } });
    const older = await rpc(workerEnv, "initialize", initialize("2025-03-26"));
    expect(older.result?.protocolVersion).toBe("2025-11-25");
    const initialized = await send(workerEnv, "/mcp?project=p", {
      user: "alice@example.com",
      headers: { accept: ACCEPT, "mcp-protocol-version": VERSION },
      body: { jsonrpc: "2.0", method: "notifications/initialized" },
    });
    expect(initialized.status).toBe(202);
  });

  it("lists search_code and index_status with the local server's input schemas", async () => {
    const { workerEnv } = await freshWorker();
    const listed = await rpc(workerEnv, "tools/list", {});
    const tools = listed.result?.tools as { name: string; inputSchema: unknown; outputSchema: { type: string } }[];
    expect(tools.map((t) => t.name)).toEqual(["search_code", "index_status"]);
    const strings = { anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] };
    expect(tools[0]?.inputSchema).toMatchObject({
      type: "object",
      properties: { query: { type: "string", minLength: 1 }, topK: { type: "integer", minimum: 1 }, path: strings, lang: strings },
      required: ["query"],
      additionalProperties: false,
    });
    expect(tools[1]?.inputSchema).toEqual({ type: "object", properties: {}, additionalProperties: false });
    expect(tools.every((t) => t.outputSchema.type === "object")).toBe(true);
  });

  it("calls search_code on the caller's project: locations, snippet and path:start-end text", async () => {
    const workerEnv = await indexed();
    const found = await callTool(workerEnv, "search_code", { query: "retry with backoff", topK: 5 });
    expect(found.status).toBe(200);
    const results = (found.result?.structuredContent as { results: Record<string, unknown>[] }).results;
    const retry = results.find((r) => r.hash === RETRY.hash);
    expect(retry).toEqual({
      score: expect.any(Number),
      hash: RETRY.hash,
      summary: expect.any(String),
      locations: [{ filePath: "src/retry.ts", startLine: 10, endLine: 12 }],
      snippet: RETRY.code,
    });
    const text = (found.result?.content as { type: string; text: string }[])[0]?.text ?? "";
    expect(text).toMatch(/^src\/retry\.ts:10-12 {2}\d\.\d{3}\n {4}export function retryWithBackoff\(attempt\) \{\n/m);
    expect(text).toContain("lib/config.js:1-3  ");

    const narrowed = await callTool(workerEnv, "search_code", { query: "retry with backoff", path: "src", lang: ["ts"] });
    const places = (narrowed.result?.structuredContent as { results: { locations: { filePath: string }[] }[] }).results.flatMap((r) => r.locations);
    expect(places).toEqual([{ filePath: "src/retry.ts", startLine: 10, endLine: 12 }]);
    const none = await callTool(workerEnv, "search_code", { query: "x", path: "nowhere/" });
    expect(none.result).toMatchObject({ structuredContent: { results: [] }, content: [{ type: "text", text: 'no results for "x" in project p' }] });
  });

  it("answers bad arguments as invalid params and what the engine refuses as the tool's error", async () => {
    const workerEnv = await indexed();
    for (const [args, why] of [
      [{}, "query is required"],
      [{ query: "" }, "query is a non-empty string"],
      [{ query: "q", topK: 0 }, "topK is a positive integer"],
      [{ query: "q", path: 1 }, "path is a string or an array"],
      [{ query: "q", userId: "bob@company.com" }, 'unknown argument "userId"'],
    ] as const) {
      const bad = await callTool(workerEnv, "search_code", args);
      expect(bad.error?.code, JSON.stringify(args)).toBe(-32602);
      expect(bad.error?.message).toContain(why);
    }
    expect((await callTool(workerEnv, "index_status", { projectId: "q" })).error?.code).toBe(-32602);
    expect((await callTool(workerEnv, "delete_everything", {})).error?.code).toBe(-32602);
    const refused = await callTool(workerEnv, "search_code", { query: "q", path: "src/[" });
    expect(refused.result).toMatchObject({ isError: true, content: [{ type: "text", text: expect.stringMatching(/^invalid_filter: /) }] });
  });

  it("calls index_status: unknown counts until a complete sync records them", async () => {
    const workerEnv = await indexed();
    const before = await callTool(workerEnv, "index_status", {});
    expect(before.result?.structuredContent).toEqual({ userId: "alice@example.com", projectId: "p", chunks: null, files: null, lastIndexedAt: null });
    expect((before.result?.content as { text: string }[])[0]?.text).toMatch(/^project p of alice@example.com: the index changed since/);
    const listing = [RETRY, PARSE].map(({ hash, filePath, startLine, endLine }) => ({ hash, filePath, startLine, endLine }));
    await post(workerEnv, "/v1/index/sync", "alice@example.com", { phase: 1, projectId: "p", chunks: listing, complete: true });
    const after = await callTool(workerEnv, "index_status", {});
    expect(after.result?.structuredContent).toMatchObject({ userId: "alice@example.com", projectId: "p", chunks: 2, files: 2 });
    const at = (after.result?.structuredContent as { lastIndexedAt: string }).lastIndexedAt;
    expect((after.result?.content as { text: string }[])[0]?.text).toBe(`project p of alice@example.com: 2 chunks in 2 files, last indexed ${at}`);
  });

  it("searches the token's user's project only", async () => {
    const workerEnv = await indexed();
    const bob = await callTool(workerEnv, "search_code", { query: "retry with backoff" }, "bob@company.com");
    expect(bob.result?.structuredContent).toEqual({ results: [] });
    const bobStatus = await callTool(workerEnv, "index_status", {}, "bob@company.com");
    expect(bobStatus.result?.structuredContent).toMatchObject({ userId: "bob@company.com", chunks: null });
  });

  it("refuses a missing or wrong token with 401 and WWW-Authenticate, before any MCP", async () => {
    const { world, workerEnv } = await freshWorker();
    for (const user of [null, "Bearer nobodys-token", "Basic YWxpY2U6cHc="]) {
      const refused = await rpc(workerEnv, "tools/call", { name: "search_code", arguments: { query: "q" } }, user);
      expect(refused.status, String(user)).toBe(401);
      expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="index-sync"');
    }
    expect(world.ledger.snapshot().size).toBe(0);
  });

  it("answers GET and DELETE 405 (stateless) and a URL without a project 400", async () => {
    const { workerEnv } = await freshWorker();
    for (const method of ["GET", "DELETE"]) {
      const response = await send(workerEnv, "/mcp?project=p", { user: "alice@example.com", method, headers: { accept: "text/event-stream" } });
      expect(response.status, method).toBe(405);
      expect(response.headers.get("allow")).toBe("POST");
    }
    const unnamed = await rpc(workerEnv, "tools/list", {}, "alice@example.com", "/mcp");
    expect(unnamed.status).toBe(400);
    expect(unnamed.error?.message).toContain("?project=");
  });
});
