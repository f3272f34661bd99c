/**
 * The two MCP tools, apart from the protocol: their definitions as `tools/list` gives them,
 * their arguments read, and the engine request each makes. The same tools as the local
 * server's (`index-sync mcp`, host-native/src/cli/mcp/tools.rs): the same names, titles,
 * input schemas and search output schema, so that an agent given one reads the other.
 *
 * - `search_code` `{query, topK?, path?, lang?}`: the engine's `search` for the caller's
 *   project. `path` is folders, files or globs from the project's root: a name without a
 *   glob character (`src/cli`, `src/main.rs`) is anchored at the root and admits everything
 *   under it (there is no checkout here to tell a folder from a file, and the glob rules
 *   need none); a glob (`**\/*_test.go`) is passed as it is. `lang` is file extensions.
 * - `index_status` `{}`: the engine's `status` for the caller's project.
 *
 * Arguments that do not fit the input schema are the protocol's error (invalid params),
 * with the local server's messages; what the engine refuses (a bad glob, a `topK` out of
 * range) is the tool's error, for the model to correct.
 */
import type { Indexer } from "../indexer.js";
import type { JsonValue } from "../wire.js";
import { type ObjectSchema, searchOutputSchema, statusOutputSchema } from "./schemas.js";

/** The search tool's name. */
export const SEARCH_CODE = "search_code";
/** The status tool's name. */
export const INDEX_STATUS = "index_status";
/** Results unless `topK` says otherwise: the local tool's default. */
export const DEFAULT_TOP_K = 10;

/** What the tools call: the engine's search and status. */
export type ToolIndexer = Pick<Indexer, "search" | "status">;

/** Whose project the tools act on: the authenticated user's, never an argument's. */
export interface Tenant {
  userId: string;
  projectId: string;
}

/** A tool as `tools/list` gives it. */
export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  inputSchema: ObjectSchema;
  outputSchema: ObjectSchema;
}

/** A call's arguments that do not fit the tool's input schema: why. */
export class BadArguments extends Error {}

const strings = (what: string) => ({
  description: what,
  anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
});

/** The tools, for `tools/list`. */
export function definitions(tenant: Tenant): ToolDefinition[] {
  const { userId, projectId } = tenant;
  return [
    {
      name: SEARCH_CODE,
      title: "Search code",
      description:
        `Semantic search over the indexed code of project ${projectId} (user ${userId}): the best ` +
        "matches for a description of what the code does, each at every place it is " +
        "(path:start-end, lines 1-based and inclusive) with its first lines. Narrow " +
        "it with path (folders, files or globs from the project's root) and lang " +
        "(file extensions).",
      inputSchema: {
        type: "object",
        properties: {
          query: { type: "string", minLength: 1, description: "What the code does, in words or code." },
          topK: { type: "integer", minimum: 1, description: `How many results; ${DEFAULT_TOP_K} unless given.` },
          path: strings(
            "Only results at these paths: folders (src/cli), files, or globs (**/*_test.go), from the project's root; any of several.",
          ),
          lang: strings("Only results in files with these extensions, without the dot (rs, ts)."),
        },
        required: ["query"],
        additionalProperties: false,
      },
      outputSchema: searchOutputSchema,
    },
    {
      name: INDEX_STATUS,
      title: "Index status",
      description:
        `How much of project ${projectId} (user ${userId}) is indexed: its chunks, the files they are ` +
        "in, and when it was last indexed.",
      inputSchema: { type: "object", properties: {}, additionalProperties: false },
      outputSchema: statusOutputSchema,
    },
  ];
}

/** `search_code`'s arguments, read. */
export interface SearchArguments {
  query: string;
  topK: number;
  paths: string[];
  langs: string[];
}

const SEARCH_KEYS = ["query", "topK", "path", "lang"];
const MAX_U32 = 4_294_967_295;

/** Reads `search_code`'s arguments; throws `BadArguments` for what the schema refuses. */
export function searchArguments(args: Record<string, unknown>): SearchArguments {
  const unknown = Object.keys(args).find((k) => !SEARCH_KEYS.includes(k));
  if (unknown !== undefined) throw new BadArguments(`unknown argument ${JSON.stringify(unknown)}: query, topK, path and lang`);
  const query = args.query;
  if (query === undefined) throw new BadArguments("query is required");
  if (typeof query !== "string" || query === "") throw new BadArguments(`query is a non-empty string, not ${JSON.stringify(query)}`);
  const topK = args.topK ?? DEFAULT_TOP_K;
  if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1 || topK > MAX_U32) {
    throw new BadArguments(`topK is a positive integer, not ${JSON.stringify(topK)}`);
  }
  return { query, topK, paths: stringList(args, "path"), langs: stringList(args, "lang") };
}

/** A string or an array of strings, as a list; none when absent. */
function stringList(args: Record<string, unknown>, name: string): string[] {
  const value = args[name];
  if (value === undefined || value === null) return [];
  if (typeof value === "string") return [value];
  if (!Array.isArray(value)) throw new BadArguments(`${name} is a string or an array of strings, not ${JSON.stringify(value)}`);
  return value.map((item: unknown) => {
    if (typeof item !== "string") throw new BadArguments(`${name} holds strings only, not ${JSON.stringify(item)}`);
    return item;
  });
}

/** Reads `index_status`'s arguments: none. */
export function statusArguments(args: Record<string, unknown>): void {
  if (Object.keys(args).length > 0) throw new BadArguments("index_status takes no arguments");
}

/** The characters that make a path a glob rather than a name. */
const GLOB = /[*?[]/;

/** The engine's `include` glob for one `path`: a glob as it is; a name anchored at the
 * project's root with `\` escaped (a folder's glob admits all it holds, a trailing `/`
 * folders only); `undefined` for the root itself, which is no filter. */
export function includeGlob(path: string): string | undefined {
  if (GLOB.test(path)) return path;
  let name = path;
  for (;;) {
    const trimmed = name.replace(/^\.\//, "").replace(/^\/+/, "");
    if (trimmed === name) break;
    name = trimmed;
  }
  if (name === "" || name === ".") return undefined;
  return `/${name.replaceAll("\\", "\\\\")}`;
}

/** The engine's `search` body for `search_code`'s arguments. */
export function searchBody(projectId: string, args: SearchArguments): Record<string, JsonValue> {
  const body: Record<string, JsonValue> = { projectId, query: args.query, topK: args.topK };
  const include = args.paths.map(includeGlob).filter((g): g is string => g !== undefined);
  if (include.length > 0) body.include = include;
  if (args.langs.length === 1) body.lang = args.langs[0] ?? "";
  else if (args.langs.length > 1) body.lang = args.langs;
  return body;
}
