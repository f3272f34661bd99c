/**
 * A Vectorize index in memory (tests/README.md, "Vectorize"): upsert replaces whole
 * vectors, all or none; a query ranks every vector whose metadata passes the filter by
 * cosine similarity (float64 over the stored float32 values), then by id; deleteByIds
 * deletes, a missing id being no error.
 */
import type { VectorizeBinding } from "../bindings.js";
import { CallLedger } from "./ledger.js";

/** Longest vector id in UTF-8 bytes (vectorize/platform/limits). */
const MAX_ID_BYTES = 64;
/** Most vectors in one upsert from a Worker (vectorize/platform/limits). */
const MAX_UPSERT_VECTORS = 1_000;
/** Largest metadata of one vector, as JSON, in bytes (vectorize/platform/limits). */
const MAX_METADATA_BYTES = 10 * 1024;
/** Most ids in one `deleteByIds` from a Worker: beyond, `VECTOR_DELETE_ERROR code=40007`
 * (reported by users; the docs give no number). */
const MAX_DELETE_IDS = 100;

type Metadata = Record<string, VectorizeVectorMetadata>;

interface Stored {
  values: Float32Array;
  metadata: Metadata;
}

const utf8Length = (text: string): number => new TextEncoder().encode(text).length;

/** The index itself, synchronous and uncounted: `FakeVectorize` puts it behind the ledger
 * as a binding, and the component's host in Node calls it directly through the ledger. */
export class VectorIndex {
  private readonly vectors = new Map<string, Stored>();

  /** Stores the vectors, all or none. */
  upsert(vectors: VectorizeVector[]): VectorizeAsyncMutation {
    if (vectors.length > MAX_UPSERT_VECTORS) throw new Error(`${vectors.length} vectors in one upsert`);
    for (const { id, metadata } of vectors) {
      if (utf8Length(id) > MAX_ID_BYTES) {
        throw new Error(`VECTOR_UPSERT_ERROR code=40008: id of ${utf8Length(id)} bytes`);
      }
      if (utf8Length(JSON.stringify(metadata ?? {})) > MAX_METADATA_BYTES) {
        throw new Error(`metadata of vector ${id} too large`);
      }
    }
    for (const { id, values, metadata } of vectors) {
      this.vectors.set(id, { values: Float32Array.from(values), metadata: metadata ?? {} });
    }
    return { mutationId: crypto.randomUUID() };
  }

  /** The best `topK` vectors whose metadata passes the filter. */
  query(vector: number[] | Float32Array, options: VectorizeQueryOptions): VectorizeMatches {
    const query = Float32Array.from(vector);
    const matches: VectorizeMatch[] = [...this.vectors]
      .filter(([, { metadata }]) => passes(options.filter, metadata))
      .map(([id, { values, metadata }]) => ({ id, score: cosine(query, values), metadata }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, options.topK);
    return { matches, count: matches.length };
  }

  /** Deletes the vectors of these ids; a missing id is no error. */
  deleteByIds(ids: string[]): VectorizeAsyncMutation {
    if (ids.length > MAX_DELETE_IDS) {
      throw new Error(`VECTOR_DELETE_ERROR code=40007: ${ids.length} ids in one deleteByIds`);
    }
    for (const id of ids) this.vectors.delete(id);
    return { mutationId: crypto.randomUUID() };
  }

  /** Whether a vector of this id is stored (for `final.vectors`; not counted). */
  has(id: string): boolean {
    return this.vectors.has(id);
  }

  /** Every stored id. */
  ids(): string[] {
    return [...this.vectors.keys()];
  }
}

/** The index as a Vectorize binding: every call counted and under the fault plan. */
export class FakeVectorize implements VectorizeBinding {
  private readonly index = new VectorIndex();

  /** Counted on `ledger` (a ledger of its own when none is given). */
  constructor(private readonly ledger: CallLedger = new CallLedger()) {}

  upsert(vectors: VectorizeVector[]): Promise<VectorizeAsyncMutation> {
    return this.ledger.call("vectorize.upsert", async () => this.index.upsert(vectors));
  }

  query(vector: number[] | Float32Array, options: VectorizeQueryOptions): Promise<VectorizeMatches> {
    return this.ledger.call("vectorize.query", async () => this.index.query(vector, options));
  }

  deleteByIds(ids: string[]): Promise<VectorizeAsyncMutation> {
    return this.ledger.call("vectorize.deleteByIds", async () => this.index.deleteByIds(ids));
  }

  /** Whether a vector of this id is stored (for `final.vectors`; not counted). */
  has(id: string): boolean {
    return this.index.has(id);
  }

  /** Every stored id. */
  ids(): string[] {
    return this.index.ids();
  }
}

/** Each filter key must equal the metadata's (given as a value or as `{"$eq": value}`). */
function passes(filter: VectorizeVectorMetadataFilter | undefined, metadata: Metadata): boolean {
  if (filter === undefined) return true;
  return Object.entries(filter).every(([key, condition]) => {
    const want = typeof condition === "object" && condition !== null && "$eq" in condition ? condition.$eq : condition;
    return jsonEqual(metadata[key], want);
  });
}

function jsonEqual(a: unknown, b: unknown): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

/** Cosine similarity in float64; 0 when either norm is 0. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    normA += x * x;
    normB += y * y;
  }
  return normA === 0 || normB === 0 ? 0 : dot / (Math.sqrt(normA) * Math.sqrt(normB));
}
