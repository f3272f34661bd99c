/**
 * The driver and `createIndexer` in workerd, on both entries of the package (the
 * wasm-bindgen module, `index-sync`, and the engine component under jco with JSPI,
 * `index-sync/component`), which must keep one API: named errors for wrong bindings and
 * configs, the engine's error bodies for bad input, failed calls as failed chunks, removals
 * through KV lists and deletes and Vectorize's deleteByIds, and work after the response
 * (handed to `waitUntil` by the module; run before the response by the component, whose
 * operations return only when every effect is done); no running without a coordinator, and
 * a request refused while another holds its tenant's lease says when to resend.
 */
import { env } from "cloudflare:workers";
import * as moduleEntry from "index-sync";
import type { IndexerConfig, IndexerOptions, KvBinding } from "index-sync";
import * as componentEntry from "index-sync/component";
import { beforeEach, describe, expect, it } from "vitest";
import { hostError } from "../dist/effects.js";
import { World } from "./fakes/world.js";

let world: World;
beforeEach(async () => {
  world = await World.fresh(env);
});

const options = (overrides: Partial<IndexerOptions> = {}): IndexerOptions => ({
  ...world.bindings(),
  clock: () => world.ledger.now,
  ...overrides,
});

const CHUNK = { hash: "h1", code: "export function parseConfig(text) {}", filePath: "src/a.ts" };
const initBody = (user: string) => JSON.stringify({ projectId: "p", chunks: [CHUNK], userId: user });
const phase1Body = JSON.stringify({ phase: 1, projectId: "p", chunks: [{ hash: "h1" }] });

const entries = [
  ["wasm-bindgen module (index-sync)", moduleEntry],
  ["component under jco (index-sync/component)", componentEntry],
] as const;

