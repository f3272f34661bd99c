/**
 * End to end: the official MCP TypeScript SDK's `Client`, over its
 * `StreamableHTTPClientTransport` with a bearer token, drives the example Worker's `/mcp`
 * (index-sync/mcp) under `wrangler dev --env dev`, on a folder pushed by `index-sync push`.
 * It initializes (2025-06-18 or newer), lists the two tools and finds them the local
 * server's (`index-sync mcp`: the same names, titles and input schemas, the same search
 * output schema), calls `search_code` and checks that every location names lines of the
 * files that hold the result's code (the SDK checks the structured content against the
 * output schema), narrows by path and language, calls `index_status` against what push
 * sent, finds the code one line lower after a line is added at the top of a file and the
 * folder pushed again; another user's token finds nothing of it, and a wrong token is
 * refused (401 with `WWW-Authenticate`) before anything runs.
 *
 *   node mcp-remote.mjs --package DIR --bin INDEX_SYNC --folder DIR --work DIR
 */
import { createHash, randomBytes } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport, StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { arg, check, figure, run, summary } from "./checks.js";
import { startDev } from "./dev-server.js";
import { everyLocationHoldsItsCode, queryFor, search } from "./mcp-checks.js";

const work = arg("--work");
const bin = arg("--bin");
const folder = join(work, "demo");
const PROJECT = "demo";
const token = randomBytes(24).toString("hex");
const otherToken = randomBytes(24).toString("hex");
const digest = (t: string) => createHash("sha256").update(t).digest("hex");
const tokens = JSON.stringify({ [digest(token)]: "alice@example.com", [digest(otherToken)]: "bob@example.com" });

async function main(): Promise<void> {
  cpSync(arg("--folder"), folder, { recursive: true });
  const local = await localTools();
  const dev = await startDev({ cwd: arg("--package"), config: "example/wrangler.jsonc", environment: "dev", vars: { TOKENS: tokens }, persistTo: join(work, "state") });
  // The Worker's own socket: wrangler's ProxyWorker can end `wrangler dev` on a loaded
  // machine (dev-server.ts).
  const url = dev.directUrl;
  try {
    const pushed = push(url);
    await withClient(url, token, (client, transport) => session(client, transport, url, pushed, local));
    await withClient(url, otherToken, otherUser);
    await wrongToken(url);
  } catch (e) {
    check("the run goes to its end", false, `${e instanceof Error ? e.stack : String(e)}\n${dev.log().slice(-4000)}`);
  } finally {
    await dev.stop();
  }
  summary();
}

/** The local server's tools (`index-sync mcp` on a one-file folder), to compare with. */
async function localTools(): Promise<Tool[]> {
  const tiny = join(work, "tiny");
  mkdirSync(tiny);
  writeFileSync(join(tiny, "lib.rs"), "pub fn one() -> u32 {\n    1\n}\n");
  run(bin, ["index", "."], { cwd: tiny, mustSucceed: true });
  const client = new Client({ name: "index-sync-e2e", version: "0.1.0" });
  await client.connect(new StdioClientTransport({ command: bin, args: ["mcp"], cwd: tiny, stderr: "ignore" }));
  try {
    return (await client.listTools()).tools;
  } finally {
    await client.close();
  }
}

/** `index-sync push` of the folder to the Worker: its report. */
function push(url: string): string {
  const started = Date.now();
  const out = run(bin, ["push", folder, "--url", url, "--project", PROJECT], { env: { ...process.env, INDEX_SYNC_TOKEN: token } });
  console.log(`push (${((Date.now() - started) / 1000).toFixed(1)} s, exit ${out.status}):\n${out.stdout}${out.stderr}`);
  check("index-sync push indexes the folder", out.status === 0, out.stderr);
  return out.stdout;
}

