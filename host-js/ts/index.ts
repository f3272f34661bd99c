/**
 * index-sync for Cloudflare Workers: multi-tenant incremental code indexing over your KV,
 * Workers AI and Vectorize bindings. The engine is Rust compiled to wasm; this package only
 * performs the I/O it asks for.
 */
export { createIndexer } from "./indexer.js";
export type { Indexer, IndexerOptions, RequestBody } from "./indexer.js";
export type { IndexerConfig } from "./config.js";
export type { AiBinding, KvBinding, KvListOptions, VectorizeBinding } from "./bindings.js";
export type { WaitUntil } from "./driver.js";
export type { IndexResponse, JsonValue } from "./wire.js";
export { BindingError, ConfigError, IndexSyncError } from "./errors.js";
export type { BindingName, IndexSyncErrorCode } from "./errors.js";
