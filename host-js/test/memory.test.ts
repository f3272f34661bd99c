/**
 * The pieces the component's host in Node stands on, checked here in workerd since they
 * are plain JavaScript: the memory KV behaves as tests/README.md says (and as workerd's KV
 * under the fake clock does in kv-platform.test.ts), the runner sends bodies as the native
 * runner does, and the comparison with the engine's records catches every kind of
 * difference, so a run that agrees has really been compared.
 */
import { describe, expect, it } from "vitest";
import { compareUtf8, MemoryWorld } from "./fakes/memory.js";
import { disagreements, parseRecords, type StepRecord, worldDisagreements } from "./records.js";
import { canonicalJson } from "./scenario.js";

describe("the memory KV", () => {
  it("refuses what KV refuses and writes nothing", () => {
    const { kv, ledger } = new MemoryWorld();
    expect(() => kv.put("k", "v", { expirationTtl: 59 })).toThrow(/expirationTtl 59/);
    expect(() => kv.put("x".repeat(513), "v")).toThrow(/key of 513 bytes/);
    expect(() => kv.put("k", "v", { metadata: { m: "x".repeat(1_024) } })).toThrow(/metadata/);
    expect(() => kv.get(Array.from({ length: 101 }, (_, i) => `k${i}`), "text")).toThrow(/bulk get of 101/);
    expect(() => kv.list({ prefix: "", limit: 0 })).toThrow(/list limit 0/);
    expect(kv.has("k")).toBe(false);
    expect(ledger.snapshot().get("kv.put")).toBe(3);
  });

  it("expires an entry once the fake clock reaches write time + TTL", () => {
    const world = new MemoryWorld();
    world.kv.put("k", "v", { expirationTtl: 60 });
    world.advance(59);
    expect(world.kv.get(["k", "missing"], "text")).toEqual(new Map([["k", "v"], ["missing", null]]));
    world.advance(1);
    expect(world.kv.has("k")).toBe(false);
  });

  it("lists live keys in UTF-8 order, page by page, a cursor only when a live key follows", () => {
    const world = new MemoryWorld();
    for (const key of ["p:b", "p:a", "p:\u{1F600}", "p:\uFF61", "q:a"]) world.kv.put(key, "v");
    world.kv.put("p:c", "v", { expirationTtl: 60, metadata: { hash: "c" } });
    const first = world.kv.list({ prefix: "p:", limit: 3 });
    expect(first).toEqual({ keys: [{ name: "p:a" }, { name: "p:b" }, { name: "p:c", metadata: { hash: "c" } }], list_complete: false, cursor: "p:c" });
    const second = world.kv.list({ prefix: "p:", cursor: "p:c", limit: 3 });
    expect(second).toEqual({ keys: [{ name: "p:\uFF61" }, { name: "p:\u{1F600}" }], list_complete: true });
    world.advance(60);
    expect(world.kv.list({ prefix: "p:", cursor: "p:b", limit: 1 })).toMatchObject({ keys: [{ name: "p:\uFF61" }] });
    expect(compareUtf8("\uFF61", "\u{1F600}")).toBeLessThan(0); // UTF-16 units order them the other way
  });

  it("counts calls and billed keys, and fails injected ones", () => {
    const world = new MemoryWorld();
    world.ledger.failNext("kv.put", 1, "timeout");
    expect(() => world.kv.put("k", "v")).toThrow(/injected time-out of kv.put/);
    expect(world.kv.has("k")).toBe(true); // a time-out's write did happen
    world.ledger.failNext("kv.delete", 1);
    expect(() => world.kv.delete("k")).toThrow(/injected failure of kv.delete/);
    expect(world.kv.has("k")).toBe(true);
    expect(Object.fromEntries(world.ledger.snapshot())).toEqual({ "kv.put": 1, "kv.keysWritten": 1, "kv.delete": 1, "kv.keysDeleted": 1 });
  });
});

describe("the memory text index", () => {
  it("counts its calls under their three names, and fails injected ones, writing nothing", () => {
    const world = new MemoryWorld();
    const { textIndex } = world.bindings();
    const entry = { id: "a", user: "u", project: "p", words: "parse config", metadata: { hash: "h" } };
    textIndex.put([entry]);
    world.ledger.failNext("textIndex.delete", 1);
    expect(() => textIndex.delete(["a"])).toThrow(/injected failure of textIndex.delete/);
    expect(textIndex.query("u", "p", ["config", "x"], 5)).toEqual([{ id: "a", score: 1, metadata: { hash: "h" } }]);
    expect(world.words.ids()).toEqual(["a"]);
    expect(Object.fromEntries(world.ledger.snapshot())).toEqual({ "textIndex.put": 1, "textIndex.delete": 1, "textIndex.query": 1 });
  });
});