/** A client connected to `/mcp?project=demo` with `bearer`, closed after `use`. */
async function withClient(url: string, bearer: string, use: (client: Client, transport: StreamableHTTPClientTransport) => Promise<void>): Promise<void> {
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp?project=${PROJECT}`), {
    requestInit: { headers: { authorization: `Bearer ${bearer}` } },
  });
  const client = new Client({ name: "index-sync-e2e", version: "0.1.0" });
  await client.connect(transport);
  try {
    await use(client, transport);
  } finally {
    await client.close();
  }
}

/** The parts of a tool both servers must agree on. */
const contract = (t: Tool | undefined) => t && { name: t.name, title: t.title, inputSchema: t.inputSchema };
/** JSON with every object's keys sorted: the local server writes them in that order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  );
const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

async function session(client: Client, transport: StreamableHTTPClientTransport, url: string, pushed: string, local: Tool[]): Promise<void> {
  const negotiated = transport.protocolVersion ?? "";
  check("initialize agrees on 2025-06-18 or newer", negotiated >= "2025-06-18", negotiated);
  check("the server is index-sync, with tools", client.getServerVersion()?.name === "index-sync" && client.getServerCapabilities()?.tools !== undefined, client.getServerVersion());

  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  check("two tools are listed", same(names, ["index_status", "search_code"]), names);
  const byName = (list: Tool[], name: string) => list.find((t) => t.name === name);
  for (const name of names) {
    check(`${name}: the local server's name, title and input schema`, same(contract(byName(tools, name)), contract(byName(local, name))), {
      remote: contract(byName(tools, name)),
      local: contract(byName(local, name)),
    });
  }
  const searchOutput = (list: Tool[]) => byName(list, "search_code")?.outputSchema;
  check("search_code: the local server's output schema", same(searchOutput(tools), searchOutput(local)), searchOutput(tools));
  const statusKeys = (list: Tool[]) => Object.keys(byName(list, "index_status")?.outputSchema?.properties ?? {}).sort();
  check("index_status: the local server's output properties", same(statusKeys(tools), statusKeys(local)) && statusKeys(tools).length === 5, statusKeys(tools));

  const file = readdirSync(folder).filter((f) => f.endsWith(".rs")).sort()[0] ?? "lib.rs";
  const query = queryFor(folder, file);
  const found = await search(client, { query, topK: 20 });
  check("search_code answers", !found.isError && found.results.length > 0, found.text);
  check("search_code finds the file its query comes from", found.results.some((r) => r.locations.some((l) => l.filePath === file)), found.results.map((r) => r.locations));
  everyLocationHoldsItsCode(folder, "every location names lines of the files that hold the result's code", found.results);
  const labels = found.results.flatMap((r) => r.locations.map((l) => `${l.filePath}:${l.startLine}-${l.endLine}  `));
  check("the text names every location as path:start-end", labels.length > 0 && labels.every((l) => found.text.includes(l)), found.text.slice(0, 2000));
  const firstLine = found.results[0]?.snippet.split("\n")[0];
  check("the text shows the code", firstLine !== undefined && found.text.includes(`\n    ${firstLine}\n`), found.text.slice(0, 2000));

  const narrowed = await search(client, { query, topK: 20, path: ["indexing"], lang: "rs" });
  const places = narrowed.results.flatMap((r) => r.locations.map((l) => l.filePath));
  check("path and lang narrow the locations", places.length > 0 && places.every((p) => p.startsWith("indexing/") && p.endsWith(".rs")), places);
  const refused = await search(client, { query, path: "src/[" });
  check("a filter the engine refuses is the tool's error", refused.isError && refused.text.startsWith("invalid_filter: "), refused.text);

  await statusAfterPush(client, pushed);
  check("push reads the user's usage from the Worker", /^usage: \d+ AI chunks today/m.test(pushed), pushed);

  // A line added at the top of the file: its code moves down, and search says so.
  const before = found.results.flatMap((r) => r.locations.filter((l) => l.filePath === file).map((l) => ({ hash: r.hash, startLine: l.startLine })));
  writeFileSync(join(folder, file), `\n${readFileSync(join(folder, file), "utf8")}`);
  const again = push(url);
  const shifted = await search(client, { query, topK: 20 });
  everyLocationHoldsItsCode(folder, "after the edit, every location still holds its code", shifted.results);
  const moved = before.every((b) => shifted.results.some((r) => r.hash === b.hash && r.locations.some((l) => l.filePath === file && l.startLine === (b.startLine ?? 0) + 1)));
  check("the file's chunks are found one line lower", before.length > 0 && moved, { before, after: shifted.results.map((r) => [r.hash, r.locations]) });
  await statusAfterPush(client, again);
}

/** `index_status` after a push, which ends with a listing that records the index clean. */
async function statusAfterPush(client: Client, pushed: string): Promise<void> {
  const status = await client.callTool({ name: "index_status", arguments: {} });
  const counts = status.structuredContent as { userId: string; projectId: string; chunks: number | null; files: number | null; lastIndexedAt: string | null };
  const text = (status.content as { text?: string }[] | undefined)?.[0]?.text ?? "";
  const sent = /(\d+) chunks \(/.exec(pushed)?.[1];
  check("index_status counts the chunks push sent", counts.chunks !== null && String(counts.chunks) === sent, { counts, sent });
  check("index_status counts the files push read", counts.files === figure(pushed, `${folder}:`), { counts, pushed: pushed.split("\n")[0] });
  check("index_status is the caller's and says when", counts.userId === "alice@example.com" && counts.projectId === PROJECT && typeof counts.lastIndexedAt === "string" && Math.abs(Date.parse(counts.lastIndexedAt) - Date.now()) < 15 * 60_000, counts);
  check("index_status's text says it", text === `project ${PROJECT} of alice@example.com: ${counts.chunks} chunks in ${counts.files} files, last indexed ${counts.lastIndexedAt}`, text);
}

/** Another user's token: the same project name is another tenant, with nothing in it. */
async function otherUser(client: Client): Promise<void> {
  const found = await search(client, { query: "fn", topK: 20 });
  check("another user's search_code finds nothing of it", !found.isError && found.results.length === 0, found.results.length);
  const status = await client.callTool({ name: "index_status", arguments: {} });
  check("another user's index_status is their own", same(status.structuredContent, { userId: "bob@example.com", projectId: PROJECT, chunks: null, files: null, lastIndexedAt: null }), status.structuredContent);
}

/** A wrong token: the SDK's client is refused at `initialize`, the Worker answers 401 with
 * `WWW-Authenticate`. */
async function wrongToken(url: string): Promise<void> {
  let refusal: unknown;
  try {
    await withClient(url, "not-the-token", async () => {});
  } catch (e) {
    refusal = e;
  }
  check("a wrong token is refused at connect, 401", refusal instanceof StreamableHTTPError && refusal.code === 401, String(refusal));
  const response = await fetch(`${url}/mcp?project=${PROJECT}`, {
    method: "POST",
    headers: { authorization: "Bearer not-the-token", "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "search_code", arguments: { query: "fn" } } }),
  });
  check("a wrong token's tool call gets 401 with WWW-Authenticate", response.status === 401 && /^Bearer /.test(response.headers.get("www-authenticate") ?? ""), [response.status, response.headers.get("www-authenticate")]);
}

await main();
