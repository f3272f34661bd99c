/**
 * The fake world in memory and synchronous (tests/README.md, "The fakes, exactly"), for the
 * component's host in Node: jco's synchronous bindings call an import and take its value
 * at once, so no fake here returns a promise. KV is a map with expiry by the fake clock and
 * the platform's refusals, as host-native/src/fakes/kv.rs; AI, Vectorize, the text index and
 * the coordinator are index-sync/testing's own (`runModel`, `VectorIndex`, `TextIndex`,
 * `CoordinatorTable`);
 * calls are counted, and faults fired, by the same `CallLedger` as in workerd.
 */
import type { Charged, KvListOptions, Lease, ProjectUsage, TextEntry, TextMatch } from "index-sync";
import { CallLedger, CoordinatorTable, runModel, TextIndex, VectorIndex } from "index-sync/testing";

/** KV refuses an `expirationTtl` under this (kv/api/write-key-value-pairs). */
const MIN_TTL_SECONDS = 60;
/** Longest key in bytes (kv/platform/limits). */
const MAX_KEY_BYTES = 512;
/** Largest value in bytes (kv/platform/limits). */
const MAX_VALUE_BYTES = 25 * 1024 * 1024;
/** Most keys in one bulk read (kv/api/read-key-value-pairs). */
const MAX_BULK_GET_KEYS = 100;
/** Largest metadata of a key, as JSON, in bytes (kv/platform/limits). */
const MAX_METADATA_BYTES = 1_024;
/** Most keys in one list page (kv/api/list-keys). */
const MAX_LIST_KEYS = 1_000;

const utf8 = new TextEncoder();
const utf8Length = (text: string): number => utf8.encode(text).length;

interface Entry {
  value: string;
  /** Fake Unix seconds from which the entry is gone; none: it does not expire. */
  expiresAt?: number;
  metadata?: unknown;
}

/** What a write takes, as Workers KV's `put` does. */
interface PutOptions {
  expirationTtl?: number;
  metadata?: unknown;
}

/** A listed key: its metadata only when it has some. */
interface ListedKey {
  name: string;
  metadata?: unknown;
}

/** One page, in the shape of Workers KV's `list`. */
export interface MemoryPage {
  keys: ListedKey[];
  list_complete: boolean;
  cursor?: string;
}

/** Orders two strings by their UTF-8 bytes, which is the order of their code points (not
 * of their UTF-16 units, which JavaScript's `<` compares). */
export function compareUtf8(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** A Workers KV namespace in memory, with the binding's methods, answering at once. */
export class MemoryKv {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly ledger: CallLedger) {}

  get(keys: string[], _type: "text"): Map<string, string | null> {
    this.ledger.bill("kv.keysRead", keys.length);
    return this.ledger.callSync("kv.get", () => {
      if (keys.length > MAX_BULK_GET_KEYS) {
        throw new Error(`bulk get of ${keys.length} keys; at most ${MAX_BULK_GET_KEYS}`);
      }
      return new Map(keys.map((key) => [key, this.read(key)]));
    });
  }

  put(key: string, value: string, options?: PutOptions): void {
    this.ledger.bill("kv.keysWritten", 1);
    this.ledger.callSync("kv.put", () => this.write(key, value, options));
  }

  delete(key: string): void {
    this.ledger.bill("kv.keysDeleted", 1);
    this.ledger.callSync("kv.delete", () => this.entries.delete(key));
  }

  list(options: KvListOptions): MemoryPage {
    return this.ledger.callSync("kv.list", () => this.page(options));
  }

  /** A write with the platform's refusals, uncounted: `put`'s body, and a scenario's
   * `kvPut` step (written as another version of the code might, not as a call). */
  write(key: string, value: string, options?: PutOptions): void {
    const ttl = options?.expirationTtl;
    const metadata = options?.metadata;
    if (metadata !== undefined && utf8Length(JSON.stringify(metadata)) > MAX_METADATA_BYTES) {
      throw new Error(`metadata over ${MAX_METADATA_BYTES} bytes`);
    }
    if (ttl !== undefined && ttl < MIN_TTL_SECONDS) {
      throw new Error(`expirationTtl ${ttl}; at least ${MIN_TTL_SECONDS}`);
    }
    if (utf8Length(key) > MAX_KEY_BYTES) throw new Error(`key of ${utf8Length(key)} bytes`);
    if (utf8Length(value) > MAX_VALUE_BYTES) throw new Error(`value of ${utf8Length(value)} bytes`);
    const entry: Entry = { value };
    if (ttl !== undefined) entry.expiresAt = this.ledger.now + ttl;
    if (metadata !== undefined) entry.metadata = metadata;
    this.entries.set(key, entry);
  }

  /** Whether `key` holds a live entry at the fake clock (for `final.kv`; not counted). */
  has(key: string): boolean {
    return this.read(key) !== null;
  }

  /** The value of a live key, or `null`. */
  private read(key: string): string | null {
    const entry = this.entries.get(key);
    return entry !== undefined && this.live(entry) ? entry.value : null;
  }

  private live(entry: Entry): boolean {
    return entry.expiresAt === undefined || this.ledger.now < entry.expiresAt;
  }

  /** Up to `limit` live keys under `prefix` after `cursor` (the last key of the page
   * before), in UTF-8 order, and a cursor only when a live key follows. */
  private page({ prefix, cursor, limit }: KvListOptions): MemoryPage {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_KEYS) {
      throw new Error(`list limit ${limit}; from 1 to ${MAX_LIST_KEYS}`);
    }
    const names = [...this.entries]
      .filter(([name, entry]) => name.startsWith(prefix) && this.live(entry))
      .filter(([name]) => cursor === undefined || compareUtf8(name, cursor) > 0)
      .sort(([a], [b]) => compareUtf8(a, b));
    const keys = names.slice(0, limit).map(([name, { metadata }]) => (metadata === undefined ? { name } : { name, metadata }));
    const last = keys.at(-1);
    return names.length > limit && last !== undefined
      ? { keys, list_complete: false, cursor: last.name }
      : { keys, list_complete: true };
  }
}

