/**
 * The driver's side of the wire form (`ts/wire.ts`): bulk data goes through the arrays
 * beside the JSON, spans point at exactly the right bytes and floats, and anything that is
 * not a clean embedding output goes back as JSON for the engine to judge; effects reach
 * the bindings with exactly the options they need (`ts/effects.ts`), the coordinator's
 * included; a refusal that says when to resend carries `retry-after`.
 */
import type { KvBinding } from "index-sync";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../dist/bindings.js";
import { perform } from "../dist/effects.js";
import { BatchArrays, bodyBytes, type Effect, indexResponse, pollStep, type WireOperation } from "../dist/wire.js";

const utf8 = new TextDecoder();

describe("outcomes", () => {
  it.each([
    ["ASCII, encoded at once", ["ascii", null, '{"writtenAt":1}', "", "tail"]],
    ["wider than ASCII", ["ascii", null, "é😀 wide", "", "tail"]],
  ])("lays KV values one after another as UTF-8: %s", (_, values) => {
    const arrays = new BatchArrays();
    const first = arrays.kvValues(values.slice(0, 2)) as { texts: { at: number; lengths: (number | null)[] } };
    const second = arrays.kvValues(values.slice(2)) as typeof first;
    const text = arrays.text();
    const read: (string | null)[] = [];
    for (const { texts } of [first, second]) {
      let at = texts.at;
      for (const length of texts.lengths) {
        read.push(length === null ? null : utf8.decode(text.subarray(at, (at += length))));
      }
    }
    expect(read).toEqual(values);
    expect(second.texts.at).toBe(first.texts.lengths.reduce<number>((sum, n) => sum + (n ?? 0), 0));
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
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
  const operation = (json: string, floats: number[], text: string, bytes = ""): WireOperation => ({
    poll: () => json,
    takeFloats: () => Float32Array.from(floats),
    takeText: () => text,
    takeBytes: () => utf8(bytes),
    handle: () => undefined,
  });
  const utf8 = (text: string) => new TextEncoder().encode(text);

  it("slices KV keys from the text, views values in the bytes and vectors in the floats", () => {
    const json = JSON.stringify({
      io: [
        { kind: "kvGet", keys: { at: 0, lengths: [1, 2] } },
        { kind: "kvPut", keyAt: [3, 4], valueAt: [1, 4], ttlSeconds: 60 },
        { kind: "kvPut", keyAt: [0, 1], valueAt: [4, 4] },
        { kind: "vectorizeUpsert", vectors: [{ id: "v", valuesAt: [1, 3], metadata: { userId: "u" } }] },
        { kind: "vectorizeQuery", vectorAt: [0, 2], topK: 5, filter: {} },
      ],
    });
    // Text spans are UTF-16 ("😀" is two units), byte spans UTF-8 ("é" is two bytes).
    const step = pollStep(operation(json, [9, 8, 7], "a😀k", "xvé"));
    expect(step).toEqual({
      io: [
        { kind: "kvGet", keys: ["a", "😀"] },
        { kind: "kvPut", key: "k", value: utf8("vé"), ttlSeconds: 60 },
        { kind: "kvPut", key: "a", value: utf8("") },
        { kind: "vectorizeUpsert", vectors: [{ id: "v", values: Float32Array.from([8, 7]), metadata: { userId: "u" } }] },
        { kind: "vectorizeQuery", vector: Float32Array.from([9, 8]), topK: 5, filter: {} },
      ],
    });
  });

  it("reads removals and listings as the engine writes them (core/src/wire/step.rs)", () => {
    const json = [
      '{"io":[{"kind":"kvPut","keyAt":[0,1],"valueAt":[0,1],"metadata":{"writtenAt":1}},',
      '{"kind":"kvDelete","keyAt":[1,5]},',
      '{"kind":"kvList","prefix":"chunkHash:u:p:","cursor":"c","limit":1000},',
      '{"kind":"kvList","prefix":"chunkHash:u:p:","limit":2},',
      '{"kind":"vectorizeDeleteByIds","ids":["a","b"]}]}',
    ].join("");
    expect(pollStep(operation(json, [], "kgone", "v"))).toEqual({
      io: [
        { kind: "kvPut", key: "k", value: utf8("v"), metadata: { writtenAt: 1 } },
        { kind: "kvDelete", key: "gone" },
        { kind: "kvList", prefix: "chunkHash:u:p:", cursor: "c", limit: 1000 },
        { kind: "kvList", prefix: "chunkHash:u:p:", limit: 2 },
        { kind: "vectorizeDeleteByIds", ids: ["a", "b"] },
      ],
    });
  });

  it("answers with the engine's JSON text, parsed only when read", () => {
    const step = pollStep(operation('{"respond":{"status":400,"bodyAt":[2,15]}}', [], 'xx{"error":"é"}'));
    if (!("respond" in step)) throw new Error("expected a response");
    expect(step.respond.status).toBe(400);
    expect(step.respond.json).toBe('{"error":"é"}');
    expect(step.respond.body).toEqual({ error: "é" });
  });

  it("reads the coordinator's effects as the engine writes them (core/src/wire/step.rs)", () => {
    const json = [
      '{"io":[{"kind":"coordinatorAcquire","user":"u","project":"p","seconds":120},',
      '{"kind":"coordinatorAcquire","user":"u","project":"p","seconds":120,"token":7},',
      '{"kind":"coordinatorRelease","user":"u","project":"p","token":7},',
      '{"kind":"coordinatorReadState","user":"u","project":"p"},',
      '{"kind":"coordinatorWriteState","user":"u","project":"p","token":7,"state":"s"},',
      '{"kind":"coordinatorWriteState","user":"u","project":"p","token":7}]}',
    ].join("");
    expect(pollStep(operation(json, [], ""))).toEqual({
      io: [
        { kind: "coordinatorAcquire", user: "u", project: "p", seconds: 120 },
        { kind: "coordinatorAcquire", user: "u", project: "p", seconds: 120, token: 7 },
        { kind: "coordinatorRelease", user: "u", project: "p", token: 7 },
        { kind: "coordinatorReadState", user: "u", project: "p" },
        { kind: "coordinatorWriteState", user: "u", project: "p", token: 7, state: "s" },
        { kind: "coordinatorWriteState", user: "u", project: "p", token: 7 },
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

describe("effects", () => {
  const calls: unknown[][] = [];
  const kv: KvBinding = {
    get: async () => new Map(),
    put: async (...args) => void calls.push(["put", ...args]),
    delete: async (key) => void calls.push(["delete", key]),
    list: async (options) => {
      calls.push(["list", options]);
      const keys = [{ name: "pa", metadata: { w: 1 } }, { name: "pb", metadata: null }, { name: "pc", expiration: 9 }];
      return options.cursor === undefined
        ? { keys, list_complete: false, cursor: "next", cacheStatus: null }
        : { keys: [], list_complete: true, cacheStatus: null };
    },
  };
  const vectorize = { deleteByIds: async (ids: string[]) => void calls.push(["deleteByIds", ids]) };
  const bindings = { kv, vectorize, ai: { run: async () => null } } as unknown as Bindings;
  const run = (effect: Effect) => perform(effect, bindings, new BatchArrays());

  it("hand a list page back with metadata only where there is some, and a cursor only when more follow", async () => {
    expect(await run({ kind: "kvList", prefix: "p", limit: 3 })).toEqual({
      ok: { keys: [{ name: "pa", metadata: { w: 1 } }, { name: "pb" }, { name: "pc" }], cursor: "next" },
    });
    expect(await run({ kind: "kvList", prefix: "p", cursor: "next", limit: 3 })).toEqual({ ok: { keys: [] } });
    expect(calls.splice(0)).toEqual([
      ["list", { prefix: "p", limit: 3 }],
      ["list", { prefix: "p", cursor: "next", limit: 3 }],
    ]);
  });

  it("pass a put's TTL and metadata, deletes and deleteByIds to the bindings", async () => {
    const v = new TextEncoder().encode("v");
    expect(await run({ kind: "kvPut", key: "k", value: v, metadata: { w: 1 } })).toEqual({ ok: null });
    await run({ kind: "kvPut", key: "k", value: v, ttlSeconds: 60, metadata: { w: 1 } });
    await run({ kind: "kvPut", key: "k", value: v });
    expect(await run({ kind: "kvDelete", key: "k" })).toEqual({ ok: null });
    expect(await run({ kind: "vectorizeDeleteByIds", ids: ["a"] })).toEqual({ ok: null });
    expect(calls.splice(0)).toEqual([
      ["put", "k", v, { metadata: { w: 1 } }],
      ["put", "k", v, { expirationTtl: 60, metadata: { w: 1 } }],
      ["put", "k", v],
      ["delete", "k"],
      ["deleteByIds", ["a"]],
    ]);
  });

  it("ask the coordinator, and hand its answers back as the engine reads them", async () => {
    const coordinator = {
      acquire: async (...args: unknown[]) => (calls.push(["acquire", ...args]), args.length === 3 ? { granted: 3 } : { busy: 9 }),
      release: async (...args: unknown[]) => void calls.push(["release", ...args]),
      readState: async (...args: unknown[]) => (calls.push(["readState", ...args]), null),
      writeState: async (...args: unknown[]) => (calls.push(["writeState", ...args]), args[3] !== null),
    };
    const run = (effect: Effect) => perform(effect, { ...bindings, coordinator } as unknown as Bindings, new BatchArrays());
    expect(await run({ kind: "coordinatorAcquire", user: "u", project: "p", seconds: 120 })).toEqual({ ok: { granted: 3 } });
    expect(await run({ kind: "coordinatorAcquire", user: "u", project: "p", seconds: 120, token: 3 })).toEqual({ ok: { busy: 9 } });
    expect(await run({ kind: "coordinatorRelease", user: "u", project: "p", token: 3 })).toEqual({ ok: null });
    expect(await run({ kind: "coordinatorReadState", user: "u", project: "p" })).toEqual({ ok: null });
    expect(await run({ kind: "coordinatorWriteState", user: "u", project: "p", token: 3, state: "s" })).toEqual({ ok: true });
    expect(await run({ kind: "coordinatorWriteState", user: "u", project: "p", token: 3 })).toEqual({ ok: false });
    expect(calls.splice(0)).toEqual([
      ["acquire", "u", "p", 120],
      ["acquire", "u", "p", 120, 3],
      ["release", "u", "p", 3],
      ["readState", "u", "p"],
      ["writeState", "u", "p", 3, "s"],
      ["writeState", "u", "p", 3, null],
    ]);
    const down = { ...coordinator, acquire: async () => Promise.reject(new Error("Durable Object reset because its code was updated")) };
    const withDown = { ...bindings, coordinator: down } as unknown as Bindings;
    const failed = await perform({ kind: "coordinatorAcquire", user: "u", project: "p", seconds: 1 }, withDown, new BatchArrays());
    expect(failed).toEqual({ error: { code: "error", message: "Durable Object reset because its code was updated" } });
  });
});

describe("responses", () => {
  it("carry content-type always, and retry-after when a refusal says when to resend", () => {
    const busy = indexResponse(409, '{"error":{"code":"tenant_busy","message":"m","retryAfterSeconds":2}}');
    expect(busy.headers).toEqual({ "content-type": "application/json", "retry-after": "2" });
    expect(busy.body).toMatchObject({ error: { retryAfterSeconds: 2 } });
    expect(indexResponse(200, '{"retryAfterSeconds":5,"needed":[]}').headers).toEqual({ "content-type": "application/json" });
    expect(indexResponse(503, '{"error":{"code":"coordinator_unavailable","message":"m"}}').headers).not.toHaveProperty("retry-after");
    for (const odd of ['{"error":{"retryAfterSeconds":1.5}}', '{"error":{"retryAfterSeconds":"2"}}', "not json"]) {
      expect(indexResponse(409, odd).headers).toEqual({ "content-type": "application/json" });
    }
    expect(() => indexResponse(500, "not json").body).toThrow(SyntaxError);
  });
});
