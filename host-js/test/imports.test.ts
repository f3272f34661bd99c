/**
 * The component's imports (ts/component/imports.ts) as jco calls them: keyed by the WIT
 * package's version (the one wit/engine.wit declares), the coordinator's `u64`s as bigints
 * both ways and its lease as the WIT variant, the text index's metadata as objects on the
 * binding's side, and an answer of the wrong shape a failed call (`protocol`), as the
 * wasm-bindgen entry's engine judges it.
 */
import { describe, expect, it } from "vitest";
import wit from "../../wit/engine.wit?raw";
import { type Capabilities, componentImports, type CoordinatorImports, WIT_VERSION } from "../dist/component/imports.js";
import type { TextIndexImports } from "../dist/component/text-index.js";

describe("the component's imports", () => {
  it("are keyed by the WIT package's version, with and without it", () => {
    expect(wit).toContain(`package index-sync:engine@${WIT_VERSION};`);
    const keys = Object.keys(componentImports({} as Capabilities));
    for (const name of ["kv", "ai", "vectorize", "coordinator", "text-index"]) {
      expect(keys).toContain(`index-sync:engine/${name}`);
      expect(keys).toContain(`index-sync:engine/${name}@${WIT_VERSION}`);
    }
  });

  it("hand the coordinator numbers and take back its lease as the WIT variant", async () => {
    const calls: unknown[][] = [];
    const coordinator: Capabilities["coordinator"] = {
      acquire: async (...args) => (calls.push(["acquire", ...args]), args.length === 3 ? { granted: 7 } : { busy: 1_767_225_720 }),
      release: async (...args) => void calls.push(["release", ...args]),
      readState: async (...args) => (calls.push(["readState", ...args]), args[1] === "p" ? "state" : null),
      writeState: async (...args) => (calls.push(["writeState", ...args]), true),
      charge: async () => Promise.reject(new Error("not called")),
      credit: async () => undefined,
      usage: async () => [],
    };
    const imports = coordinatorOf(coordinator);
    expect(await imports.acquire("u", "p", 120n, undefined)).toEqual({ tag: "granted", val: 7n });
    expect(await imports.acquire("u", "p", 120n, 7n)).toEqual({ tag: "busy", val: 1_767_225_720n });
    expect(await imports.release("u", "p", 7n)).toBeUndefined();
    expect(await imports.readState("u", "p")).toBe("state");
    expect(await imports.readState("u", "q")).toBeUndefined();
    expect(await imports.writeState("u", "p", 7n, undefined)).toBe(true);
    expect(calls).toEqual([
      ["acquire", "u", "p", 120],
      ["acquire", "u", "p", 120, 7],
      ["release", "u", "p", 7],
      ["readState", "u", "p"],
      ["readState", "u", "q"],
      ["writeState", "u", "p", 7, null],
    ]);
  });

  it("hand the coordinator the quotas' counts and take back its grant and counters as the WIT records", async () => {
    const calls: unknown[][] = [];
    const coordinator: Capabilities["coordinator"] = {
      acquire: async () => ({ granted: 1 }),
      release: async () => undefined,
      readState: async () => null,
      writeState: async () => true,
      charge: async (...args) => (calls.push(["charge", ...args]), { ai: 1, vectors: 2, aiUsed: 3, vectorsHeld: 4, extra: 5 }),
      credit: async (...args) => void calls.push(["credit", ...args]),
      usage: async (...args) => (calls.push(["usage", ...args]), [{ project: "p", aiToday: 1, vectors: 2 }]),
    };
    const imports = coordinatorOf(coordinator);
    expect(await imports.charge("u", "p", 20_454, 2, 2, 3, undefined)).toEqual({ ai: 1, vectors: 2, aiUsed: 3, vectorsHeld: 4 });
    expect(await imports.credit("u", "p", 20_454, 1, 0)).toBeUndefined();
    expect(await imports.usage("u", 20_454)).toEqual([{ project: "p", aiToday: 1, vectors: 2 }]);
    expect(calls).toEqual([
      ["charge", "u", "p", 20_454, 2, 2, 3, null],
      ["credit", "u", "p", 20_454, 1, 0],
      ["usage", "u", 20_454],
    ]);
  });

  it("fail a call whose answer has the wrong shape (protocol), or whose error the binding threw", async () => {
    const odd: Capabilities["coordinator"] = {
      acquire: async () => ({ granted: -1 }) as never,
      release: async () => undefined,
      readState: async () => 42 as never,
      writeState: async () => "yes" as never,
      charge: async () => ({ ai: 1, vectors: 1.5, aiUsed: 1, vectorsHeld: 1 }),
      credit: async () => undefined,
      usage: async () => [{ project: "p", aiToday: -1, vectors: 0 }],
    };
    const imports = coordinatorOf(odd);
    await expect(imports.acquire("u", "p", 1n, undefined)).rejects.toMatchObject({ code: "protocol" });
    await expect(imports.readState("u", "p")).rejects.toMatchObject({ code: "protocol" });
    await expect(imports.writeState("u", "p", 1n, "s")).rejects.toMatchObject({ code: "protocol" });
    await expect(imports.charge("u", "p", 1, 1, undefined, 2, 2)).rejects.toMatchObject({ code: "protocol" });
    await expect(imports.usage("u", 1)).rejects.toMatchObject({ code: "protocol" });
    expect(() => imports.release("u", "p", 2n ** 60n)).toThrow(expect.objectContaining({ code: "protocol" }));
    const down = coordinatorOf({ ...odd, acquire: async () => Promise.reject(new Error("timed out")) });
    await expect(down.acquire("u", "p", 1n, undefined)).rejects.toEqual({ code: "timeout", message: "timed out" });
  });
});