/** The bindings of a memory world: synchronous look-alikes of KV, Workers AI, Vectorize,
 * the text index and the coordinator. */
export interface MemoryBindings {
  kv: MemoryKv;
  ai: { run(model: string, input: Record<string, unknown>): unknown };
  vectorize: {
    upsert(vectors: VectorizeVector[]): VectorizeAsyncMutation;
    query(vector: Float32Array, options: VectorizeQueryOptions): VectorizeMatches;
    deleteByIds(ids: string[]): VectorizeAsyncMutation;
  };
  textIndex: {
    put(entries: TextEntry[]): void;
    query(user: string, project: string, terms: string[], topK: number): TextMatch[];
    delete(ids: string[]): void;
  };
  coordinator: {
    acquire(user: string, project: string, seconds: number, token?: number): Lease;
    release(user: string, project: string, token: number): void;
    readState(user: string, project: string): string | null;
    writeState(user: string, project: string, token: number, state: string | null): boolean;
    charge(
      user: string,
      project: string,
      day: number,
      ai: number,
      aiLimit: number | null,
      vectors: number,
      vectorsLimit: number | null,
    ): Charged;
    credit(user: string, project: string, day: number, ai: number, vectors: number): void;
    usage(user: string, day: number): ProjectUsage[];
  };
}

/** KV, AI, Vectorize, the text index and the coordinator in memory over one ledger, with
 * the fake clock. */
export class MemoryWorld {
  readonly ledger = new CallLedger();
  readonly kv = new MemoryKv(this.ledger);
  readonly index = new VectorIndex();
  readonly words = new TextIndex();
  readonly leases = new CoordinatorTable();

  /** Moves the fake clock; KV entries whose TTL ran out read as absent from then on. */
  advance(seconds: number): void {
    this.ledger.now += seconds;
  }

  /** The bindings, each call counted and under the fault plan. */
  bindings(): MemoryBindings {
    const { ledger, index, words, leases } = this;
    return {
      kv: this.kv,
      ai: { run: (model, input) => ledger.callSync("ai.run", () => runModel(model, input)) },
      vectorize: {
        upsert: (vectors) => ledger.callSync("vectorize.upsert", () => index.upsert(vectors)),
        query: (vector, options) => ledger.callSync("vectorize.query", () => index.query(vector, options)),
        deleteByIds: (ids) => ledger.callSync("vectorize.deleteByIds", () => index.deleteByIds(ids)),
      },
      textIndex: {
        put: (entries) => ledger.callSync("textIndex.put", () => words.put(entries)),
        query: (user, project, terms, topK) => ledger.callSync("textIndex.query", () => words.query(user, project, terms, topK)),
        delete: (ids) => ledger.callSync("textIndex.delete", () => words.delete(ids)),
      },
      coordinator: {
        acquire: (user, project, seconds, token) =>
          ledger.callSync("coordinator.acquire", () => leases.acquire(user, project, seconds, token, ledger.now)),
        release: (user, project, token) => ledger.callSync("coordinator.release", () => leases.release(user, project, token)),
        readState: (user, project) => ledger.callSync("coordinator.readState", () => leases.readState(user, project)),
        writeState: (user, project, token, state) =>
          ledger.callSync("coordinator.writeState", () => leases.writeState(user, project, token, state)),
        charge: (user, project, day, ai, aiLimit, vectors, vectorsLimit) =>
          ledger.callSync("coordinator.charge", () => leases.charge(user, project, day, ai, aiLimit, vectors, vectorsLimit)),
        credit: (user, project, day, ai, vectors) =>
          ledger.callSync("coordinator.credit", () => leases.credit(user, project, day, ai, vectors)),
        usage: (user, day) => ledger.callSync("coordinator.usage", () => leases.usage(user, day)),
      },
    };
  }
}
