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
}

/** The config as the JSON text the engine reads. */
export function configJson(config: IndexerConfig | string | undefined): string {
  if (config === undefined) return "";
  return typeof config === "string" ? config : JSON.stringify(config);
}