describe("the component's text-index import", () => {
  it("hands the binding entries with their metadata as objects, and its matches back as JSON text", async () => {
    const calls: unknown[][] = [];
    const imports = textIndexOf({
      put: async (...args) => void calls.push(["put", ...args]),
      query: async (...args) => (calls.push(["query", ...args]), [{ id: "a", score: 2, metadata: { hash: "h" } }]),
      delete: async (...args) => void calls.push(["delete", ...args]),
    });
    const entry = { id: "a", user: "u", project: "p", words: "parse config", metadata: '{"hash":"h"}' };
    expect(await imports.put([entry])).toBeUndefined();
    expect(await imports.query("u", "p", ["parse"], 5)).toEqual([{ id: "a", score: 2, metadata: '{"hash":"h"}' }]);
    expect(await imports.delete(["a"])).toBeUndefined();
    expect(calls).toEqual([
      ["put", [{ ...entry, metadata: { hash: "h" } }]],
      ["query", "u", "p", ["parse"], 5],
      ["delete", ["a"]],
    ]);
  });

  it("fails a call whose answer has the wrong shape, a refusal keeping its code, and every call without a binding", async () => {
    const odd = textIndexOf({
      put: async () => Promise.reject(Object.assign(new Error("1001 entries in one put"), { code: "text_index_limit" })),
      query: async () => [{ id: 7, score: 1, metadata: null }] as never,
      delete: async () => undefined,
    });
    await expect(odd.put([])).rejects.toEqual({ code: "text_index_limit", message: "1001 entries in one put" });
    await expect(odd.query("u", "p", ["x"], 1)).rejects.toMatchObject({ code: "protocol" });
    const none = componentImports({} as Capabilities)[`index-sync:engine/text-index@${WIT_VERSION}`] as TextIndexImports;
    expect(() => none.query("u", "p", ["x"], 1)).toThrow(expect.objectContaining({ code: "error" }));
  });
});

/** The text index's imports over `textIndex` (the other bindings are not called). */
function textIndexOf(textIndex: NonNullable<Capabilities["textIndex"]>): TextIndexImports {
  const bindings = { textIndex } as unknown as Capabilities;
  return componentImports(bindings)[`index-sync:engine/text-index@${WIT_VERSION}`] as TextIndexImports;
}

/** The coordinator's imports over `coordinator` (the other bindings are not called). */
function coordinatorOf(coordinator: Capabilities["coordinator"]): CoordinatorImports {
  const bindings = { coordinator } as unknown as Capabilities;
  return componentImports(bindings)[`index-sync:engine/coordinator@${WIT_VERSION}`] as CoordinatorImports;
}
