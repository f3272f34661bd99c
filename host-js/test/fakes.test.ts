/**
 * The AI, Vectorize and text-index fakes and the fault plan behave as tests/README.md and
 * the native fakes (host-native/src/fakes/) say, on the same examples the native fakes are tested
 * with, so a scenario sees the same world on every host.
 */
import { describe, expect, it } from "vitest";
import { CallLedger, embed, FakeAi, FakeTextIndex, FakeVectorize, fnv1a32, tokens } from "index-sync/testing";
import { hostError } from "../dist/effects.js";

describe("fake AI", () => {
  it("tokenises identifiers and hashes with FNV-1a", () => {
    expect(tokens("fn Parse_JSON(x1: 42) -> u8")).toEqual(["fn", "parse_json", "x1", "u8"]);
    expect(fnv1a32("a")).toBe(0xe40c292c);
  });

  it("summarises the first non-blank line of the last message", async () => {
    const ai = new FakeAi(new CallLedger());
    const messages = [
      { role: "system", content: "x" },
      { role: "user", content: "\n  fn a() {}\nmore" },
    ];
    expect(await ai.run("m", { messages })).toEqual({ response: "Summary: fn a() {}" });
    expect(await ai.run("m", { prompt: "   \n" })).toEqual({ response: "Summary: " });
  });

  it("embeds to unit vectors of the model's dimensions, and refuses other input", async () => {
    const ai = new FakeAi(new CallLedger());
    const out = (await ai.run("@cf/baai/bge-small-en-v1.5", { text: ["parse config", "42"] })) as {
      shape: number[];
      data: number[][];
    };
    expect(out.shape).toEqual([2, 384]);
    const [first = [], zero = []] = out.data;
    expect(Math.hypot(...first)).toBeCloseTo(1, 12);
    expect(zero.every((x) => x === 0)).toBe(true);
    expect(embed("Parse parse", 768)[fnv1a32("parse") % 768]).toBe(1);
    await expect(ai.run("m", { image: [] })).rejects.toThrow(/neither/);
  });
});

describe("fake Vectorize", () => {
  const ledger = new CallLedger();
  const index = new FakeVectorize(ledger);
  const meta = (userId: string) => ({ userId, projectId: "p" });

  it("ranks by cosine similarity under the filter, ties by id", async () => {
    await index.upsert([
      { id: "b", values: [1, 0], metadata: meta("alice") },
      { id: "a", values: [1, 0], metadata: meta("alice") },
      { id: "c", values: [0.6, 0.8], metadata: meta("alice") },
      { id: "d", values: [1, 0], metadata: meta("bob") },
    ]);
    const { matches } = await index.query([1, 0], { topK: 3, filter: { userId: { $eq: "alice" }, projectId: "p" } });
    expect(matches.map((m) => m.id)).toEqual(["a", "b", "c"]);
    // float64 over the stored float32 values, as the native fake computes it
    const [x, y] = [Math.fround(0.6), Math.fround(0.8)];
    expect(matches[2]?.score).toBe(x / Math.sqrt(x * x + y * y));
  });

  it("deletes by id, missing ids too, and refuses over 100 ids with code 40007", async () => {
    await index.upsert([{ id: "x", values: [1] }, { id: "y", values: [1] }]);
    await index.deleteByIds(["x", "missing"]);
    expect([index.has("x"), index.has("y")]).toEqual([false, true]);
    const many = Array.from({ length: 101 }, (_, i) => (i === 0 ? "y" : `id${i}`));
    await expect(index.deleteByIds(many)).rejects.toThrow(/VECTOR_DELETE_ERROR code=40007/);
    expect(index.has("y")).toBe(true);
    await index.deleteByIds(many.slice(0, 100));
    expect(index.has("y")).toBe(false);
    expect(ledger.snapshot().get("vectorize.deleteByIds")).toBe(3);
  });

  it("refuses ids over 64 bytes and writes nothing", async () => {
    const long = "é".repeat(33); // 66 bytes in UTF-8, 33 characters
    await expect(index.upsert([{ id: "ok", values: [1] }, { id: long, values: [1] }])).rejects.toThrow(/40008/);
    expect(index.has("ok")).toBe(false);
  });
});

