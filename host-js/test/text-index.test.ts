/**
 * The text index of hybrid search on D1 (`textIndexFor`), inside workerd over a local D1
 * database (`TEXT_INDEX`, example/wrangler.jsonc; miniflare's SQLite has FTS5): tenants kept
 * apart, BM25 order over Porter-stemmed words, deletes, a put replacing by id, puts and
 * deletes larger than one statement binds; and `createIndexer` with the config's `hybrid` on
 * both entries: the text index required by name, and a search that finds code by its words
 * through D1.
 */
import { reset } from "cloudflare:test";
import { env } from "cloudflare:workers";
import * as moduleEntry from "index-sync";
import { type IndexerOptions, type TextEntry, textIndexFor } from "index-sync";
import * as componentEntry from "index-sync/component";
import { beforeEach, describe, expect, it } from "vitest";
import { World } from "./fakes/world.js";

beforeEach(async () => {
  await reset();
});

const entry = (id: string, user: string, words: string, project = "p"): TextEntry => ({
  id,
  user,
  project,
  words,
  metadata: { hash: id, filePath: `src/${id}.ts` },
});

const ids = (matches: { id: string }[]) => matches.map((m) => m.id);

/** Entries in the database, all tenants. */
async function rows(): Promise<number> {
  const counted = await env.TEXT_INDEX.prepare("SELECT count(*) AS n FROM index_sync_text_entries").first<{ n: number }>();
  const words = await env.TEXT_INDEX.prepare("SELECT count(*) AS n FROM index_sync_text_words").first<{ n: number }>();
  expect(words?.n).toBe(counted?.n);
  return counted?.n ?? 0;
}

describe("textIndexFor (D1, FTS5)", () => {
  it("answers the caller's tenant alone, best BM25 first, with the metadata", async () => {
    const index = textIndexFor(env.TEXT_INDEX);
    expect(await index.query("alice", "p", ["parse"], 10)).toEqual([]); // no table yet: empty
    await index.put([
      entry("a1", "alice", "parse config json parse"),
      entry("a2", "alice", "parse value from text and more words"),
      entry("a3", "alice", "render html"),
      entry("a4", "alice", "parse config", "other-project"),
      entry("b1", "bob", "parse config json"),
    ]);
    const found = await index.query("alice", "p", ["parse", "config"], 10);
    expect(ids(found)).toEqual(["a1", "a2"]);
    const [best, next] = found;
    expect(best?.score).toBeGreaterThan(next?.score ?? Infinity);
    expect(next?.score).toBeGreaterThan(0);
    expect(best?.metadata).toEqual({ hash: "a1", filePath: "src/a1.ts" });
    expect(ids(await index.query("bob", "p", ["parse"], 10))).toEqual(["b1"]);
    expect(ids(await index.query("alice", "p", ["parse", "config"], 1))).toEqual(["a1"]);
    // Porter-stemmed: "parsing" and "configs" find "parse" and "config".
    expect(ids(await index.query("alice", "p", ["configs"], 10))).toEqual(["a1"]);
    expect(ids(await index.query("alice", "p", ["parsing"], 10))).toEqual(["a1", "a2"]);
    // Quoted: words that are FTS5 operators, a quote inside a term, nothing to match.
    expect(await index.query("alice", "p", ["OR", 'x"y', "NEAR", "-"], 10)).toEqual([]);
    // "and" is a word of a2's: a3, shorter, holds the other term as rare.
    expect(ids(await index.query("alice", "p", ["AND", "html"], 10))).toEqual(["a3", "a2"]);
    expect(await index.query("alice", "p", [], 10)).toEqual([]);
  });

  it("keeps `_` inside a word", async () => {
    const index = textIndexFor(env.TEXT_INDEX);
    await index.put([entry("x", "alice", "parse_config"), entry("y", "alice", "parse config")]);
    expect(ids(await index.query("alice", "p", ["parse_config"], 10))).toEqual(["x"]);
    expect(ids(await index.query("alice", "p", ["config"], 10))).toEqual(["y"]);
  });

  it("deletes by id, a missing id too, and a put replaces a whole entry by id", async () => {
    const index = textIndexFor(env.TEXT_INDEX);
    await index.put([entry("a1", "alice", "retry backoff"), entry("a2", "alice", "retry"), entry("a3", "alice", "render")]);
    await index.delete(["a1", "missing"]);
    expect(ids(await index.query("alice", "p", ["retry", "backoff"], 10))).toEqual(["a2"]);
    expect(await rows()).toBe(2);
    // a2's words replaced; a3 moves to bob.
    await index.put([entry("a2", "alice", "render html"), entry("a3", "bob", "render")]);
    expect(await index.query("alice", "p", ["retry"], 10)).toEqual([]);
    expect(ids(await index.query("alice", "p", ["render"], 10))).toEqual(["a2"]);
    expect(ids(await index.query("bob", "p", ["render"], 10))).toEqual(["a3"]);
    expect(await rows()).toBe(2);
    // The same id twice in one put: the last one given.
    await index.put([entry("a4", "alice", "first"), entry("a4", "alice", "second")]);
    expect(ids(await index.query("alice", "p", ["second"], 10))).toEqual(["a4"]);
    expect(await index.query("alice", "p", ["first"], 10)).toEqual([]);
  });

  it("puts and deletes more entries than one statement binds", async () => {
    const index = textIndexFor(env.TEXT_INDEX);
    const many = Array.from({ length: 260 }, (_, i) => entry(`id${String(i).padStart(3, "0")}`, "alice", `common word${i}`));
    await index.put(many);
    await index.put(many.slice(0, 60)); // replaces, adds nothing
    expect(await rows()).toBe(260);
    const all = await index.query("alice", "p", ["common"], 1000);
    expect(all).toHaveLength(260);
    // Equal scores: by id.
    expect(ids(all)).toEqual([...ids(all)].sort());
    expect(ids(await index.query("alice", "p", ["word7", "word123"], 10))).toEqual(["id007", "id123"]);
    await index.delete(many.slice(0, 150).map((e) => e.id));
    expect(await rows()).toBe(110);
  });

  it("names a missing or wrong database", () => {
    expect(catchError(() => textIndexFor(undefined as unknown as D1Database))).toMatchObject({
      code: "missing_binding",
      binding: "textIndex",
    });
    expect(catchError(() => textIndexFor(env.INDEX_KV as unknown as D1Database))).toMatchObject({
      code: "invalid_binding",
      binding: "textIndex",
    });
  });
});

