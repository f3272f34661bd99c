/**
 * The engine's answers as the tools return them: structured content (of the tool's output
 * schema, `schemas.ts`) and text for a model or a person, the local server's text for the
 * same results (host-native/src/cli/search/show.rs, for a project whose files are not on
 * this machine: the code shown is the index's copy, the snippet):
 *
 * ```text
 * src/retry.rs:40-61  0.812
 *     pub fn backoff(attempt: u32) -> Duration {
 *         ...
 *     … 12 more lines
 *   summary: Doubles the wait after each failed attempt.
 * ```
 *
 * one block per location, best result first. A refusal (`{"error": {code, message}}`) is
 * the tool's error, `code: message`.
 */
import type { JsonValue } from "../wire.js";
import type { Tenant } from "./tools.js";

/** Lines of code shown under each location. */
export const SHOWN_LINES = 10;
const INDENT = "    ";

/** What a tool call gives back: structured content and text, or the tool's error. */
export type Outcome = { structured: Record<string, JsonValue>; text: string } | { failed: string };

/** One place of a result's code. */
interface Place {
  filePath: string;
  startLine?: number;
  endLine?: number;
}

/** One result, as `search_code`'s structured content has it. */
interface Found {
  score: number;
  hash: string;
  summary: string;
  locations: Place[];
  snippet: string;
}

type JsonObject = { [key: string]: JsonValue };

const object = (v: JsonValue | undefined): JsonObject =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? v : {};
const array = (v: JsonValue | undefined): JsonValue[] => (Array.isArray(v) ? v : []);
const text = (v: JsonValue | undefined): string => (typeof v === "string" ? v : "");
const line = (v: JsonValue | undefined): number | undefined =>
  typeof v === "number" && Number.isInteger(v) && v >= 1 ? v : undefined;

/** A refusal's `code: message`; `undefined` for a 200. */
function refusal(status: number, body: JsonValue): string | undefined {
  if (status === 200) return undefined;
  const error = object(object(body).error);
  const code = text(error.code) || `http_${status}`;
  return `${code}: ${text(error.message) || JSON.stringify(body)}`;
}

/** The results of a search's 200 body, keeping exactly the output schema's keys. */
function read(body: JsonValue): Found[] {
  return array(object(body).results).map((value) => {
    const r = object(value);
    return {
      score: typeof r.score === "number" ? r.score : 0,
      hash: text(r.hash),
      summary: text(r.summary),
      locations: array(r.locations).map((l) => {
        const place = object(l);
        const [startLine, endLine] = [line(place.startLine), line(place.endLine)];
        return startLine !== undefined && endLine !== undefined
          ? { filePath: text(place.filePath), startLine, endLine }
          : { filePath: text(place.filePath) };
      }),
      snippet: text(r.snippet),
    };
  });
}

/** `path:start-end`, or the path alone without lines. */
const label = (place: Place): string =>
  place.startLine !== undefined && place.endLine !== undefined ? `${place.filePath}:${place.startLine}-${place.endLine}` : place.filePath;

/** A text's lines as Rust's `str::lines` gives them: no last empty line, no `\r`. */
function lines(snippet: string): string[] {
  if (snippet === "") return [];
  const split = snippet.split("\n").map((l) => l.replace(/\r$/, ""));
  if (snippet.endsWith("\n")) split.pop();
  return split;
}

/** The text of `found`: one block per location. */
export function human(found: Found[]): string {
  const blocks: string[] = [];
  for (const result of found) {
    const code = lines(result.snippet);
    for (const place of result.locations) {
      let block = `${label(place)}  ${result.score.toFixed(3)}\n`;
      for (const l of code.slice(0, SHOWN_LINES)) block += `${INDENT}${l}\n`;
      if (code.length > SHOWN_LINES) block += `${INDENT}… ${code.length - SHOWN_LINES} more lines\n`;
      if (code.length === 0) block += `${INDENT}(the index keeps no code for this result)\n`;
      if (result.summary !== "") block += `  summary: ${result.summary}\n`;
      blocks.push(block);
    }
  }
  return blocks.join("\n");
}

/** `search_code`'s outcome for the engine's answer. */
export function searchOutcome(tenant: Tenant, query: string, status: number, body: JsonValue): Outcome {
  const refused = refusal(status, body);
  if (refused !== undefined) return { failed: refused };
  const found = read(body);
  const shown = found.length === 0 ? `no results for ${JSON.stringify(query)} in project ${tenant.projectId}` : human(found);
  return { structured: { results: found as unknown as JsonValue[] }, text: shown };
}

/** `index_status`'s outcome for the engine's `status` answer: `{projectId, indexed: true,
 * chunks, files, checkedAt}` or `{projectId, indexed: false, message}`. */
export function statusOutcome(tenant: Tenant, status: number, body: JsonValue): Outcome {
  const refused = refusal(status, body);
  if (refused !== undefined) return { failed: refused };
  const answer = object(body);
  const { userId, projectId } = tenant;
  const about = `project ${projectId} of ${userId}`;
  const { chunks, files } = answer;
  if (answer.indexed !== true || typeof chunks !== "number" || typeof files !== "number") {
    const why = text(answer.message) || "the index changed since its last complete sync, or was never synced completely";
    return { structured: { userId, projectId, chunks: null, files: null, lastIndexedAt: null }, text: `${about}: ${why}` };
  }
  const at = typeof answer.checkedAt === "string" ? answer.checkedAt : null;
  return {
    structured: { userId, projectId, chunks, files, lastIndexedAt: at },
    text: `${about}: ${chunks} chunks in ${files} files, last indexed ${at ?? "(unknown)"}`,
  };
}
