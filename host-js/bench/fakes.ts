/**
 * The fake world of the benchmarks (tests/README.md, "The fakes, exactly"), in memory, for
 * Node and for a Worker in workerd alike: KV and Vectorize are plain maps, AI is the
 * package's own fake model (`runModel`), the coordinator the package's own table
 * (`CoordinatorTable`: leases, and the record states a no-change phase 1 reads). Every call is counted by the tests' `CallLedger`,
 * and the time spent inside the fakes is kept apart, so a host's own time is its request
 * time minus `ioMs`. Two faces of one implementation: `bindings()` answers with promises,
 * as a Worker's bindings do (the wasm-bindgen module's driver, the component under JSPI);
 * `syncBindings()` answers at once (jco's synchronous host of the component in Node).
 *
 * Vectorize here accepts ids over 64 bytes (real Vectorize refuses them: code 40008) and
 * counts them instead, so the seed's algorithm runs to the end and its calls can be counted.
 */
import type {
  AiBinding,
  Charged,
  CoordinatorBinding,
  KvBinding,
  KvListOptions,
  Lease,
  ProjectUsage,
  VectorizeBinding,
} from "../ts/bindings.js";
import { runModel } from "../ts/testing/ai.js";
import { CoordinatorTable } from "../ts/testing/coordinator.js";
import { CallLedger, SCENARIO_EPOCH } from "../ts/testing/ledger.js";

interface Entry {
  value: string;
  expiresAt: number;
  /** The key's metadata, which a list returns. */
  metadata?: unknown;
}

const MAX_BULK_KEYS = 100;
const MIN_TTL = 60;
const MAX_ID_BYTES = 64;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** What AI calls were given (as host-native/src/fakes/mod.rs `AiUsage` counts it): bytes
 * of messages to text generation, summaries asked for (one per call, or one per chunk of a
 * JSON-mode call), bytes of texts to embed. */
export interface AiUsage {
  generationBytes: number;
  summaries: number;
  embeddingBytes: number;
  generationCalls: number;
  embeddingCalls: number;
}

function addUsage(usage: AiUsage, input: Record<string, unknown>): void {
  const { text, messages, response_format: jsonMode } = input;
  if (text !== undefined) {
    const texts = Array.isArray(text) ? text : [text];
    for (const t of texts) if (typeof t === "string") usage.embeddingBytes += utf8.encode(t).length;
    usage.embeddingCalls += 1;
    return;
  }
  usage.generationCalls += 1;
  const contents = (Array.isArray(messages) ? messages : [])
    .map((m: unknown) => (m as { content?: unknown } | null)?.content)
    .filter((c): c is string => typeof c === "string");
  for (const c of contents) usage.generationBytes += utf8.encode(c).length;
  if (jsonMode === undefined) {
    usage.summaries += 1;
    return;
  }
  try {
    const chunks = (JSON.parse(contents.at(-1) ?? "{}") as { chunks?: unknown[] }).chunks;
    usage.summaries += Array.isArray(chunks) ? chunks.length : 0;
  } catch {
    // Not the engine's JSON mode: no summary asked for.
  }
}

/** KV, AI and Vectorize in memory, with counters and a stopwatch. */
export class World {
  readonly ledger = new CallLedger();
  readonly kvEntries = new Map<string, Entry>();
  readonly vectors = new Map<string, { values: Float32Array; metadata: unknown }>();
  /** The tenants' leases and record states. */
  leases = new CoordinatorTable();
  /** Upserted ids over Vectorize's 64 bytes. */
  longIds = 0;
  /** Milliseconds spent inside the fakes. */
  ioMs = 0;
  /** What the AI calls were given, to estimate what the real models would bill. */
  readonly aiUsage: AiUsage = { generationBytes: 0, summaries: 0, embeddingBytes: 0, generationCalls: 0, embeddingCalls: 0 };
  /** A copy of the world on which every call is made a second time (harness.ts, mode
   * `doubled`: the fakes' own time, found where no clock can time them call by call). */
  shadow?: World;

  constructor() {
    this.ledger.now = SCENARIO_EPOCH;
  }

  get now(): number {
    return this.ledger.now;
  }

  advance(seconds: number): void {
    this.ledger.now += seconds;
    this.shadow?.advance(seconds);
  }

  /** Calls so far, by name. */
  calls(): Map<string, number> {
    return this.ledger.snapshot();
  }

  /** A copy of the entries, vectors, leases, record states and clock, with no calls
   * counted yet. */
  clone(): World {
    const copy = new World();
    copy.ledger.now = this.ledger.now;
    for (const [k, v] of this.kvEntries) copy.kvEntries.set(k, v);
    for (const [k, v] of this.vectors) copy.vectors.set(k, v);
    copy.leases = this.leases.copy();
    return copy;
  }

