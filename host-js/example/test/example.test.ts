/**
 * The example Worker in workerd, replaying the seed's curl examples: alice indexes, bob
 * indexes the same code without a single AI call, bob's phase 1 says "cached" only once bob
 * has indexed, and bob's search finds bob's file path, never alice's; alice's remove takes
 * out alice's chunk alone. Each user is known by a bearer token whose digest the TOKENS
 * secret lists; without one, or without the secret, nothing runs. Two overlapping requests
 * of one user and project: one is answered, the other refused 409 with Retry-After.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { World } from "../../test/fakes/world.js";
import { tokenDigest } from "../src/auth.js";
import worker, { type Env } from "../src/worker.js";

const ABC = "abc123";
const DEF = "def456";
const CODE = "export function parseConfig(text) {\n  return JSON.parse(text);\n}";

let world: World;
let workerEnv: Env;

/** Each user's token; TOKENS holds only their digests. */
const TOKEN_OF: Record<string, string> = {
  "alice@example.com": "alice-token-9f1c",
  "bob@company.com": "bob-token-27ad",
};

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

async function tokensSecret(): Promise<string> {
  const entries = await Promise.all(
    Object.entries(TOKEN_OF).map(async ([user, token]) => [hex(await tokenDigest(token)), user] as const),
  );
  return JSON.stringify(Object.fromEntries(entries));
}

beforeEach(async () => {
  world = await World.fresh(env);
  // The Worker gets the real namespace as is; AI and Vectorize are the counting fakes,
  // which implement only the methods index-sync calls, hence the casts.
  workerEnv = {
    INDEX_KV: env.INDEX_KV,
    INDEX_COORDINATOR: env.INDEX_COORDINATOR,
    AI: world.ai as unknown as Ai,
    VECTORIZE: world.vectorize as unknown as Vectorize,
    TOKENS: await tokensSecret(),
  };
});

/** `curl -X POST .../path -H "Authorization: Bearer <user's token>" -d body`, with the
 * calls it made and the headers of the answer; `user` may also be a raw `Authorization`
 * value, or null for none. */
async function post(path: string, user: string | null, body: unknown, method = "POST", extra: Record<string, string> = {}, target: Env = workerEnv) {
  const headers = new Headers({ "content-type": "application/json", ...extra });
  if (user !== null) headers.set("authorization", TOKEN_OF[user] === undefined ? user : `Bearer ${TOKEN_OF[user]}`);
  const request = new Request(`https://index.example${path}`, {
    method,
    headers,
    ...(method === "POST" ? { body: JSON.stringify(body) } : {}),
  });
  const before = world.ledger.snapshot();
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, target, ctx);
  await waitOnExecutionContext(ctx);
  const after = world.ledger.snapshot();
  const calls = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown>, calls };
}

const init = (user: string, projectId: string, filePath: string) =>
  post("/v1/index/init", user, { userId: user, projectId, chunks: [{ hash: ABC, code: CODE, filePath }] });
const phase1 = (user: string, projectId: string) =>
  post("/v1/index/sync", user, { phase: 1, userId: user, projectId, chunks: [{ hash: ABC }, { hash: DEF }] });

