/**
 * What a client talks to: the engine behind the package's driver, the engine behind any
 * `Indexer` of the package's API (the component's entries), or the seed's algorithm. One
 * call is one Worker invocation.
 */
import { drive } from "../ts/driver.js";
import type { Bindings } from "../ts/bindings.js";
import type { Indexer } from "../ts/indexer.js";
import type { Operation } from "../ts/engine.js";
import { bodyBytes, type JsonValue } from "../ts/wire.js";

/** An HTTP-shaped answer. */
export interface Answer {
  status: number;
  body: JsonValue;
}

/** The two requests the workloads send; `body` is the request's JSON text. */
export interface Server {
  init(body: string, userId: string): Promise<Answer>;
  sync(body: string, userId: string): Promise<Answer>;
  /** `false` for a server without complete listings (the seed's algorithm): its client
   * lists hashes alone. */
  completeSync?: false;
}

/** The parts of the wasm-bindgen module (`pkg/index_sync_js.js`) the bench uses. */
export interface EnginePkg {
  initSync(options: { module: WebAssembly.Module }): unknown;
  Indexer: new (configJson: string) => {
    start(kind: string, userId: string, body: string | Uint8Array, nowSeconds: number): Operation;
  };
}

/** The engine as `createIndexer` runs it: `start`, then the package's own `drive` loop
 * (steps out of wasm and outcomes back in, JSON with the bulk beside it), refreshes
 * awaited before the answer. */
export function engineServer(pkg: EnginePkg, configJson: string, bindings: Bindings, now: () => number): Server {
  const indexer = new pkg.Indexer(configJson);
  return {
    init: (body, userId) => drive(indexer.start("init", userId, bodyBytes(body), now()), bindings),
    sync: (body, userId) => drive(indexer.start("sync", userId, bodyBytes(body), now()), bindings),
  };
}

/** Any `Indexer` (`createIndexer` of `index-sync/component`, or the component under jco in
 * Node) as a `Server`: its answer handed back as it comes, the body parsed only when the
 * client reads it, as `engineServer`'s (`drive`'s) is. */
export function indexerServer(indexer: Pick<Indexer, "init" | "sync">): Server {
  return {
    init: (body, userId) => indexer.init(body, userId),
    sync: (body, userId) => indexer.sync(body, userId),
  };
}