  /** A KV write from outside (preparing a world): not counted. */
  write(key: string, value: string, ttl?: number, metadata?: unknown): void {
    const expiresAt = ttl === undefined ? Infinity : this.now + ttl;
    this.kvEntries.set(key, metadata === undefined ? { value, expiresAt } : { value, expiresAt, metadata });
  }

  private read(key: string): string | null {
    const entry = this.kvEntries.get(key);
    return entry !== undefined && entry.expiresAt > this.now ? entry.value : null;
  }

  /** One page of live keys under `prefix` after `cursor` (here: the last key of the page
   * before), with a cursor only when more follow. */
  private list({ prefix, cursor, limit }: KvListOptions): KVNamespaceListResult<unknown> {
    const names = [...this.kvEntries.keys()]
      .filter((k) => k.startsWith(prefix) && (cursor === undefined || k > cursor) && this.read(k) !== null)
      .sort();
    const keys = names.slice(0, limit).map((name) => {
      const metadata = this.kvEntries.get(name)?.metadata;
      return metadata === undefined ? { name } : { name, metadata };
    });
    const last = keys.at(-1);
    return names.length > limit && last !== undefined
      ? { keys, list_complete: false, cursor: last.name, cacheStatus: null }
      : { keys, list_complete: true, cacheStatus: null };
  }

  private timed<T>(run: () => T): T {
    const start = performance.now();
    try {
      return run();
    } finally {
      this.ioMs += performance.now() - start;
    }
  }

  /** The bindings, as a Worker's `env` gives them: every method answers with a promise.
   * `get` takes one key or up to 100. The same calls, counts and stopwatch as
   * `syncBindings`, whose answers these are. */
  bindings(): { kv: KvBinding & SingleGet; ai: AiBinding; vectorize: VectorizeBinding; coordinator: CoordinatorBinding } {
    const { kv, ai, vectorize, coordinator } = this.syncBindings();
    return {
      kv: {
        get: (async (keys: string | string[]) => (typeof keys === "string" ? kv.get(keys) : kv.get(keys))) as KvBinding["get"] & SingleGet["get"],
        put: async (key, value, options) => kv.put(key, value, options),
        delete: async (key) => kv.delete(key),
        list: async (options) => kv.list(options),
      },
      ai: { run: async (model, input) => ai.run(model, input) },
      vectorize: {
        upsert: async (vectors) => vectorize.upsert(vectors),
        query: async () => vectorize.query(),
        deleteByIds: async (ids) => vectorize.deleteByIds(ids),
      } as VectorizeBinding,
      coordinator: {
        acquire: async (user, project, seconds, token) => coordinator.acquire(user, project, seconds, token),
        release: async (user, project, token) => coordinator.release(user, project, token),
        readState: async (user, project) => coordinator.readState(user, project),
        writeState: async (user, project, token, state) => coordinator.writeState(user, project, token, state),
        charge: async (user, project, day, ai, aiLimit, vectors, vectorsLimit) =>
          coordinator.charge(user, project, day, ai, aiLimit, vectors, vectorsLimit),
        credit: async (user, project, day, ai, vectors) => coordinator.credit(user, project, day, ai, vectors),
        usage: async (user, day) => coordinator.usage(user, day),
      },
    };
  }

  /** The bindings answering at once, as jco's synchronous host of the component needs
   * them (bench/component-server.ts); with a `shadow`, each call is made on it too. */
  syncBindings(): SyncBindings {
    const own = this.face();
    const shadow = this.shadow?.face();
    return shadow === undefined ? own : echoed(own, shadow);
  }

