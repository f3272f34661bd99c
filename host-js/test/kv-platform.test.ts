/**
 * The scenario KV is workerd's own: it refuses what Workers KV refuses (so the fake's
 * refusals are the platform's), and the wrapper expires entries by the fake clock.
 */
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { World } from "./fakes/world.js";

/** Workers KV's documented limits (kv/platform/limits, kv/api/*). */
const MIN_TTL_SECONDS = 60;
const MAX_BULK_GET_KEYS = 100;
const MAX_KEY_BYTES = 512;

let world: World;
beforeEach(async () => {
  world = await World.fresh(env.INDEX_KV);
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

describe("a fresh world", () => {
  it("starts from an empty namespace", async () => {
    await world.kv.put("left-over", "v");
    const next = await World.fresh(env.INDEX_KV);
    expect(await next.kv.has("left-over")).toBe(false);
  });
});
