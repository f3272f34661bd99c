/**
 * The example Worker's `POST /v1/index/usage` and `POST /v1/index/status`, behind the same
 * bearer tokens as the other routes: usage answers the caller's own counters against the
 * quotas the `INDEX_SYNC_CONFIG` var sets (an init over the AI quota fails its last chunk
 * `quota_exceeded`), status a project's counts once a complete sync recorded them.
 */
import { describe, expect, it } from "vitest";
import { chunk, freshWorker, post, send } from "./harness.js";

const QUOTAS = { aiChunksPerUserPerDay: 2, vectorsPerUser: 10 };
const code = (name: string) => `export function ${name}(input) {\n  return input.${name}_field;\n}`;
const A = chunk("aaa111", code("first"), "src/a.ts", 1);
const B = chunk("bbb222", code("second"), "src/a.ts", 5);
const C = chunk("ccc333", code("third"), "lib/c.ts", 1);

describe("the example Worker's usage and status routes", () => {
  it("answers usage with the caller's own figures against the configured quotas", async () => {
    const { workerEnv } = await freshWorker({ INDEX_SYNC_CONFIG: JSON.stringify({ quotas: QUOTAS }) });
    const init = await post(workerEnv, "/v1/index/init", "alice@example.com", { projectId: "p", chunks: [A, B, C] });
    expect(init.status).toBe(200);
    expect(init.body).toMatchObject({ indexed: [A.hash, B.hash], failed: [{ hash: C.hash, error: { code: "quota_exceeded" } }] });
    expect(init.body.quota).toMatchObject({ aiChunksLeft: 0, vectorsLeft: 8 });

    const alice = await post(workerEnv, "/v1/index/usage", "alice@example.com", {});
    expect(alice.status).toBe(200);
    expect(alice.body).toMatchObject({
      quotas: QUOTAS,
      aiChunksToday: 2,
      vectorsHeld: 2,
      projects: [{ projectId: "p", aiChunksToday: 2, vectorsHeld: 2 }],
    });
    expect(typeof alice.body.resetAt).toBe("string");
    // An empty body is `{}`; another user's figures are their own.
    const empty = await send(workerEnv, "/v1/index/usage", { user: "alice@example.com", body: "" });
    expect(await empty.json()).toMatchObject({ aiChunksToday: 2, vectorsHeld: 2 });
    const bob = await post(workerEnv, "/v1/index/usage", "bob@company.com", {});
    expect(bob.body).toMatchObject({ aiChunksToday: 0, vectorsHeld: 0, projects: [] });
    const bobsP = await post(workerEnv, "/v1/index/usage", "bob@company.com", { projectId: "p" });
    expect(bobsP.body).toMatchObject({ aiChunksToday: 0, vectorsHeld: 0, projects: [{ projectId: "p", aiChunksToday: 0, vectorsHeld: 0 }] });
  });

  it("answers usage without quotas: nothing counted, quotas null", async () => {
    const { workerEnv } = await freshWorker();
    await post(workerEnv, "/v1/index/init", "alice@example.com", { projectId: "p", chunks: [A] });
    const usage = await post(workerEnv, "/v1/index/usage", "alice@example.com", {});
    expect(usage).toMatchObject({ status: 200, body: { quotas: null, aiChunksToday: 0, vectorsHeld: 0 } });
  });

  it("answers a config the engine refuses with 500 invalid_config", async () => {
    const { workerEnv } = await freshWorker({ INDEX_SYNC_CONFIG: '{"quotas": {"aiChunks": 1}}' });
    const usage = await post(workerEnv, "/v1/index/usage", "alice@example.com", {});
    expect(usage).toMatchObject({ status: 500, body: { error: { code: "invalid_config" } } });
  });

  it("answers status with the counts a complete sync recorded, for the caller's project only", async () => {
    const { workerEnv } = await freshWorker();
    const before = await post(workerEnv, "/v1/index/status", "alice@example.com", { projectId: "p" });
    expect(before).toMatchObject({ status: 200, body: { projectId: "p", indexed: false } });
    await post(workerEnv, "/v1/index/init", "alice@example.com", { projectId: "p", chunks: [A, B, C] });
    const listing = [A, B, C].map(({ hash, filePath, startLine, endLine }) => ({ hash, filePath, startLine, endLine }));
    const complete = await post(workerEnv, "/v1/index/sync", "alice@example.com", { phase: 1, projectId: "p", chunks: listing, complete: true });
    expect(complete.body).toMatchObject({ needed: [], removed: [] });
    const after = await post(workerEnv, "/v1/index/status", "alice@example.com", { projectId: "p" });
    expect(after).toMatchObject({ status: 200, body: { projectId: "p", indexed: true, chunks: 3, files: 2 } });
    expect(Date.parse(String(after.body.checkedAt))).not.toBeNaN();
    const bob = await post(workerEnv, "/v1/index/status", "bob@company.com", { projectId: "p" });
    expect(bob.body).toMatchObject({ indexed: false });
  });

  it("refuses both without a valid token (401, WWW-Authenticate) and answers POST only", async () => {
    const { world, workerEnv } = await freshWorker();
    for (const path of ["/v1/index/usage", "/v1/index/status"]) {
      for (const user of [null, "Bearer nobodys-token"]) {
        const refused = await send(workerEnv, path, { user, body: { projectId: "p" } });
        expect(refused.status, `${path} ${String(user)}`).toBe(401);
        expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer /);
        expect(await refused.json()).toMatchObject({ error: { code: "unauthenticated" } });
      }
      const get = await send(workerEnv, path, { user: "alice@example.com", method: "GET" });
      expect(get.status).toBe(405);
    }
    expect(world.ledger.snapshot().size).toBe(0);
  });
});
