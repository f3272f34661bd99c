/**
 * The text index of hybrid search in memory (tests/README.md, "Text index";
 * host-native/src/fakes/text_index.rs): entries by id, each with its tenant, its words (the
 * `words` text split at spaces, empty pieces dropped) and its metadata. A query ranks the
 * tenant's entries by how many distinct terms they hold (exact, byte for byte), then by id in
 * UTF-8 byte order; an entry holding none is no match. A real host ranks by BM25 instead
 * (`textIndexFor`'s D1 FTS5); this ranking is the part of it every host can reproduce.
 * Refusals (nothing written) carry the code `text_index_limit`.
 */
import type { TextEntry, TextIndexBinding, TextMatch } from "../bindings.js";
import type { JsonObject } from "../wire.js";
import { CallLedger } from "./ledger.js";

/** Most entries per `put`: as many as one upsert's vectors (vectorize/platform/limits). */
const MAX_PUT_ENTRIES = 1_000;
/** Most ids per `delete`: as many as one `deleteByIds`. */
const MAX_DELETE_IDS = 100;
/** Longest entry id in UTF-8 bytes: a vector id's limit. */
const MAX_ID_BYTES = 64;

interface Stored {
  user: string;
  project: string;
  words: Set<string>;
  metadata: JsonObject;
}

const utf8 = new TextEncoder();

/** A refusal, whose code the driver and the component's imports pass on. */
function refused(message: string): Error {
  return Object.assign(new Error(message), { code: "text_index_limit" });
}

/** The index itself, synchronous and uncounted: `FakeTextIndex` puts it behind the ledger
 * as a binding, and the component's host in Node calls it directly through the ledger. */
export class TextIndex {
  private readonly entries = new Map<string, Stored>();

  /** Stores the entries, replacing whole entries by id; all or none. */
  put(entries: TextEntry[]): void {
    if (entries.length > MAX_PUT_ENTRIES) throw refused(`${entries.length} entries in one put`);
    const long = entries.find(({ id }) => utf8.encode(id).length > MAX_ID_BYTES);
    if (long !== undefined) throw refused(`id of ${utf8.encode(long.id).length} bytes`);
    for (const { id, user, project, words, metadata } of entries) {
      this.entries.set(id, { user, project, words: new Set(words.split(" ").filter((w) => w !== "")), metadata });
    }
  }

  /** The tenant's entries holding any of `terms`, by how many distinct terms they hold,
   * then by id; the first `topK`. */
  query(user: string, project: string, terms: string[], topK: number): TextMatch[] {
    const distinct = [...new Set(terms)];
    const matches: TextMatch[] = [];
    for (const [id, entry] of this.entries) {
      if (entry.user !== user || entry.project !== project) continue;
      const held = distinct.filter((term) => entry.words.has(term)).length;
      if (held > 0) matches.push({ id, score: held, metadata: entry.metadata });
    }
    return matches.sort((a, b) => b.score - a.score || compareBytes(a.id, b.id)).slice(0, topK);
  }

  /** Deletes the entries of these ids; a missing id is no error. */
  delete(ids: string[]): void {
    if (ids.length > MAX_DELETE_IDS) throw refused(`${ids.length} ids in one delete`);
    for (const id of ids) this.entries.delete(id);
  }

  /** Whether an entry of this id is stored (for `final.textIndex`; not counted). */
  has(id: string): boolean {
    return this.entries.has(id);
  }

  /** Every stored id. */
  ids(): string[] {
    return [...this.entries.keys()];
  }
}

/** The index as a text index binding: every call counted and under the fault plan. */
export class FakeTextIndex implements TextIndexBinding {
  private readonly index = new TextIndex();

  /** Counted on `ledger` (a ledger of its own when none is given). */
  constructor(private readonly ledger: CallLedger = new CallLedger()) {}

  put(entries: TextEntry[]): Promise<void> {
    return this.ledger.call("textIndex.put", async () => this.index.put(entries));
  }

  query(user: string, project: string, terms: string[], topK: number): Promise<TextMatch[]> {
    return this.ledger.call("textIndex.query", async () => this.index.query(user, project, terms, topK));
  }

  delete(ids: string[]): Promise<void> {
    return this.ledger.call("textIndex.delete", async () => this.index.delete(ids));
  }

  /** Whether an entry of this id is stored (not counted). */
  has(id: string): boolean {
    return this.index.has(id);
  }

  /** Every stored id. */
  ids(): string[] {
    return this.index.ids();
  }
}

/** Orders two strings by their UTF-8 bytes, which is the order of their code points (not of
 * their UTF-16 units, which JavaScript's `<` compares). */
function compareBytes(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
