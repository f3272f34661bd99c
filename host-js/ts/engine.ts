/**
 * The wasm engine, instantiated on first use from the module Workers compiled at upload
 * (`import mod from "./x.wasm"`): nothing is compiled from bytes at run time, and nothing
 * that needs a request is created at module top level.
 */
import wasmModule from "../pkg/index_sync_js_bg.wasm";
import { Indexer, type Operation, initSync } from "../pkg/index_sync_js.js";

export type { Indexer, Operation };

let instantiated = false;
/** One engine per config text, reused across requests: an `Indexer` lives in wasm memory. */
const indexers = new Map<string, Indexer>();

/** The `Indexer` for a config as JSON text; throws the engine's coded `Error` if refused. */
export function indexerFor(configJson: string): Indexer {
  if (!instantiated) {
    initSync({ module: wasmModule });
    instantiated = true;
  }
  let indexer = indexers.get(configJson);
  if (indexer === undefined) {
    indexer = new Indexer(configJson);
    indexers.set(configJson, indexer);
  }
  return indexer;
}