  private face(): SyncBindings {
    const { ledger } = this;
    const kv: SyncKv = {
      get: ((keys: string | string[]) =>
        this.timed(() => {
          ledger.bill("kv.keysRead", typeof keys === "string" ? 1 : keys.length);
          return ledger.callSync("kv.get", () => {
            if (typeof keys === "string") return this.read(keys);
            if (keys.length > MAX_BULK_KEYS) throw new Error(`bulk get of ${keys.length} keys`);
            return new Map(keys.map((k) => [k, this.read(k)]));
          });
        })) as SyncKv["get"],
      put: (key, value, options) =>
        this.timed(() => {
          ledger.bill("kv.keysWritten", 1);
          ledger.callSync("kv.put", () => {
            const ttl = options?.expirationTtl;
            if (ttl !== undefined && ttl < MIN_TTL) throw new Error(`expirationTtl ${ttl} under 60`);
            this.write(key, typeof value === "string" ? value : utf8Decoder.decode(value), ttl, options?.metadata);
          });
        }),
      delete: (key) =>
        this.timed(() => {
          ledger.bill("kv.keysDeleted", 1);
          ledger.callSync("kv.delete", () => this.kvEntries.delete(key));
        }),
      list: (options) => this.timed(() => ledger.callSync("kv.list", () => this.list(options))),
    };
    const ai = {
      run: (model: string, input: Record<string, unknown>) =>
        this.timed(() => {
          addUsage(this.aiUsage, input);
          return ledger.callSync("ai.run", () => runModel(model, input));
        }),
    };
    const vectorize = {
      upsert: (vectors: VectorizeVector[]) =>
        this.timed(() =>
          ledger.callSync("vectorize.upsert", () => {
            if (vectors.length > 1000) throw new Error(`${vectors.length} vectors in one upsert`);
            for (const { id, values, metadata } of vectors) {
              if (utf8.encode(id).length > MAX_ID_BYTES) this.longIds++;
              this.vectors.set(id, { values: Float32Array.from(values), metadata });
            }
            return { mutationId: "m" };
          }),
        ),
      query: () => this.timed(() => ledger.callSync("vectorize.query", () => ({ matches: [], count: 0 }))),
      deleteByIds: (ids: string[]) =>
        this.timed(() =>
          ledger.callSync("vectorize.deleteByIds", () => {
            for (const id of ids) this.vectors.delete(id);
            return { mutationId: "m" };
          }),
        ),
    };
    const coordinator: SyncCoordinator = {
      acquire: (user, project, seconds, token) =>
        this.timed(() => ledger.callSync("coordinator.acquire", () => this.leases.acquire(user, project, seconds, token, this.now))),
      release: (user, project, token) =>
        this.timed(() => ledger.callSync("coordinator.release", () => this.leases.release(user, project, token))),
      readState: (user, project) => this.timed(() => ledger.callSync("coordinator.readState", () => this.leases.readState(user, project))),
      writeState: (user, project, token, state) =>
        this.timed(() => ledger.callSync("coordinator.writeState", () => this.leases.writeState(user, project, token, state))),
      charge: (user, project, day, ai, aiLimit, vectors, vectorsLimit) =>
        this.timed(() =>
          ledger.callSync("coordinator.charge", () => this.leases.charge(user, project, day, ai, aiLimit, vectors, vectorsLimit)),
        ),
      credit: (user, project, day, ai, vectors) =>
        this.timed(() => ledger.callSync("coordinator.credit", () => this.leases.credit(user, project, day, ai, vectors))),
      usage: (user, day) => this.timed(() => ledger.callSync("coordinator.usage", () => this.leases.usage(user, day))),
    };
    return { kv, ai, vectorize, coordinator };
  }
}

/** The coordinator answering at once. */
export interface SyncCoordinator {
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
}

/** KV answering at once; `get` takes one key or up to 100. */
export interface SyncKv {
  get(key: string): string | null;
  get(keys: string[], type?: "text"): Map<string, string | null>;
  put(key: string, value: string | ArrayBufferView, options?: { expirationTtl?: number; metadata?: unknown }): void;
  delete(key: string): void;
  list(options: KvListOptions): KVNamespaceListResult<unknown>;
}

/** The world's bindings answering at once. */
export interface SyncBindings {
  kv: SyncKv;
  ai: { run(model: string, input: Record<string, unknown>): unknown };
  vectorize: {
    upsert(vectors: VectorizeVector[]): { mutationId: string };
    query(): { matches: VectorizeMatch[]; count: number };
    deleteByIds(ids: string[]): { mutationId: string };
  };
  coordinator: SyncCoordinator;
}

/** `own`'s methods, each also calling `shadow`'s with the same arguments (after its own,
 * outside its stopwatch): every fake's work done twice, on two copies of one world. */
function echoed(own: SyncBindings, shadow: SyncBindings): SyncBindings {
  const twice = <A extends unknown[], R>(first: (...args: A) => R, second: (...args: A) => unknown) =>
    (...args: A): R => {
      const answer = first(...args);
      second(...args);
      return answer;
    };
  return {
    kv: {
      get: twice(own.kv.get as (k: string | string[]) => unknown, shadow.kv.get as (k: string | string[]) => unknown) as SyncKv["get"],
      put: twice(own.kv.put, shadow.kv.put),
      delete: twice(own.kv.delete, shadow.kv.delete),
      list: twice(own.kv.list, shadow.kv.list),
    },
    ai: { run: twice(own.ai.run, shadow.ai.run) },
    vectorize: {
      upsert: twice(own.vectorize.upsert, shadow.vectorize.upsert),
      query: twice(own.vectorize.query, shadow.vectorize.query),
      deleteByIds: twice(own.vectorize.deleteByIds, shadow.vectorize.deleteByIds),
    },
    coordinator: {
      acquire: twice(own.coordinator.acquire, shadow.coordinator.acquire),
      release: twice(own.coordinator.release, shadow.coordinator.release),
      readState: twice(own.coordinator.readState, shadow.coordinator.readState),
      writeState: twice(own.coordinator.writeState, shadow.coordinator.writeState),
      charge: twice(own.coordinator.charge, shadow.coordinator.charge),
      credit: twice(own.coordinator.credit, shadow.coordinator.credit),
      usage: twice(own.coordinator.usage, shadow.coordinator.usage),
    },
  };
}

/** The single-key `get` the seed's Worker code uses. */
export interface SingleGet {
  get(key: string): Promise<string | null>;
}
