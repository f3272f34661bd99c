/**
 * The engine's config as the engine reads it (camelCase JSON, every field optional; the
 * defaults are a working Cloudflare setup and each platform number's source is documented
 * in `core/src/config.rs`). Unknown fields are refused by the engine.
 */
export interface IndexerConfig {
  /** Lifetime of a per-tenant chunk marker (default 30 days), judged from the marker's
   * `writtenAt`: the KV entry itself keeps no TTL, since it is the chunk's record. */
  markerTtlSeconds?: number;
  /** Age after which a marker seen as cached is rewritten (default: half the TTL). */
  markerRefreshAfterSeconds?: number;
  /** Lifetime of a shared embedding-cache entry (default: no expiry). */
  cacheTtlSeconds?: number;
  /** KV's smallest `expirationTtl`. */
  minTtlSeconds?: number;
  /** Who shares the embedding cache: every tenant, or one user's projects. */
  cacheScope?: "global" | "user";
  summaryModel?: string;
  summaryPrompt?: string;
  summaryMaxTokens?: number;
  summaryConcurrency?: number;
  /** Chunks summarised in one text-generation call (JSON mode); 1 is one call per chunk. */
  summaryBatchSize?: number;
  /** Whether chunks are summarised at all (off: the code alone is embedded). */
  summaries?: boolean;
  embeddingModel?: string;
  embeddingPooling?: string;
  embeddingDimensions?: number;
  embeddingBatchSize?: number;
  kvBulkGetSize?: number;
  /** Keys per KV list page (at most 1,000). */
  kvListPageSize?: number;
  maxKvKeyBytes?: number;
  maxKvMetadataBytes?: number;
  upsertBatchSize?: number;
  /** Ids per Vectorize `deleteByIds` (at most 100). */
  deleteBatchSize?: number;
  maxVectorIdBytes?: number;
  maxMetadataBytes?: number;
  maxTopK?: number;
  defaultTopK?: number;
  /** Host operations one request may make (Workers' per-invocation limit). */
  operationBudget?: number;
  /** KV operations one request may make (KV's per-invocation limit). */
  kvOperationBudget?: number;
  maxBodyBytes?: number;
  maxChunksPerRequest?: number;
  maxCodeBytes?: number;
  maxIdBytes?: number;
  maxFilePathBytes?: number;
  maxSummaryBytes?: number;
  maxQueryBytes?: number;
  /** Most `hashPrefixes` in one part of a complete listing. */
  maxHashPrefixes?: number;
  /** Largest line number a chunk's place may give (`startLine`, `endLine`). */
  maxLineNumber?: number;
  /** Lines of a chunk's code kept in its vector's metadata as search's `snippet` (0: none). */
  snippetLines?: number;
  /** Longest snippet in bytes. */
  maxSnippetBytes?: number;
  /** Most patterns one search's filters may give (`include`, `exclude`, `lang` together). */
  maxFilterPatterns?: number;
  /** Longest glob or extension of a search filter, in bytes. */
  maxFilterPatternBytes?: number;
  /** How long a tenant's lease lasts unless released (a request that died holding it locks
   * its tenant out that long at most). */
  leaseSeconds?: number;
  /** `Retry-After` of a `409 tenant_busy`, in seconds. */
  busyRetryAfterSeconds?: number;
  /** Hybrid search (default off): every chunk's words kept in the tenant's text index beside
   * its vector, and a search ranked by reciprocal-rank fusion of the vectors' similarity and
   * the words' BM25. Needs the `textIndex` binding (`textIndexFor(env.TEXT_INDEX)`). */
  hybrid?: boolean;
  /** The `k` of reciprocal-rank fusion (default 60): a result scores the sum of
   * 1 / (k + its rank) over the rankings that hold it. */
  rrfK?: number;
  /** The operator's guard, per user across their projects (off by default: no limit, no
   * counting). A day is a UTC day. */
  quotas?: {
    /** Chunks that needed AI work (misses of the shared cache) per user per day. */
    aiChunksPerUserPerDay?: number;
    /** Vectors a user may hold. */
    vectorsPerUser?: number;
  };
}

/** The config as the JSON text the engine reads. */
export function configJson(config: IndexerConfig | string | undefined): string {
  if (config === undefined) return "";
  return typeof config === "string" ? config : JSON.stringify(config);
}

/** Whether the config (JSON text) turns hybrid search on, and so needs the text index. Text
 * that is not a JSON object does not: the engine refuses it (`ConfigError`) itself. */
export function isHybrid(configText: string): boolean {
  try {
    const parsed: unknown = JSON.parse(configText);
    return typeof parsed === "object" && parsed !== null && (parsed as { hybrid?: unknown }).hybrid === true;
  } catch {
    return false;
  }
}
