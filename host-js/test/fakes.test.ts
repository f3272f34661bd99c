/**
 * The AI and Vectorize fakes behave as tests/README.md says, on the same examples the
 * native fakes are tested with, so a scenario sees the same world on every host.
 */
import { describe, expect, it } from "vitest";
import { embed, FakeAi, fnv1a32, tokens } from "./fakes/ai.js";
import { FakeVectorize } from "./fakes/vectorize.js";
import { CallLedger } from "./fakes/world.js";

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

  it("refuses ids over 64 bytes and writes nothing", async () => {
    const long = "é".repeat(33); // 66 bytes in UTF-8, 33 characters
    await expect(index.upsert([{ id: "ok", values: [1] }, { id: long, values: [1] }])).rejects.toThrow(/40008/);
    expect(index.has("ok")).toBe(false);
  });
});
