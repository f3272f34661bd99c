/**
 * index-sync for Cloudflare Workers: multi-tenant incremental code indexing over your KV,
 * Workers AI and Vectorize bindings, with the `IndexCoordinator` Durable Object exported
 * here ordering the requests of each user and project, and for hybrid search a D1 database
 * as the text index (`textIndexFor`). The engine is Rust compiled to wasm;
 * this package only performs the I/O it asks for.
 */
export { createIndexer } from "./indexer.js";
export type { Indexer, IndexerOptions, RequestBody } from "./indexer.js";
export type { IndexerConfig } from "./config.js";
export type {
  AiBinding,
  Charged,
  CoordinatorBinding,
  KvBinding,
  KvListOptions,
  Lease,
  ProjectUsage,
  TextEntry,
  TextIndexBinding,
  TextMatch,
  VectorizeBinding,
} from "./bindings.js";
export { IndexCoordinator } from "./coordinator/durable-object.js";
export { coordinatorFor } from "./coordinator/adapter.js";
export type { CoordinatorOptions } from "./coordinator/adapter.js";
export { textIndexFor } from "./text-index/d1.js";
export type { WaitUntil } from "./driver.js";
export type { IndexResponse, JsonValue } from "./wire.js";
export { BindingError, ConfigError, IndexSyncError } from "./errors.js";
export type { BindingName, IndexSyncErrorCode } from "./errors.js";
