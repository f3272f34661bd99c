/**
 * The in-memory Vectorize fake, kept in a KV namespace of its own, for `wrangler dev`:
 * workerd's local KV outlives the Worker's isolate (a reload, a restart), and an index
 * held only in memory would forget its vectors while KV still holds the markers that say
 * they exist, so search would find nothing for code the engine answers as indexed. Each
 * vector is one key (`vector:{id}`), written as the upsert is; the first call of an
 * isolate reads them all back. For development only: every search ranks every vector.
 */
import type { VectorizeBinding } from "../bindings.js";
import { CallLedger } from "./ledger.js";
import { VectorIndex } from "./vectorize.js";

/** Where each vector is kept in the namespace. */
const KEY_PREFIX = "vector:";
/** Keys per bulk read: KV's limit (kv/api/read-key-value-pairs). */
const BULK_GET_KEYS = 100;

interface StoredVector {
  values: number[];
  metadata?: Record<string, VectorizeVectorMetadata>;
}

/** The fake index over `namespace` (a KV namespace given to nothing else). */
export class StoredVectorize implements VectorizeBinding {
  private readonly index = new VectorIndex();
  private loaded: Promise<void> | undefined;

  constructor(
    private readonly namespace: KVNamespace,
    private readonly ledger: CallLedger = new CallLedger(),
  ) {}

  upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    return this.ledger.call("vectorize.upsert", async () => {
      await this.load();
      const mutation = this.index.upsert(vectors);
      await Promise.all(
        vectors.map(({ id, values, metadata }) => {
          const stored: StoredVector = { values: Array.from(values), ...(metadata ? { metadata } : {}) };
          return this.namespace.put(KEY_PREFIX + id, JSON.stringify(stored));
        }),
      );
      return mutation;
    });
  }

  query(vector: number[] | Float32Array, options: VectorizeQueryOptions): Promise<VectorizeMatches> {
    return this.ledger.call("vectorize.query", async () => {
      await this.load();
      return this.index.query(vector, options);
    });
  }

  deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation> {
    return this.ledger.call("vectorize.deleteByIds", async () => {
      await this.load();
      const mutation = this.index.deleteByIds(ids);
      await Promise.all(ids.map((id) => this.namespace.delete(KEY_PREFIX + id)));
      return mutation;
    });
  }

  /** Reads every stored vector into memory, once per isolate. */
  private load(): Promise<void> {
    this.loaded ??= this.readAll().catch((error: unknown) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }

  private async readAll(): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.namespace.list({ prefix: KEY_PREFIX, ...(cursor === undefined ? {} : { cursor }) });
      const names = page.keys.map((k) => k.name);
      for (let at = 0; at < names.length; at += BULK_GET_KEYS) {
        const values = await this.namespace.get(names.slice(at, at + BULK_GET_KEYS), "text");
        const vectors: VectorizeVector[] = [];
        for (const [key, text] of values) {
          if (text === null) continue;
          const { values: numbers, metadata } = JSON.parse(text) as StoredVector;
          vectors.push({ id: key.slice(KEY_PREFIX.length), values: numbers, ...(metadata ? { metadata } : {}) });
        }
        if (vectors.length > 0) this.index.upsert(vectors);
      }
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor !== undefined);
  }
}
