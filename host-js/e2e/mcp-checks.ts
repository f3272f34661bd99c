/**
 * What the MCP end-to-end programs (mcp.ts: the local server over stdio; mcp-remote.ts: the
 * example Worker's over Streamable HTTP) check alike: `search_code`'s results read from a
 * call, and whether each location names lines of a file on disk that hold the result's
 * code (its hash recomputed from those lines).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { check } from "./checks.js";

export interface Location {
  filePath: string;
  startLine?: number;
  endLine?: number;
}

export interface Result {
  score: number;
  hash: string;
  summary: string;
  locations: Location[];
  snippet: string;
}

/** A query made of a file's first lines: its chunks rank high. */
export function queryFor(folder: string, path: string): string {
  return readFileSync(join(folder, path), "utf8").slice(0, 400);
}

/** Whether lines `startLine..endLine` of the location's file (under `folder`) are the
 * result's code: the chunk's text is those lines after the signature lines it carries in
 * from the items around it (the snippet's first lines), so some count of those followed by
 * the file's lines has the result's hash. */
export function holdsCode(folder: string, location: Location, result: Result): boolean {
  const { filePath, startLine, endLine } = location;
  if (startLine === undefined || endLine === undefined) return false;
  let lines: string[];
  try {
    lines = readFileSync(join(folder, filePath), "utf8").split("\n");
  } catch {
    return false;
  }
  if (startLine < 1 || endLine < startLine || endLine > lines.length) return false;
  const code = lines.slice(startLine - 1, endLine).join("\n");
  const snippet = result.snippet === "" ? [] : result.snippet.split("\n");
  for (let carried = 0; carried <= snippet.length; carried++) {
    const text = snippet.slice(0, carried).map((l) => `${l}\n`).join("") + code;
    if (createHash("sha256").update(text).digest("hex") === result.hash) return true;
  }
  return false;
}

/** Calls `search_code`: its structured results, its text, whether it is the tool's error. */
export async function search(client: Client, args: Record<string, unknown>): Promise<{ results: Result[]; text: string; isError: boolean }> {
  const answer = await client.callTool({ name: "search_code", arguments: args });
  const content = (answer.content ?? []) as { type: string; text?: string }[];
  const structured = answer.structuredContent as { results?: Result[] } | undefined;
  return {
    results: structured?.results ?? [],
    text: content.map((c) => (c.type === "text" ? (c.text ?? "") : "")).join("\n"),
    isError: answer.isError === true,
  };
}

/** Checks that there are results and that every location holds its result's code. */
export function everyLocationHoldsItsCode(folder: string, name: string, results: Result[]): void {
  const wrong = results.flatMap((r) => r.locations.filter((l) => !holdsCode(folder, l, r)).map((l) => `${l.filePath}:${l.startLine}-${l.endLine}`));
  check(name, results.length > 0 && wrong.length === 0, wrong.length > 0 ? wrong : "no results");
}
