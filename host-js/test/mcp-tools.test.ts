/**
 * index-sync/mcp's tools apart from the protocol: `path` and `lang` as the engine's
 * filters, the arguments the input schema refuses (with the local server's messages), and
 * the text of results (the local server's blocks: `path:start-end  score`, the code's
 * first ten lines, the summary). The protocol round trip is example/test/mcp.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { JsonValue } from "../dist/wire.js";
import { human, searchOutcome, statusOutcome } from "../dist/mcp/results.js";
import { BadArguments, includeGlob, searchArguments, searchBody } from "../dist/mcp/tools.js";

const tenant = { userId: "alice@example.com", projectId: "p" };

describe("search_code's arguments", () => {
  it("anchors names at the project's root and passes globs as they are", () => {
    expect(includeGlob("src/cli")).toBe("/src/cli");
    expect(includeGlob("./src/")).toBe("/src/");
    expect(includeGlob("/lib/a.rs")).toBe("/lib/a.rs");
    expect(includeGlob("a\\b")).toBe("/a\\\\b");
    expect(includeGlob("**/*_test.go")).toBe("**/*_test.go");
    expect(includeGlob("src/[ab].rs")).toBe("src/[ab].rs");
    expect(includeGlob(".")).toBeUndefined();
    expect(includeGlob("./")).toBeUndefined();
  });

  it("makes the engine's search body: include globs, one language as a string, several as a list", () => {
    const read = searchArguments({ query: "retry", topK: 3, path: ["src", "*.ts", "."], lang: "rs" });
    expect(searchBody("p", read)).toEqual({ projectId: "p", query: "retry", topK: 3, include: ["/src", "*.ts"], lang: "rs" });
    expect(searchBody("p", searchArguments({ query: "q", lang: ["ts", "tsx"] }))).toEqual({ projectId: "p", query: "q", topK: 10, lang: ["ts", "tsx"] });
    expect(searchBody("p", searchArguments({ query: "q", path: "." }))).toEqual({ projectId: "p", query: "q", topK: 10 });
  });

  it("refuses what the input schema refuses, saying why", () => {
    for (const [args, why] of [
      [{}, "query is required"],
      [{ query: 3 }, "query is a non-empty string"],
      [{ query: "q", topK: 2.5 }, "topK is a positive integer"],
      [{ query: "q", lang: [1] }, "lang holds strings only"],
      [{ query: "q", top_k: 1 }, 'unknown argument "top_k"'],
    ] as const) {
      const thrown = (() => {
        try {
          searchArguments(args);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(thrown, JSON.stringify(args)).toBeInstanceOf(BadArguments);
      expect((thrown as Error).message.startsWith(why), (thrown as Error).message).toBe(true);
    }
  });
});

describe("the tools' results", () => {
  const code = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`).join("\n");
  const result = (snippet: string, summary = ""): JsonValue => ({
    score: 0.81234,
    hash: "h",
    summary,
    filePath: "a.rs",
    filePaths: ["a.rs", "b.rs"],
    locations: [{ filePath: "a.rs", startLine: 3, endLine: 14 }, { filePath: "b.rs" }],
    snippet,
  });

  it("answers structured content of exactly the output schema's keys, and a block per place", () => {
    const outcome = searchOutcome(tenant, "q", 200, { results: [result(code, "Does things.")] });
    expect(outcome).toMatchObject({
      structured: {
        results: [{ score: 0.81234, hash: "h", summary: "Does things.", locations: [{ filePath: "a.rs", startLine: 3, endLine: 14 }, { filePath: "b.rs" }], snippet: code }],
      },
    });
    const text = "text" in outcome ? outcome.text : "";
    const block = ["    line 1", "    line 2", "    line 3", "    line 4", "    line 5", "    line 6", "    line 7", "    line 8", "    line 9", "    line 10", "    … 2 more lines", "  summary: Does things."];
    expect(text).toBe([`a.rs:3-14  0.812`, ...block, "", `b.rs  0.812`, ...block, ""].join("\n"));
  });

  it("says when the index keeps no code, and when nothing is found", () => {
    expect(human([{ score: 0.5, hash: "h", summary: "", locations: [{ filePath: "x.rs", startLine: 1, endLine: 2 }], snippet: "" }])).toBe(
      "x.rs:1-2  0.500\n    (the index keeps no code for this result)\n",
    );
    expect(searchOutcome(tenant, 'a "q"', 200, { results: [] })).toEqual({ structured: { results: [] }, text: 'no results for "a \\"q\\"" in project p' });
  });

  it("answers a refusal as the tool's error, code: message", () => {
    const refused = { error: { code: "invalid_filter", message: "an unclosed [" } };
    expect(searchOutcome(tenant, "q", 400, refused)).toEqual({ failed: "invalid_filter: an unclosed [" });
    expect(statusOutcome(tenant, 503, { error: { code: "coordinator_unavailable", message: "down" } })).toEqual({ failed: "coordinator_unavailable: down" });
  });

  it("answers status with the recorded counts, or nulls while the index has changed", () => {
    const counted = statusOutcome(tenant, 200, { projectId: "p", indexed: true, chunks: 3, files: 2, checkedAt: "2026-01-01T00:00:00Z" });
    expect(counted).toEqual({
      structured: { userId: "alice@example.com", projectId: "p", chunks: 3, files: 2, lastIndexedAt: "2026-01-01T00:00:00Z" },
      text: "project p of alice@example.com: 3 chunks in 2 files, last indexed 2026-01-01T00:00:00Z",
    });
    const changed = statusOutcome(tenant, 200, { projectId: "p", indexed: false, message: "the index changed since its last complete sync" });
    expect(changed).toEqual({
      structured: { userId: "alice@example.com", projectId: "p", chunks: null, files: null, lastIndexedAt: null },
      text: "project p of alice@example.com: the index changed since its last complete sync",
    });
  });
});
