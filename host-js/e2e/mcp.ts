/**
 * End to end: the official MCP TypeScript SDK's `Client`, over its `StdioClientTransport`,
 * drives `index-sync mcp` in a folder indexed by `index-sync index .` (every default: the
 * folder's name is the project). It initializes, lists the two tools, calls `search_code`
 * and checks that every location names lines holding the result's code (the SDK itself
 * checks the structured content against the tool's `outputSchema`), narrows a search by
 * path and language, calls `index_status` against what `index` reported, and, after a line
 * is added at the top of a file and the folder indexed again, finds the code at its new
 * lines. A filter the engine refuses is the tool's error, not the protocol's.
 *
 *   node mcp.mjs --bin INDEX_SYNC --folder DIR --work DIR
 */
import { cpSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { arg, check, figure, run, summary } from "./checks.js";
import { everyLocationHoldsItsCode as holding, queryFor as firstLinesOf, type Result, search } from "./mcp-checks.js";

const bin = arg("--bin");
const folder = join(arg("--work"), "demo");

async function main(): Promise<void> {
  cpSync(arg("--folder"), folder, { recursive: true });
  const indexed = index();
  const transport = new StdioClientTransport({ command: bin, args: ["mcp"], cwd: folder, stderr: "pipe" });
  let serverLog = "";
  transport.stderr?.on("data", (d: Buffer) => (serverLog += d.toString()));
  const client = new Client({ name: "index-sync-e2e", version: "0.1.0" });
  try {
    await client.connect(transport);
    await session(client, indexed);
  } catch (e) {
    check("the session runs to its end", false, `${String(e)}\n${serverLog}`);
  } finally {
    await client.close();
  }
  summary();
}

/** `index-sync index .` in the folder: its report. */
function index(): string {
  const out = run(bin, ["index", "."], { cwd: folder, mustSucceed: true });
  console.log(`index:\n${out.stdout}`);
  return out.stdout;
}

/** A query made of a file's first lines: its chunks rank high. */
const queryFor = (path: string): string => firstLinesOf(folder, path);

/** Checks that every location of `results` holds its code in the folder. */
const everyLocationHoldsItsCode = (name: string, results: Result[]): void => holding(folder, name, results);

async function session(client: Client, indexed: string): Promise<void> {
  check("the server is index-sync, with tools", client.getServerVersion()?.name === "index-sync" && client.getServerCapabilities()?.tools !== undefined, client.getServerVersion());

  const { tools } = await client.listTools();
  const names = tools.map((t) => t.name).sort();
  check("two tools are listed", JSON.stringify(names) === JSON.stringify(["index_status", "search_code"]), names);
  check("each tool has an output schema", tools.every((t) => t.outputSchema?.type === "object"), tools);

  const file = readdirSync(folder).filter((f) => f.endsWith(".rs")).sort()[0] ?? "lib.rs";
  const query = queryFor(file);
  const found = await search(client, { query, topK: 20 });
  check("search_code answers", !found.isError && found.results.length > 0, found.text);
  check("search_code finds the file its query comes from", found.results.some((r) => r.locations.some((l) => l.filePath === file)), found.results.map((r) => r.locations));
  everyLocationHoldsItsCode("every location names lines that hold the result's code", found.results);
  const labels = found.results.flatMap((r) => r.locations.map((l) => `${l.filePath}:${l.startLine}-${l.endLine}  `));
  check("the text names every location as path:start-end", labels.every((l) => found.text.includes(l)), found.text.slice(0, 2000));
  const first = found.results[0]?.locations[0];
  const firstLine = first === undefined ? undefined : readFileSync(join(folder, first.filePath), "utf8").split("\n")[(first.startLine ?? 1) - 1];
  check("the text shows the code, from the file", firstLine !== undefined && found.text.includes(`\n    ${firstLine}\n`), found.text.slice(0, 2000));

  const narrowed = await search(client, { query, topK: 20, path: ["indexing"], lang: "rs" });
  const places = narrowed.results.flatMap((r) => r.locations.map((l) => l.filePath));
  check("path and lang narrow the locations", places.length > 0 && places.every((p) => p.startsWith("indexing/") && p.endsWith(".rs")), places);

  const refused = await search(client, { query, path: "src/[" });
  check("a filter the engine refuses is the tool's error", refused.isError && refused.text.startsWith("invalid_filter: "), refused.text);

  const status = await client.callTool({ name: "index_status", arguments: {} });
  const counts = status.structuredContent as { chunks: number; files: number; lastIndexedAt: string | null };
  const stored = /the store holds (\d+)\)/.exec(indexed)?.[1];
  check("index_status counts the chunks index wrote", String(counts.chunks) === stored, { counts, stored });
  check("index_status counts the files index read", counts.files === figure(indexed, ".:"), { counts, indexed });
  check("index_status says when it was indexed", typeof counts.lastIndexedAt === "string" && Math.abs(Date.parse(counts.lastIndexedAt) - Date.now()) < 15 * 60_000, counts);

  // A line added at the top of the file: its code moves down, and search says so.
  const before = found.results.flatMap((r) => r.locations.filter((l) => l.filePath === file).map((l) => ({ hash: r.hash, startLine: l.startLine })));
  writeFileSync(join(folder, file), `\n${readFileSync(join(folder, file), "utf8")}`);
  const again = index();
  check("a line-shifting edit costs no AI call", figure(again, "AI calls:") === 0, again);
  const shifted = await search(client, { query, topK: 20 });
  everyLocationHoldsItsCode("after the edit, every location still holds its code", shifted.results);
  const moved = before.every((b) => shifted.results.some((r) => r.hash === b.hash && r.locations.some((l) => l.filePath === file && l.startLine === (b.startLine ?? 0) + 1)));
  check("the file's chunks are found one line lower", before.length > 0 && moved, { before, after: shifted.results.map((r) => [r.hash, r.locations]) });
}

await main();