describe.each(entries)("%s", (_, entry) => {
  const { BindingError, ConfigError, createIndexer, IndexSyncError } = entry;
  const isComponent = entry === componentEntry;

  describe("createIndexer", () => {
    it("names a missing binding", () => {
      const { kv: _kv, ...rest } = options();
      const thrown = catchError(() => createIndexer(rest as IndexerOptions));
      expect(thrown).toBeInstanceOf(BindingError);
      expect(thrown).toBeInstanceOf(IndexSyncError);
      expect(thrown).toMatchObject({ code: "missing_binding", binding: "kv" });
    });

    it("will not run without a coordinator, and names the line to add", () => {
      const { coordinator: _coordinator, ...rest } = options();
      const thrown = catchError(() => createIndexer(rest as IndexerOptions));
      expect(thrown).toBeInstanceOf(BindingError);
      expect(thrown).toMatchObject({ code: "missing_binding", binding: "coordinator" });
      expect((thrown as Error).message).toContain("coordinator: coordinatorFor(env.INDEX_COORDINATOR)");
      const c = world.coordinator;
      const partial = {
        acquire: c.acquire.bind(c),
        release: c.release.bind(c),
        readState: c.readState.bind(c),
      } as unknown as IndexerOptions["coordinator"];
      const noWrite = catchError(() => createIndexer(options({ coordinator: partial })));
      expect(noWrite).toMatchObject({ code: "invalid_binding", binding: "coordinator" });
      expect((noWrite as Error).message).toContain("writeState");
      // The namespace itself is no coordinator: it goes through coordinatorFor.
      const namespace = env.INDEX_COORDINATOR as unknown as IndexerOptions["coordinator"];
      expect(catchError(() => createIndexer(options({ coordinator: namespace })))).toMatchObject({ code: "invalid_binding" });
    });

    it("names a binding without the methods it needs", () => {
      const kvWithoutPut = { get: world.kv.get.bind(world.kv) } as unknown as KvBinding;
      const thrown = catchError(() => createIndexer(options({ kv: kvWithoutPut })));
      expect(thrown).toMatchObject({ code: "invalid_binding", binding: "kv" });
      expect((thrown as Error).message).toContain("put");
      // A binding of before removals: no delete, list or deleteByIds.
      const kvWithoutRemoval = { get: world.kv.get.bind(world.kv), put: world.kv.put.bind(world.kv) } as unknown as KvBinding;
      const noRemoval = catchError(() => createIndexer(options({ kv: kvWithoutRemoval })));
      expect(noRemoval).toMatchObject({ code: "invalid_binding", binding: "kv" });
      expect((noRemoval as Error).message).toContain("no delete or list method");
      const { vectorize } = world;
      const indexWithoutDelete = {
        upsert: vectorize.upsert.bind(vectorize),
        query: vectorize.query.bind(vectorize),
      } as unknown as IndexerOptions["vectorize"];
      const noDelete = catchError(() => createIndexer(options({ vectorize: indexWithoutDelete })));
      expect(noDelete).toMatchObject({ code: "invalid_binding", binding: "vectorize" });
      expect((noDelete as Error).message).toContain("deleteByIds");
      const notAnAi = "env.AI" as unknown as IndexerOptions["ai"];
      expect(catchError(() => createIndexer(options({ ai: notAnAi })))).toMatchObject({ code: "invalid_binding", binding: "ai" });
    });

    it("refuses a config the engine refuses, with the engine's reason", () => {
      const low = catchError(() => createIndexer(options({ config: { markerTtlSeconds: 59 } })));
      expect(low).toBeInstanceOf(ConfigError);
      expect(low).toMatchObject({ code: "invalid_config" });
      expect((low as Error).message).toContain("markerTtlSeconds");
      const unknown = catchError(() => createIndexer(options({ config: '{"markerTtl": 100}' })));
      expect(unknown).toMatchObject({ code: "invalid_config" });
    });

    it("takes the config fields of removals and listings by the names IndexerConfig gives them", () => {
      const config = {
        kvListPageSize: 1_000,
        maxKvMetadataBytes: 1_024,
        deleteBatchSize: 100,
        kvOperationBudget: 1_000,
        maxHashPrefixes: 256,
      };
      expect(() => createIndexer(options({ config }))).not.toThrow();
    });

    it("takes the config fields of summaries, lines, snippets, filters, leases and quotas by the names IndexerConfig gives them", () => {
      const config: IndexerConfig = {
        summaryBatchSize: 1,
        summaries: true,
        maxLineNumber: 10_000_000,
        snippetLines: 12,
        maxSnippetBytes: 1_024,
        maxFilterPatterns: 16,
        maxFilterPatternBytes: 256,
        leaseSeconds: 120,
        busyRetryAfterSeconds: 1,
        quotas: { aiChunksPerUserPerDay: 1_000, vectorsPerUser: 10_000 },
      };
      expect(() => createIndexer(options({ config }))).not.toThrow();
    });
  });

  describe("requests", () => {
    it("answers bad input with the engine's error body and makes no call", async () => {
      const indexer = createIndexer(options());
      const response = await indexer.sync("{not json", "alice");
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ error: { code: "invalid_json" } });
      expect(world.ledger.snapshot().size).toBe(0);
    });

    it("takes the body as text, bytes or an ArrayBuffer alike", async () => {
      const indexer = createIndexer(options());
      const bytes = new TextEncoder().encode(phase1Body);
      const answers = await Promise.all([
        indexer.sync(phase1Body, "alice"),
        indexer.sync(bytes, "alice"),
        indexer.sync(bytes.slice().buffer, "alice"),
      ]);
      for (const answer of answers) expect(answer).toEqual(answers[0]);
      expect(answers[0]?.body).toMatchObject({ needed: ["h1"], cached: [] });
    });

    it("turns a throwing binding into a failed chunk, leaving it needed", async () => {
      const ai = { run: () => { throw new Error("AI down"); } };
      const indexer = createIndexer(options({ ai }));
      const response = await indexer.init(initBody("alice"), "alice");
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ indexed: [], failed: [{ hash: "h1", error: { code: "ai_failed" } }] });
      const again = await createIndexer(options()).sync(phase1Body, "alice");
      expect(again.body).toMatchObject({ needed: ["h1"], cached: [] });
    });

    it("carries non-ASCII code and summaries through KV and back, for a second user", async () => {
      const code = "// naïve café ☕ 😀\nexport function crème() {}";
      const body = JSON.stringify({ projectId: "p", chunks: [{ hash: "u1", code, filePath: "src/é.ts" }] });
      const indexer = createIndexer(options());
      expect((await indexer.init(body, "alice")).body).toMatchObject({ indexed: ["u1"], failed: [] });
      const aiCalls = world.ledger.snapshot().get("ai.run");
      expect((await indexer.init(body, "bob")).body).toMatchObject({ indexed: ["u1"], failed: [] });
      expect(world.ledger.snapshot().get("ai.run")).toBe(aiCalls); // bob's came from the cache
      const search = await indexer.search(JSON.stringify({ projectId: "p", query: "crème café" }), "bob");
      expect(search.body).toMatchObject({ results: [{ hash: "u1", filePath: "src/é.ts", summary: "Summary: // naïve café ☕ 😀" }] });
    });

    it("refuses a change while another request holds the lease: 409, Retry-After, nothing read", async () => {
      const held = await world.coordinator.acquire("alice", "p", 120);
      expect(held).toEqual({ granted: 1 });
      const before = world.ledger.snapshot();
      const refused = await createIndexer(options()).init(initBody("alice"), "alice");
      expect(refused.status).toBe(409);
      expect(refused.headers).toEqual({ "content-type": "application/json", "retry-after": "1" });
      expect(refused.body).toMatchObject({ error: { code: "tenant_busy", retryAfterSeconds: 1 } });
      const after = world.ledger.snapshot();
      const made = [...after].filter(([name, n]) => n !== (before.get(name) ?? 0)).map(([name]) => name);
      expect(made).toEqual(["coordinator.acquire"]);
      // A search changes nothing: it takes no lease and is answered.
      expect((await createIndexer(options()).search(JSON.stringify({ projectId: "p", query: "x" }), "alice")).status).toBe(200);
      await world.coordinator.release("alice", "p", 1);
      const answered = await createIndexer(options()).init(initBody("alice"), "alice");
      expect(answered.status).toBe(200);
      expect(answered.headers).toEqual({ "content-type": "application/json" });
    });

    it("refuses 503 when the coordinator cannot be asked or answers nonsense, and does nothing", async () => {
      const c = world.coordinator;
      const answering = (acquire: () => Promise<unknown>) =>
        ({
          acquire,
          release: c.release.bind(c),
          readState: c.readState.bind(c),
          writeState: c.writeState.bind(c),
          charge: c.charge.bind(c),
          credit: c.credit.bind(c),
          usage: c.usage.bind(c),
        }) as IndexerOptions["coordinator"];
      const odd = answering(async () => ({ granted: "one" }));
      const nonsense = await createIndexer(options({ coordinator: odd })).init(initBody("alice"), "alice");
      expect(nonsense.status).toBe(503);
      expect(nonsense.body).toMatchObject({ error: { code: "coordinator_unavailable" } });
      const down = answering(async () => Promise.reject(new Error("Network connection lost.")));
      const unavailable = await createIndexer(options({ coordinator: down })).init(initBody("alice"), "alice");
      expect(unavailable.status).toBe(503);
      expect(unavailable.body).toMatchObject({ error: { code: "coordinator_unavailable" } });
      expect(world.ledger.snapshot().get("kv.get") ?? 0).toBe(0);
      expect(world.ledger.snapshot().get("ai.run") ?? 0).toBe(0);
    });

    it("classifies host errors as timeout, throttled or error", () => {
      expect(hostError(new Error("The operation timed out")).code).toBe("timeout");
      expect(hostError(Object.assign(new Error("slow"), { name: "TimeoutError" })).code).toBe("timeout");
      expect(hostError(new Error("KV PUT failed: 429 Too Many Requests")).code).toBe("throttled");
      expect(hostError("boom")).toEqual({ code: "error", message: "boom" });
    });
  });

  describe("the index follows the project", () => {
    const A = CHUNK;
    const B = { hash: "h2", code: "export function renderChart(points) {}", filePath: "src/b.ts" };
    const marker = (user: string, hash: string) => `chunkHash:${user}:p:${hash}`;

    /** The hashes of `user`'s vectors in project p, sorted (a query: every vector passing
     * the filter comes back). */
    async function vectorHashes(user: string): Promise<unknown[]> {
      const filter = { userId: user, projectId: "p" };
      const { matches } = await world.vectorize.query([1], { topK: 100, filter, returnMetadata: "all" });
      return matches.map((m) => m.metadata?.hash).sort();
    }

    /** Every KV key of `user`'s record of project p: markers and journals. */
    async function recordKeys(user: string): Promise<string[]> {
      return (await env.INDEX_KV.list({ prefix: `chunkHash:${user}:p:` })).keys.map((k) => k.name);
    }

    it("removes what a complete phase 1 lacks, then everything on remove all, and only the caller's", async () => {
      const indexer = createIndexer(options());
      for (const user of ["alice", "bob"]) {
        const init = await indexer.init(JSON.stringify({ projectId: "p", chunks: [A, B] }), user);
        expect(init.body).toMatchObject({ indexed: ["h1", "h2"], failed: [] });
      }

      const listing = { phase: 1, projectId: "p", complete: true, chunks: [{ hash: "h1", filePath: A.filePath }] };
      const phase1 = await indexer.sync(JSON.stringify(listing), "alice");
      expect(phase1.body).toMatchObject({ needed: [], cached: ["h1"], removed: ["h2"], moreToRemove: false });
      expect(await vectorHashes("alice")).toEqual(["h1"]);
      expect(await recordKeys("alice")).toEqual([marker("alice", "h1")]);

      const removed = await indexer.remove(JSON.stringify({ projectId: "p", all: true }), "alice");
      expect(removed.status).toBe(200);
      expect(removed.body).toMatchObject({ removed: ["h1"], failed: [], deferred: [], moreToRemove: false });
      expect(await vectorHashes("alice")).toEqual([]);
      expect(await recordKeys("alice")).toEqual([]);

      expect(await vectorHashes("bob")).toEqual(["h1", "h2"]);
      expect(await recordKeys("bob")).toEqual([marker("bob", "h1"), marker("bob", "h2")]);
      const search = await indexer.search(JSON.stringify({ projectId: "p", query: "renderChart points" }), "bob");
      expect(search.body).toMatchObject({ results: [{ hash: "h2" }, { hash: "h1" }] });
    });
  });

  describe("work after the response", () => {
    const config = { markerTtlSeconds: 86_400, markerRefreshAfterSeconds: 3_600 };

    /** KV whose writes wait for `open()` once `hold()` was called; `whenHeld()` resolves
     * once a write waits (the refresh takes its tenant's lease first: a coordinator call of
     * its own, before its write). */
    function gatedKv(): { kv: KvBinding; hold: () => void; open: () => void; held: () => number; whenHeld: () => Promise<void> } {
      let gate: Promise<void> | undefined;
      let release = () => {};
      let held = 0;
      let announce = () => {};
      const first = new Promise<void>((resolve) => (announce = resolve));
      const kv: KvBinding = {
        get: (keys, type) => world.kv.get(keys, type),
        put: async (key, value, opts) => {
          if (gate) {
            held += 1;
            announce();
            await gate;
          }
          return world.kv.put(key, value, opts);
        },
        delete: (key) => world.kv.delete(key),
        list: (opts) => world.kv.list(opts),
      };
      const hold = () => {
        gate = new Promise((resolve) => (release = resolve));
      };
      return { kv, hold, open: () => release(), held: () => held, whenHeld: () => first };
    }

    async function markerDueForRefresh(kv: KvBinding): Promise<void> {
      await createIndexer(options({ kv, config })).init(initBody("alice"), "alice");
      world.advance(config.markerRefreshAfterSeconds + 1);
    }

    it.skipIf(isComponent)("goes to waitUntil, and the response does not wait for it", async () => {
      const gated = gatedKv();
      await markerDueForRefresh(gated.kv);
      gated.hold();
      const pending: Promise<unknown>[] = [];
      const indexer = createIndexer(options({ kv: gated.kv, config, waitUntil: (p) => pending.push(p) }));
      const response = await indexer.sync(phase1Body, "alice");
      expect(response.body).toMatchObject({ needed: [], cached: ["h1"] });
      expect(pending).toHaveLength(1);
      await gated.whenHeld(); // the refresh was started after the response, and is held
      expect(gated.held()).toBe(1);
      gated.open();
      await Promise.all(pending);
      // init: journal, marker, cache entry; then the refresh
      expect(world.ledger.snapshot().get("kv.put")).toBe(4);
    });

    it.runIf(isComponent)("runs before the response on the component, waitUntil or not", async () => {
      const gated = gatedKv();
      await markerDueForRefresh(gated.kv);
      gated.hold();
      const pending: Promise<unknown>[] = [];
      const indexer = createIndexer(options({ kv: gated.kv, config, waitUntil: (p) => pending.push(p) }));
      let resolved = false;
      const answer = indexer.sync(phase1Body, "alice").then((r) => ((resolved = true), r));
      await gated.whenHeld();
      expect(gated.held()).toBe(1);
      expect(resolved).toBe(false);
      gated.open();
      expect((await answer).body).toMatchObject({ needed: [], cached: ["h1"] });
      expect(pending).toHaveLength(0);
      expect(world.ledger.snapshot().get("kv.put")).toBe(4);
    });

    it("is awaited before the response resolves when there is no waitUntil", async () => {
      const gated = gatedKv();
      await markerDueForRefresh(gated.kv);
      gated.hold();
      const indexer = createIndexer(options({ kv: gated.kv, config }));
      let resolved = false;
      const answer = indexer.sync(phase1Body, "alice").then((r) => ((resolved = true), r));
      await scheduler.wait(20);
      expect(resolved).toBe(false);
      gated.open();
      expect((await answer).body).toMatchObject({ cached: ["h1"] });
      expect(world.ledger.snapshot().get("kv.put")).toBe(4);
    });
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
