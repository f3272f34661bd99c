/**
 * index-sync for Cloudflare Workers, on the engine component (`index-sync/component`): the
 * same API, types and errors as the main entry (`index-sync`), with the engine run as the
 * portable WebAssembly component under jco and JSPI instead of the wasm-bindgen module.
 * Switch by changing the import.
 */
export { createIndexer } from "./indexer.js";
export type { Indexer, IndexerOptions, RequestBody } from "../indexer.js";
export type { IndexerConfig } from "../config.js";
export type {
  AiBinding,
  CoordinatorBinding,
  KvBinding,
  KvListOptions,
  Lease,
  TextEntry,
  TextIndexBinding,
  TextMatch,
  VectorizeBinding,
} from "../bindings.js";
export { IndexCoordinator } from "../coordinator/durable-object.js";
export { coordinatorFor } from "../coordinator/adapter.js";
export type { CoordinatorOptions } from "../coordinator/adapter.js";
export { textIndexFor } from "../text-index/d1.js";
export type { WaitUntil } from "../driver.js";
export type { IndexResponse, JsonValue } from "../wire.js";
export { BindingError, ConfigError, IndexSyncError } from "../errors.js";
export type { BindingName, IndexSyncErrorCode } from "../errors.js";