describe("the example Worker", () => {
  it("answers the seed's curl examples", async () => {
    const alice = await init("alice@example.com", "alice-project", "src/a.ts");
    expect(alice.status).toBe(200);
    expect(alice.body).toMatchObject({ indexed: [ABC], failed: [] });
    expect(alice.calls("ai.run")).toBe(2); // one summary, one embedding

    const bobBefore = await phase1("bob@company.com", "bob-project");
    expect(bobBefore.body).toMatchObject({ needed: [ABC, DEF], cached: [] }); // alice's code is not bob's

    const bob = await init("bob@company.com", "bob-project", "lib/b.ts");
    expect(bob.status).toBe(200);
    expect(bob.body).toMatchObject({ indexed: [ABC], failed: [] });
    expect(bob.calls("ai.run")).toBe(0); // the shared cache served the summary and embedding

    const bobAfter = await phase1("bob@company.com", "bob-project");
    expect(bobAfter.body).toMatchObject({ needed: [DEF], cached: [ABC] });
    const aliceAgain = await phase1("alice@example.com", "alice-project");
    expect(aliceAgain.body).toMatchObject({ needed: [DEF], cached: [ABC] });

    const search = await post("/v1/index/search", "bob@company.com", { projectId: "bob-project", query: "parse config", topK: 5 });
    expect(search.status).toBe(200);
    const results = search.body.results as { filePath: string }[];
    expect(results.map((r) => r.filePath)).toEqual(["lib/b.ts"]);
  });

  it("takes the user from the token, not from the body or another header", async () => {
    const forged = await post(
      "/v1/index/init",
      "bob@company.com",
      { userId: "alice@example.com", projectId: "alice-project", chunks: [{ hash: ABC, code: CODE, filePath: "src/a.ts" }] },
      "POST",
      { "x-user-id": "alice@example.com" },
    );
    expect(forged.status).toBe(403);
    expect(forged.body).toMatchObject({ error: { code: "user_mismatch" } });
    expect(forged.calls("ai.run") + forged.calls("vectorize.upsert")).toBe(0);
    expect((await env.INDEX_KV.list()).keys).toEqual([]); // refused whole: nothing written
  });

  it("answers 401 to a missing, unknown or malformed token, and runs nothing", async () => {
    const body = { projectId: "p", chunks: [{ hash: ABC, code: CODE, filePath: "src/a.ts" }] };
    for (const authorization of [null, "Bearer nobodys-token", "Basic YWxpY2U6cHc=", "Bearer", `Bearer ${TOKEN_OF["alice@example.com"]}x`]) {
      const refused = await post("/v1/index/init", authorization, body, "POST", { "x-user-id": "alice@example.com" });
      expect(refused.status, String(authorization)).toBe(401);
      expect(refused.body).toMatchObject({ error: { code: "unauthenticated" } });
      expect(refused.calls("ai.run") + refused.calls("kv.get") + refused.calls("kv.put")).toBe(0);
    }
    expect((await env.INDEX_KV.list()).keys).toEqual([]);
    // The scheme's name is not case-sensitive (RFC 9110 §11.1).
    const lower = await post("/v1/index/init", `bearer ${TOKEN_OF["alice@example.com"]}`, body);
    expect(lower.status).toBe(200);
  });

  it("refuses everything when the TOKENS secret is missing or unusable", async () => {
    for (const tokens of [undefined, "", "not json", "[]", "{}", '{"abc": "alice@example.com"}']) {
      const broken = { ...workerEnv, TOKENS: tokens };
      const request = new Request("https://index.example/v1/index/search", {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN_OF["alice@example.com"]}` },
        body: JSON.stringify({ projectId: "p", query: "x" }),
      });
      const ctx = createExecutionContext();
      const response = await worker.fetch(request, broken, ctx);
      await waitOnExecutionContext(ctx);
      expect(response.status, String(tokens)).toBe(500);
      expect(await response.json()).toMatchObject({ error: { code: "auth_not_configured" } });
    }
    expect(world.ledger.snapshot().size).toBe(0);
  });

  it("removes the caller's chunks on /v1/index/remove, and no one else's", async () => {
    await init("alice@example.com", "shared-name", "src/a.ts");
    await init("bob@company.com", "shared-name", "lib/b.ts");
    const removed = await post("/v1/index/remove", "alice@example.com", { projectId: "shared-name", hashes: [ABC, DEF] });
    expect(removed.status).toBe(200);
    // DEF was never indexed: removing it is no error.
    expect(removed.body).toMatchObject({ removed: [ABC, DEF], failed: [], moreToRemove: false });
    expect(removed.calls("vectorize.deleteByIds")).toBe(1);

    const search = (user: string) => post("/v1/index/search", user, { projectId: "shared-name", query: "parse config" });
    expect((await search("alice@example.com")).body).toMatchObject({ results: [] });
    expect((await search("bob@company.com")).body).toMatchObject({ results: [{ filePath: "lib/b.ts" }] });
    expect((await phase1("alice@example.com", "shared-name")).body).toMatchObject({ needed: [ABC, DEF], cached: [] });
  });

  it("runs with index-sync/testing's fakes only in the dev environment, and they outlive the isolate", async () => {
    const dev: Env = {
      INDEX_KV: env.INDEX_KV,
      INDEX_COORDINATOR: env.INDEX_COORDINATOR,
      DEV_VECTORS: env.DEV_VECTORS,
      INDEX_SYNC_BINDINGS: "fakes",
      TOKENS: workerEnv.TOKENS,
    };
    const call = async (target: Env, path: string, body: unknown) => {
      const request = new Request(`https://index.example${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN_OF["alice@example.com"]}` },
        body: JSON.stringify(body),
      });
      const ctx = createExecutionContext();
      const response = await worker.fetch(request, target, ctx);
      await waitOnExecutionContext(ctx);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const indexed = await call(dev, "/v1/index/init", { projectId: "dev", chunks: [{ hash: ABC, code: CODE, filePath: "src/a.ts" }] });
    expect(indexed).toMatchObject({ status: 200, body: { indexed: [ABC] } });
    expect(world.ledger.snapshot().get("ai.run") ?? 0).toBe(0); // the dev fakes, not the test's
    // A new isolate (a reload of `wrangler dev`) reads the vectors back from DEV_VECTORS: the
    // same storage behind another binding object, so the Worker makes its fakes anew.
    const storage = env.DEV_VECTORS;
    const reopened = {
      get: storage.get.bind(storage),
      put: storage.put.bind(storage),
      list: storage.list.bind(storage),
      delete: storage.delete.bind(storage),
    } as unknown as KVNamespace;
    const fresh = { ...dev, DEV_VECTORS: reopened };
    const found = await call(fresh, "/v1/index/search", { projectId: "dev", query: "parse config" });
    expect(found).toMatchObject({ status: 200, body: { results: [{ filePath: "src/a.ts" }] } });
    expect((await env.DEV_VECTORS.list()).keys.map((k) => k.name)).toEqual([`vector:alice@example.com_dev_${ABC}`]);

    // Never the fakes where a real binding is, nor the real path without its bindings.
    const mixed = await call({ ...dev, AI: workerEnv.AI }, "/v1/index/search", { projectId: "dev", query: "x" });
    expect(mixed).toMatchObject({ status: 500, body: { error: { code: "invalid_bindings" } } });
    const bare = await call({ INDEX_KV: env.INDEX_KV, INDEX_COORDINATOR: env.INDEX_COORDINATOR, TOKENS: workerEnv.TOKENS }, "/v1/index/search", {
      projectId: "dev",
      query: "x",
    });
    expect(bare).toMatchObject({ status: 500, body: { error: { code: "missing_binding" } } });
  });

  it("answers one of two overlapping requests of one user and project, and the other 409 with Retry-After", async () => {
    // The first request's AI call waits until released: it holds its project's lease meanwhile.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered = () => {};
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const slowAi = {
      run: async (model: string, input: Record<string, unknown>) => {
        entered();
        await held;
        return world.ai.run(model, input);
      },
    };
    const chunk = (hash: string, code: string, filePath: string) => ({ hash, code, filePath });
    const other = chunk(DEF, "export const other = 1;", "src/b.ts");
    const slowEnv = { ...workerEnv, AI: slowAi as unknown as Ai };
    const first = post("/v1/index/init", "alice@example.com", { projectId: "p", chunks: [chunk(ABC, CODE, "src/a.ts")] }, "POST", {}, slowEnv);
    await inside;
    const second = await post("/v1/index/sync", "alice@example.com", { phase: 2, projectId: "p", chunks: [other] });
    expect(second.status).toBe(409);
    expect(second.headers.get("retry-after")).toBe("1");
    expect(second.body).toMatchObject({ error: { code: "tenant_busy", retryAfterSeconds: 1 } });
    expect(second.calls("ai.run") + second.calls("vectorize.upsert")).toBe(0);
    const written = (await env.INDEX_KV.list({ prefix: "chunkHash:alice@example.com:p:" })).keys.map((k) => k.name);
    expect(written.filter((key) => key.includes(DEF))).toEqual([]); // refused whole: nothing of it written
    // Another project of the same user is another tenant: not refused.
    const elsewhere = await post("/v1/index/init", "alice@example.com", { projectId: "q", chunks: [other] });
    expect(elsewhere.status).toBe(200);
    release();
    const answered = await first;
    expect(answered.status).toBe(200);
    expect(answered.headers.get("retry-after")).toBeNull();
    expect(answered.body).toMatchObject({ indexed: [ABC], failed: [] });
    // Once it is over, the resend goes through.
    const resent = await post("/v1/index/sync", "alice@example.com", { phase: 2, projectId: "p", chunks: [other] });
    expect(resent.status).toBe(200);
  });

  it("refuses to run without the coordinator binding, naming it", async () => {
    const { INDEX_COORDINATOR: _absent, ...rest } = workerEnv;
    const refused = await post("/v1/index/search", "alice@example.com", { projectId: "p", query: "x" }, "POST", {}, rest as Env);
    expect(refused.status).toBe(500);
    expect(refused.body).toMatchObject({ error: { code: "missing_binding" } });
    expect(String((refused.body.error as { message: string }).message)).toContain("INDEX_COORDINATOR");
  });

  it("answers only its routes, the /v1/index/ ones POST only", async () => {
    expect((await post("/v1/index/nope", "alice@example.com", {})).status).toBe(404);
    expect((await post("/mcp/nope", "alice@example.com", {})).status).toBe(404);
    expect((await post("/v1/index/sync", "alice@example.com", {}, "GET")).status).toBe(405);
    const bad = await post("/v1/index/sync", "alice@example.com", { phase: 3, projectId: "p", chunks: [] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: "invalid_phase" } });
  });
});