describe.each([
  ["wasm-bindgen module (index-sync)", moduleEntry],
  ["component under jco (index-sync/component)", componentEntry],
] as const)("hybrid search on %s", (_, entry) => {
  const { BindingError, createIndexer } = entry;

  it("needs the text index, by name, only with the config's hybrid", async () => {
    const world = await World.fresh(env);
    const { textIndex: _textIndex, ...rest } = world.bindings();
    const thrown = catchError(() => createIndexer({ ...rest, config: { hybrid: true } }));
    expect(thrown).toBeInstanceOf(BindingError);
    expect(thrown).toMatchObject({ code: "missing_binding", binding: "textIndex" });
    expect((thrown as Error).message).toContain("textIndex: textIndexFor(env.TEXT_INDEX)");
    const wrong = { put: world.textIndex.put.bind(world.textIndex) } as unknown as IndexerOptions["textIndex"];
    expect(catchError(() => createIndexer({ ...rest, textIndex: wrong, config: '{"hybrid": true}' }))).toMatchObject({
      code: "invalid_binding",
      binding: "textIndex",
    });
    expect(() => createIndexer({ ...rest, config: { hybrid: false } })).not.toThrow();
    expect(() => createIndexer(rest)).not.toThrow();
  });

  it("indexes each chunk's words in D1 and finds code by them; removal takes them out", async () => {
    const world = await World.fresh(env);
    const textIndex = textIndexFor(env.TEXT_INDEX);
    const indexer = createIndexer({ ...world.bindings(), textIndex, config: { hybrid: true }, clock: () => world.ledger.now });
    const chunks = [
      { hash: "h1", code: "export function retryWithBackoff(attempts) { return attempts * 2; }", filePath: "src/retry.ts" },
      { hash: "h2", code: "export function renderPage(html) { return html; }", filePath: "src/render.ts" },
    ];
    const init = await indexer.init(JSON.stringify({ projectId: "p", chunks }), "alice");
    expect(init.status).toBe(200);
    expect(await rows()).toBe(2);
    const search = await indexer.search(JSON.stringify({ projectId: "p", query: "retry with backoff" }), "alice");
    expect(search.status).toBe(200);
    const results = (search.body as { results: { filePath: string }[] }).results;
    expect(results[0]?.filePath).toBe("src/retry.ts");
    const other = await indexer.search(JSON.stringify({ projectId: "p", query: "retry with backoff" }), "bob");
    expect((other.body as { results: unknown[] }).results).toEqual([]);
    const removed = await indexer.remove(JSON.stringify({ projectId: "p", all: true }), "alice");
    expect(removed.status).toBe(200);
    expect(await rows()).toBe(0);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