describe("fake text index", () => {
  const entry = (id: string, user: string, words: string) => ({ id, user, project: "p", words, metadata: { hash: id } });

  it("ranks the tenant's entries by distinct terms held, then by id in byte order", async () => {
    const index = new FakeTextIndex();
    await index.put([
      entry("b", "u", "retry backoff"),
      entry("a", "u", "retry"),
      entry("c", "u", "retry retry backoff  delay"),
      entry("d", "u", "parse"),
      entry("e", "other", "retry backoff"),
      entry("\u{10000}", "u", "retry"),
      entry("\uffff", "u", "retry"),
    ]);
    const found = await index.query("u", "p", ["retry", "backoff", "retry"], 10);
    // UTF-8 order puts U+FFFF before U+10000 (UTF-16 order would not).
    expect(found.map((m) => m.id)).toEqual(["b", "c", "a", "\uffff", "\u{10000}"]);
    expect(found[0]).toEqual({ id: "b", score: 2, metadata: { hash: "b" } });
    expect(await index.query("u", "p", ["retry"], 1)).toHaveLength(1);
    expect(await index.query("u", "p", ["Retry"], 5)).toEqual([]);
  });

  it("replaces by id, deletes missing ids too, and refuses past the limits with text_index_limit, writing nothing", async () => {
    const ledger = new CallLedger();
    const index = new FakeTextIndex(ledger);
    await index.put([entry("a", "u", "old")]);
    await index.put([entry("a", "u", "new")]);
    expect(await index.query("u", "p", ["old"], 5)).toEqual([]);
    expect((await index.query("u", "p", ["new"], 5)).map((m) => m.id)).toEqual(["a"]);
    await index.delete(["a", "missing"]);
    expect(index.has("a")).toBe(false);
    const long = "é".repeat(33); // 66 bytes
    const refusal = await index.put([entry("ok", "u", "w"), entry(long, "u", "w")]).catch((e: unknown) => e);
    expect(hostError(refusal)).toEqual({ code: "text_index_limit", message: "id of 66 bytes" });
    expect(index.has("ok")).toBe(false);
    const many = Array.from({ length: 101 }, (_, i) => `id${i}`);
    await expect(index.delete(many)).rejects.toMatchObject({ code: "text_index_limit" });
    expect(ledger.snapshot().get("textIndex.put")).toBe(3);
    expect(ledger.snapshot().get("textIndex.delete")).toBe(2);
  });
});

describe("injected faults", () => {
  const attempt = (ledger: CallLedger, name: "kv.put" | "kv.get") =>
    ledger.call(name, async () => "ok").catch((e: unknown) => (e instanceof Error ? e.message : String(e)));

  it("fail the calls of a name after the skipped ones, and no other name's", async () => {
    const ledger = new CallLedger();
    ledger.failNext("kv.put", 2, "error", 1);
    const outcomes = [];
    for (const name of ["kv.get", "kv.put", "kv.put", "kv.get", "kv.put", "kv.put"] as const) {
      outcomes.push(await attempt(ledger, name));
    }
    expect(outcomes).toEqual(["ok", "ok", "injected failure of kv.put", "ok", "injected failure of kv.put", "ok"]);
  });

  it("fire the first due fault first; the later ones come one call closer on each call", async () => {
    const ledger = new CallLedger();
    ledger.failNext("kv.put", 1, "timeout", 2);
    ledger.failNext("kv.put", 1);
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await attempt(ledger, "kv.put"));
    expect(outcomes).toEqual(["injected failure of kv.put", "ok", "injected time-out of kv.put", "ok"]);
  });
});
