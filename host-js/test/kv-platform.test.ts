/**
 * The scenario KV is workerd's own: it refuses what Workers KV refuses (so the fake's
 * refusals are the platform's), and the wrapper expires entries by the fake clock, in
 * reads and lists alike, and keeps the engine's metadata apart from its own.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { World } from "./fakes/world.js";

/** Workers KV's documented limits (kv/platform/limits, kv/api/*). */
const MIN_TTL_SECONDS = 60;
const MAX_BULK_GET_KEYS = 100;
const MAX_KEY_BYTES = 512;
const MAX_LIST_KEYS = 1_000;

let world: World;
beforeEach(async () => {
  world = await World.fresh(env);
});

describe("workerd's KV under the fake clock", () => {
  it("refuses a TTL under the minimum and writes nothing", async () => {
    await expect(world.kv.put("k", "v", { expirationTtl: MIN_TTL_SECONDS - 1 })).rejects.toThrow();
    expect(await world.kv.has("k")).toBe(false);
    await world.kv.put("k", "v", { expirationTtl: MIN_TTL_SECONDS });
    expect(await world.kv.has("k")).toBe(true);
  });

  it("refuses a bulk read over the limit", async () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);
    await expect(world.kv.get(keys(MAX_BULK_GET_KEYS + 1), "text")).rejects.toThrow();
    expect((await world.kv.get(keys(MAX_BULK_GET_KEYS), "text")).size).toBe(MAX_BULK_GET_KEYS);
  });

  it("refuses a key over the limit", async () => {
    await expect(world.kv.put("k".repeat(MAX_KEY_BYTES + 1), "v")).rejects.toThrow();
  });

  it("expires an entry once the fake clock reaches write time + TTL", async () => {
    await world.kv.put("marker", "v", { expirationTtl: 90 });
    await world.kv.put("forever", "v");
    world.advance(89);
    expect(await world.kv.get(["marker", "forever"], "text")).toEqual(new Map([["marker", "v"], ["forever", "v"]]));
    world.advance(1);
    expect(await world.kv.get(["marker", "forever"], "text")).toEqual(new Map([["marker", null], ["forever", "v"]]));
  });

  it("counts every call and fails injected ones before they touch anything", async () => {
    world.ledger.failNext("kv.put", 1);
    await expect(world.kv.put("k", "v")).rejects.toThrow(/injected/);
    expect(await world.kv.has("k")).toBe(false);
    await world.kv.put("k", "v");
    expect(world.ledger.snapshot().get("kv.put")).toBe(2);
  });
});

describe("lists and deletes", () => {
  it("lists live keys in key order, page by page, with the engine's metadata only", async () => {
    await world.kv.put("p:c", "v", { metadata: { writtenAt: 3 } });
    await world.kv.put("p:a", "v", { metadata: { writtenAt: 1 }, expirationTtl: 600 });
    await world.kv.put("p:b", "v");
    await world.kv.put("q:a", "v", { metadata: { other: true } });
    const first = await world.kv.list({ prefix: "p:", limit: 2 });
    expect(first).toMatchObject({
      keys: [{ name: "p:a", metadata: { writtenAt: 1 } }, { name: "p:b" }],
      list_complete: false,
    });
    expect(first.keys[1]).toEqual({ name: "p:b" }); // no metadata, and never the wrapper's
    if (first.list_complete) throw new Error("expected a cursor");
    const second = await world.kv.list({ prefix: "p:", cursor: first.cursor, limit: 2 });
    expect(second).toMatchObject({ keys: [{ name: "p:c", metadata: { writtenAt: 3 } }], list_complete: true });
    expect(world.ledger.snapshot().get("kv.list")).toBe(2);
  });

  it("leaves out keys expired by the fake clock, and ends the listing when only those follow", async () => {
    await world.kv.put("p:a", "v");
    await world.kv.put("p:b", "v", { expirationTtl: 60 });
    await world.kv.put("p:c", "v");
    await world.kv.put("p:d", "v", { expirationTtl: 60 });
    world.advance(60);
    const first = await world.kv.list({ prefix: "p:", limit: 2 });
    expect(first).toMatchObject({ keys: [{ name: "p:a" }, { name: "p:c" }], list_complete: true });
    expect(await world.kv.list({ prefix: "p:", limit: 1 })).toMatchObject({ keys: [{ name: "p:a" }], list_complete: false });
  });

  it("refuses a page over the limit", async () => {
    await expect(world.kv.list({ prefix: "p:", limit: MAX_LIST_KEYS + 1 })).rejects.toThrow();
    await expect(world.kv.list({ prefix: "p:", limit: 0 })).rejects.toThrow();
    expect((await world.kv.list({ prefix: "p:", limit: MAX_LIST_KEYS })).list_complete).toBe(true);
  });

  it("deletes a key, and a missing key without error, counting each call", async () => {
    await world.kv.put("k", "v");
    await world.kv.delete("k");
    await world.kv.delete("never-written");
    expect(await world.kv.has("k")).toBe(false);
    expect(world.ledger.snapshot().get("kv.delete")).toBe(2);
  });
});

describe("a fresh world", () => {
  it("starts from an empty namespace", async () => {
    await world.kv.put("left-over", "v");
    const next = await World.fresh(env);
    expect(await next.kv.has("left-over")).toBe(false);
  });
});
