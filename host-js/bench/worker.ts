/**
 * The benchmark's Worker (bundled by host-native/benches/run.sh, run in workerd by
 * workerd.ts through Miniflare): the workloads on the bench's in-memory fakes, inside the
 * Worker, on two hosts of the engine:
 *
 * - `wasm-bindgen`: the wasm-bindgen module (the very build the Node side measures,
 *   `index-sync-bench-pkg` aliased to it) behind the package's driver, as main.ts runs it;
 * - `jco`: the component under jco with JSPI, through the package's `index-sync/component`
 *   entry (one instance per request after the first, as that entry makes them).
 *
 * Every request is one step of harness.ts, so that Node can time each from outside:
 *
 *   POST /setup (body: W4's trees or null)   POST /prepare?host=H&workload=W
 *   POST /ready?host=H&workload=W&mode=M     POST /run -> the run's counts (JSON)
 *   POST /noop                               POST /instantiate?host=H -> {first}
 *
 * `/instantiate`: the module instantiated (on the isolate's first call only: wasm-bindgen
 * keeps one instance) and `new Indexer("{}")`; or `createIndexer` of the component entry
 * (an instance of the component and its engine).
 */
import { Indexer, initSync } from "index-sync-bench-pkg/index_sync_js.js";
import wasmModule from "index-sync-bench-pkg/index_sync_js_bg.wasm";
// The entry's `createIndexer` alone: its index also exports the Durable Object class, whose
// module imports "cloudflare:workers", which this bundle need not resolve.
import { createIndexer } from "../ts/component/indexer.js";
import type { Chunk } from "./data.js";
import { World } from "./fakes.js";
import { Harness, type MakeServer, MODES, type Mode } from "./harness.js";
import { engineServer, indexerServer } from "./server.js";
import { workloads } from "./workloads.js";

let instantiated = false;
function instantiateModule(): boolean {
  const first = !instantiated;
  if (first) initSync({ module: wasmModule });
  instantiated = true;
  return first;
}

const HOSTS: Record<string, MakeServer> = {
  "wasm-bindgen": (world, config) => {
    instantiateModule();
    return engineServer({ initSync, Indexer }, config, world.bindings(), () => world.now);
  },
  jco: (world, config) => indexerServer(createIndexer({ ...world.bindings(), config, clock: () => world.now })),
};

let harness: Harness | undefined;
const idle = new World().bindings();

async function serve(request: Request): Promise<unknown> {
  const url = new URL(request.url);
  const param = (name: string): string => {
    const value = url.searchParams.get(name);
    if (value === null) throw new Error(`${url.pathname} needs ?${name}=`);
    return value;
  };
  const bench = (): Harness => harness ?? fail("/setup first");
  switch (url.pathname) {
    case "/setup": {
      const trees = (await request.json()) as { a: Chunk[]; b: Chunk[] } | null;
      harness = new Harness(HOSTS, workloads(trees ?? undefined));
      return {};
    }
    case "/prepare":
      await bench().prepare(param("host"), param("workload"));
      return {};
    case "/ready": {
      const mode = param("mode") as Mode;
      if (!MODES.includes(mode)) throw new Error(`no mode ${mode}`);
      bench().ready(param("host"), param("workload"), mode);
      return {};
    }
    case "/run":
      return bench().run();
    case "/noop":
      return {};
    case "/instantiate": {
      const host = param("host");
      if (host === "wasm-bindgen") {
        const first = instantiateModule();
        new Indexer("{}").free();
        return { first };
      }
      if (host === "jco") {
        createIndexer({ ...idle, config: "{}" });
        return { first: false };
      }
      throw new Error(`no host ${host}`);
    }
    default:
      throw new Error(`no route ${url.pathname}`);
  }
}

function fail(message: string): never {
  throw new Error(message);
}

export default {
  async fetch(request: Request): Promise<Response> {
    try {
      return Response.json(await serve(request));
    } catch (error) {
      const message = error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
      return new Response(message, { status: 500 });
    }
  },
} satisfies ExportedHandler;
