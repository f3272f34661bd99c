/**
 * The example Worker with its optional D1 binding `TEXT_INDEX` (wrangler.jsonc): hybrid
 * search turned on, each chunk's words in D1 beside its vector, a search finding the caller's
 * code alone, a removal taking the words out; and `INDEX_SYNC_CONFIG` may still turn it off.
 */
import { env } from "cloudflare:workers";
import { textIndexFor } from "index-sync";
import { describe, expect, it } from "vitest";
import { chunk, freshWorker, post } from "./harness.js";

const RETRY = chunk("aaa111", "export function retryWithBackoff(attempts) {\n  return attempts * 2;\n}", "src/retry.ts", 1);
const RENDER = chunk("bbb222", "export function renderPage(html) {\n  return html;\n}", "src/render.ts", 1);

/** The text index's tables, as the D1 binding makes them on its first write. */
async function tables(): Promise<string[]> {
  const found = await env.TEXT_INDEX.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'index_sync_text_%' AND type = 'table'").all<{
    name: string;
  }>();
  return found.results.map((r) => r.name).sort();
}

describe("the example Worker with a text index", () => {
  it("keeps each chunk's words in D1 and searches by them and by vectors, for the caller alone", async () => {
    const { workerEnv } = await freshWorker({ TEXT_INDEX: env.TEXT_INDEX });
    const init = await post(workerEnv, "/v1/index/init", "alice@example.com", { projectId: "p", chunks: [RETRY, RENDER] });
    expect(init).toMatchObject({ status: 200, body: { indexed: [RETRY.hash, RENDER.hash] } });
    const words = await textIndexFor(env.TEXT_INDEX).query("alice@example.com", "p", ["backoff"], 10);
    expect(words).toHaveLength(1);
    expect(words[0]?.metadata).toMatchObject({ hash: RETRY.hash, filePath: RETRY.filePath });

    const search = await post(workerEnv, "/v1/index/search", "alice@example.com", { projectId: "p", query: "retry with backoff" });
    expect(search.status).toBe(200);
    expect((search.body.results as { filePath: string }[])[0]?.filePath).toBe(RETRY.filePath);
    const bob = await post(workerEnv, "/v1/index/search", "bob@company.com", { projectId: "p", query: "retry with backoff" });
    expect(bob).toMatchObject({ status: 200, body: { results: [] } });

    const removed = await post(workerEnv, "/v1/index/remove", "alice@example.com", { projectId: "p", all: true });
    expect(removed.status).toBe(200);
    expect(await textIndexFor(env.TEXT_INDEX).query("alice@example.com", "p", ["backoff", "render"], 10)).toEqual([]);
  });

  it("leaves D1 untouched when INDEX_SYNC_CONFIG turns hybrid off", async () => {
    const { workerEnv } = await freshWorker({ TEXT_INDEX: env.TEXT_INDEX, INDEX_SYNC_CONFIG: { hybrid: false } });
    const init = await post(workerEnv, "/v1/index/init", "alice@example.com", { projectId: "p", chunks: [RETRY] });
    expect(init.status).toBe(200);
    const search = await post(workerEnv, "/v1/index/search", "alice@example.com", { projectId: "p", query: "retry" });
    expect(search.status).toBe(200);
    expect(await tables()).toEqual([]);
  });
});
