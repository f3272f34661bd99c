/**
 * The tools' output schemas (JSON Schema), as `tools/list` gives them.
 *
 * `search_code`'s is the local server's exactly (host-native/src/cli/search/results.rs):
 * `{results: [{score, hash, summary, locations: [{filePath, startLine?, endLine?}],
 * snippet}]}`, best first.
 *
 * `index_status`'s has the local server's properties (status.rs), `{userId, projectId,
 * chunks, files, lastIndexedAt}`, all required, from the engine's `status`: its counts are
 * those a complete sync recorded when it found its listing to be exactly the index, and
 * `lastIndexedAt` that sync's time. Any change to the index removes that record (the
 * engine keeps no other count a Worker could read in one call), so `chunks` and `files`
 * may also be `null`: changed since, or never synced completely. The local server reads
 * its store whole and always knows them.
 */

/** A JSON Schema of an object. */
export interface ObjectSchema {
  type: "object";
  [key: string]: unknown;
}

const count = (what: string) => ({
  type: ["integer", "null"],
  minimum: 0,
  description: `${what} null when the index changed since its last complete sync (push again to count), or was never synced completely.`,
});

/** `search_code`'s structured result. */
export const searchOutputSchema: ObjectSchema = {
  type: "object",
  properties: {
    results: {
      type: "array",
      description: "Best first.",
      items: {
        type: "object",
        properties: {
          score: { type: "number", description: "Similarity to the query, higher is better." },
          hash: { type: "string", description: "The chunk's SHA-256." },
          summary: { type: "string", description: "What the code does; empty when summaries are off." },
          locations: {
            type: "array",
            description: "Every place holding this code.",
            items: {
              type: "object",
              properties: {
                filePath: { type: "string", description: "From the project's root." },
                startLine: { type: "integer", minimum: 1 },
                endLine: { type: "integer", minimum: 1 },
              },
              required: ["filePath"],
              additionalProperties: false,
            },
          },
          snippet: { type: "string", description: "The code's first lines." },
        },
        required: ["score", "hash", "summary", "locations", "snippet"],
        additionalProperties: false,
      },
    },
  },
  required: ["results"],
  additionalProperties: false,
};

/** `index_status`'s structured result. */
export const statusOutputSchema: ObjectSchema = {
  type: "object",
  properties: {
    userId: { type: "string" },
    projectId: { type: "string" },
    chunks: count("Chunks in the index: what search can find;"),
    files: count("Distinct files holding them;"),
    lastIndexedAt: {
      type: ["string", "null"],
      description:
        "When a complete sync last found the index to be exactly the project's listing (RFC 3339, UTC); null when the index changed since, or was never synced completely.",
    },
  },
  required: ["userId", "projectId", "chunks", "files", "lastIndexedAt"],
  additionalProperties: false,
};
