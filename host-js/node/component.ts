/**
 * The engine component under jco in Node: the `.wasm` the Wasmtime host runs, transpiled in
 * jco's synchronous mode (pkg/component-node), its imports bound to bindings that answer at
 * once (the memory fakes of test/fakes/memory.ts). Behind the package's `Indexer` API, so
 * the scenario runner drives it as it drives the Worker entries; and, for the benchmark, as
 * a `Server` (bench/component-server.ts).
 *
 * Synchronous mode, not JSPI: Node 22's V8 lacks `WebAssembly.Suspending`, and a
 * synchronous host needs no suspension. One instance serves every request of an indexer:
 * calls cannot interleave when nothing awaits, and a trap (a guest bug) spends the instance,
 * so the next request gets a fresh one. Requests that overlap (a scenario's `concurrently`)
 * each run on a thread of their own instead (threaded.ts).
 */
import { instantiate } from "../pkg/component-node/engine.js";
import { checkBindings } from "../dist/bindings.js";
import { type IndexerConfig, configJson, isHybrid } from "../dist/config.js";
import type { Indexer, RequestBody } from "../dist/indexer.js";
import { bodyBytes } from "../dist/wire.js";
import { type Capabilities, componentImports, type ImportObject, isPromiseLike } from "../dist/component/imports.js";
import { type ComponentRoot, createEngine, type EngineResource, type Instantiate, type RequestKind, serve } from "../dist/component/operations.js";

const instantiateComponent = instantiate as unknown as Instantiate;

/** What `createNodeIndexer` takes: `createIndexer`'s options, with bindings that answer at
 * once. */
export interface NodeIndexerOptions extends Capabilities {
  config?: IndexerConfig | string;
  /** The time in Unix seconds; default the machine's clock. */
  clock?: () => number;
}

/** The compiled core modules of the transpiled component, by the name jco asks for. */
export type CoreModules = (path: string) => WebAssembly.Module;

/** The component in this process. */
export class NodeComponent {
  constructor(private readonly coreModules: CoreModules) {}

  /** A fresh instance over `bindings`, with the engine for `config`; throws `ConfigError`
   * for a config the engine refuses. */
  engine(bindings: Capabilities, config: string): EngineResource {
    return createEngine(this.instance(bindings), config);
  }

  /** A fresh instance over `bindings`. */
  instance(bindings: Capabilities): ComponentRoot {
    return instantiateComponent(this.coreModules, answeringAtOnce(componentImports(bindings)));
  }

  /** The package's `Indexer` over this component: the same `BindingError` and `ConfigError`
   * at creation, the same responses. */
  createIndexer(options: NodeIndexerOptions): Indexer {
    const config = configJson(options.config);
    checkBindings(options, { hybrid: isHybrid(config) });
    const { kv, ai, vectorize, coordinator, textIndex } = options;
    const bindings: Capabilities = textIndex === undefined ? { kv, ai, vectorize, coordinator } : { kv, ai, vectorize, coordinator, textIndex };
    const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
    let engine: EngineResource | undefined = this.engine(bindings, config);
    const run = (kind: RequestKind) => async (body: RequestBody, userId: string) => {
      engine ??= this.engine(bindings, config);
      const request = { kind, user: userId, body: bodyBytes(body), now: clock() };
      return serve(engine, request, () => (engine = undefined));
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
}

/** Imports that refuse, as a failed call, a binding that answered with a promise: jco's
 * synchronous mode cannot wait for one. */
function answeringAtOnce(imports: ImportObject): ImportObject {
  const checked: ImportObject = {};
  for (const [name, functions] of Object.entries(imports)) {
    const wrapped: Record<string, unknown> = {};
    for (const [fn, value] of Object.entries(functions)) {
      wrapped[fn] =
        typeof value !== "function"
          ? value
          : (...args: unknown[]) => {
              const answer: unknown = (value as (...a: unknown[]) => unknown)(...args);
              if (isPromiseLike(answer)) {
                throw { code: "error", message: `${name}#${fn} answered with a promise; this host needs an answer at once` };
              }
              return answer;
            };
    }
    checked[name] = wrapped;
  }
  return checked;
}
