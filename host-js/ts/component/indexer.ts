/**
 * `createIndexer` over the engine component (`index-sync/component`): the very `.wasm` the
 * Wasmtime host runs, transpiled by jco for JSPI, its imports bound to the Worker's KV,
 * Workers AI, Vectorize and coordinator (the `IndexCoordinator` Durable Object), and with the
 * config's `hybrid` the text index. The same
 * API and errors as the package's main entry, so a Worker switches by changing its import.
 *
 * Workers compile WebAssembly only at upload: jco's instantiation mode takes every core
 * module it emitted from `getCoreModule`, and each is imported as a module
 * (`pkg/component/modules.js`, written at build time). Nothing is instantiated at module
 * top level: `createIndexer` instantiates, inside the request.
 *
 * One instance per request: under JSPI an instance suspended in one request's binding call
 * cannot serve another (calls into an instance are serialised, and an instance shared by
 * concurrent requests hung in workerd), so every operation gets an instance of its own.
 * `createIndexer` makes the first at once, to check the config as the main entry does
 * (a `ConfigError` thrown there), and hands it to the first operation. Instantiating the
 * compiled component again costs a few milliseconds (2 ms in Node: node/load.ts).
 *
 * jco's synchronous instantiation (`--instantiation sync`, component.sh), not its async
 * one: with an async `instantiate`, `createIndexer` could not check the config before it
 * returns, and the two entries would throw at different times.
 *
 * The difference: the component's operations run every effect, marker refreshes included,
 * before they return (wit/engine.wit), so `waitUntil` is accepted but has nothing to carry
 * and the response waits for the refreshes.
 */
import { checkBindings } from "../bindings.js";
import { configJson, isHybrid } from "../config.js";
import type { Indexer, IndexerOptions, RequestBody } from "../indexer.js";
import { bodyBytes } from "../wire.js";
import { instantiate } from "../../pkg/component/engine.js";
import { coreModules } from "../../pkg/component/modules.js";
import { componentImports } from "./imports.js";
import { createEngine, type EngineResource, type Instantiate, type RequestKind, serve } from "./operations.js";

/** jco's `instantiate`, typed as JSPI makes it (its `.d.ts` says synchronous). */
const instantiateComponent = instantiate as unknown as Instantiate;

/** Each core module jco emitted, compiled at upload. */
function getCoreModule(path: string): WebAssembly.Module {
  const module = coreModules[path];
  if (module === undefined) throw new Error(`index-sync/component: no core module ${path} in the build`);
  return module;
}

/**
 * Binds the component to the bindings. Throws a `BindingError` (`.code` `missing_binding` or
 * `invalid_binding`) for an absent or wrong binding and a `ConfigError` (`invalid_config`)
 * for a config the engine refuses. Call it per request, with that request's `env`.
 */
export function createIndexer(options: IndexerOptions): Indexer {
  const config = configJson(options.config);
  const bindings = checkBindings(options, { hybrid: isHybrid(config) });
  const clock = options.clock ?? unixSeconds;
  const imports = componentImports(bindings);
  const instance = (): EngineResource => createEngine(instantiateComponent(getCoreModule, imports), config);
  let first: EngineResource | undefined = instance();
  const run = (kind: RequestKind) => async (body: RequestBody, userId: string) => {
    const engine = first ?? instance();
    first = undefined;
    return serve(engine, { kind, user: userId, body: bodyBytes(body), now: clock() });
  };
  return {
    init: run("init"),
    sync: run("sync"),
    search: run("search"),
    remove: run("remove"),
    usage: run("usage"),
    status: run("status"),
  };
}

function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