describe("the memory coordinator", () => {
  it("counts its calls under their four names, at the fake clock, and fails injected ones", () => {
    const world = new MemoryWorld();
    const { coordinator } = world.bindings();
    expect(coordinator.acquire("u", "p", 60)).toEqual({ granted: 1 });
    expect(coordinator.acquire("u", "p", 60)).toEqual({ busy: world.ledger.now + 60 });
    world.advance(60);
    world.ledger.failNext("coordinator.acquire", 1);
    expect(() => coordinator.acquire("u", "p", 60)).toThrow(/injected failure of coordinator.acquire/);
    expect(coordinator.acquire("u", "p", 60)).toEqual({ granted: 2 }); // the first ran out
    world.ledger.failNext("coordinator.writeState", 1, "timeout");
    expect(() => coordinator.writeState("u", "p", 2, "s")).toThrow(/injected time-out of coordinator.writeState/);
    expect(coordinator.readState("u", "p")).toBe("s"); // a time-out's write did happen
    coordinator.release("u", "p", 2);
    expect(coordinator.writeState("u", "p", 2, null)).toBe(false);
    expect(Object.fromEntries(world.ledger.snapshot())).toEqual({
      "coordinator.acquire": 4,
      "coordinator.writeState": 2,
      "coordinator.readState": 1,
      "coordinator.release": 1,
    });
  });
});

describe("bodies", () => {
  it("are sent with keys in UTF-8 order, compact, as serde_json writes them", () => {
    expect(canonicalJson({ phase: 1, chunks: [{ hash: "h", filePath: "é" }], a: null })).toBe('{"a":null,"chunks":[{"filePath":"é","hash":"h"}],"phase":1}');
  });
});

describe("the comparison with the engine's records", () => {
  const counted = new Set(["kv.get", "ai.run"]);
  const step = (overrides: Partial<StepRecord> = {}): StepRecord => ({ status: 200, body: { indexed: ["h"], n: 1 }, calls: { "kv.get": 1 }, ...overrides });

  it("agrees on equal records, key order and names this runtime does not count aside", () => {
    const reordered = step({ body: { n: 1, indexed: ["h"] }, calls: { "kv.get": 1, "kv.keysRead": 7 } });
    expect(disagreements([step()], [reordered], counted)).toEqual([]);
  });

  it("names each difference: steps, status, body, a call made or missing", () => {
    expect(disagreements([step(), step()], [step()], counted)).toEqual(["2 vs 1 request steps"]);
    expect(disagreements([step()], [step({ status: 400 })], counted)).toHaveLength(1);
    expect(disagreements([step()], [step({ body: { indexed: [], n: 1 } })], counted)).toHaveLength(1);
    expect(disagreements([step()], [step({ body: { indexed: ["h"], n: 1, extra: true } })], counted)).toHaveLength(1);
    expect(disagreements([step()], [step({ calls: {} })], counted)).toHaveLength(1);
    expect(disagreements([step()], [step({ calls: { "kv.get": 1, "ai.run": 1 } })], counted)).toHaveLength(1);
  });

  it("compares the world a scenario ended with, when the records carry it", () => {
    const ended = { vectors: ["v1", "v2"], textIndex: ["v1"] };
    expect(worldDisagreements({ name: "s", steps: [] }, ended)).toEqual([]);
    expect(worldDisagreements({ name: "s", steps: [], vectors: ["v2", "v1"], textIndex: ["v1"] }, ended)).toEqual([]);
    expect(worldDisagreements({ name: "s", steps: [], world: { vectors: ["v1", "v2"], textIndex: ["v1", "v2"] } }, ended)).toEqual([
      `final textIndex: the engine's hold ["v2"], this runtime's do not`,
    ]);
    expect(worldDisagreements({ name: "s", steps: [], textIndex: [] }, ended)).toEqual([
      `final textIndex: this runtime's hold ["v1"], the engine's do not`,
    ]);
  });

  it("refuses a file that is not a records file", () => {
    expect(() => parseRecords('{"steps": []}')).toThrow(/not a records file/);
  });
});
