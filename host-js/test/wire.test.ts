/**
 * The driver's side of the wire form (`ts/wire.ts`): bulk data goes through the arrays
 * beside the JSON, spans point at exactly the right bytes and floats, and anything that is
 * not a clean embedding output goes back as JSON for the engine to judge.
 */
import { describe, expect, it } from "vitest";
import { BatchArrays, bodyBytes, pollStep, type WireOperation } from "../ts/wire.js";

const utf8 = new TextDecoder();

describe("outcomes", () => {
  it("lays KV values end to end as UTF-8, growing past one byte per unit", () => {
    const arrays = new BatchArrays();
    const values = ["ascii", null, "é😀 wide", "", "tail"];
    const outcome = arrays.kvValues(values);
    const text = arrays.text();
    const spans = (outcome as { texts: ([number, number] | null)[] }).texts;
    expect(spans[1]).toBeNull();
    const read = spans.map((span) => (span === null ? null : utf8.decode(text.subarray(span[0], span[1]))));
    expect(read).toEqual(values);
    expect(JSON.parse(JSON.stringify(outcome))).toEqual({ texts: spans });
  });

  it("sends clean embedding rows as floats, anything else as JSON", () => {
    const arrays = new BatchArrays();
    const first = arrays.aiOutput({ shape: [2, 2], data: [[1, 2], [3, 4]] });
    const second = arrays.aiOutput({ data: [[0.5, 0.25]] });
    expect(first).toEqual({ embeddings: { rows: 2, at: [0, 4] } });
    expect(second).toEqual({ embeddings: { rows: 1, at: [4, 6] } });
    expect([...arrays.floats()]).toEqual([1, 2, 3, 4, 0.5, 0.25]);
    for (const output of [
      { response: "a summary" },
      { data: [] },
      { data: [[1, 2], [3]] },
      { data: [[1, "2"]] },
      { data: [[]] },
      null,
    ]) {
      expect(arrays.aiOutput(output)).toEqual({ ok: output });
    }
  });
});

describe("steps", () => {
  const operation = (json: string, floats: number[], text: string): WireOperation => ({
    poll: () => json,
    takeFloats: () => Float32Array.from(floats),
    takeText: () => new TextEncoder().encode(text),
    handle: () => undefined,
  });

  it("reads KV values and vectors from their spans", () => {
    const json = JSON.stringify({
      io: [
        { kind: "kvPut", key: "k", valueAt: [1, 4], ttlSeconds: 60 },
        { kind: "kvPut", key: "forever", valueAt: [0, 1] },
        { kind: "vectorizeUpsert", vectors: [{ id: "v", valuesAt: [1, 3], metadata: { userId: "u" } }] },
        { kind: "vectorizeQuery", vectorAt: [0, 2], topK: 5, filter: {} },
      ],
    });
    const step = pollStep(operation(json, [9, 8, 7], "xéy"));
    expect(step).toEqual({
      io: [
        { kind: "kvPut", key: "k", value: "éy", ttlSeconds: 60 },
        { kind: "kvPut", key: "forever", value: "x" },
        { kind: "vectorizeUpsert", vectors: [{ id: "v", values: Float32Array.from([8, 7]), metadata: { userId: "u" } }] },
        { kind: "vectorizeQuery", vector: Float32Array.from([9, 8]), topK: 5, filter: {} },
      ],
    });
  });

  it("passes other steps through, and request text as UTF-8 bytes", () => {
    expect(pollStep(operation('{"done":true}', [], ""))).toEqual({ done: true });
    expect([...bodyBytes("é")]).toEqual([0xc3, 0xa9]);
    const bytes = new Uint8Array([1, 2]);
    expect(bodyBytes(bytes)).toBe(bytes);
    expect([...bodyBytes(bytes.buffer)]).toEqual([1, 2]);
  });
});
