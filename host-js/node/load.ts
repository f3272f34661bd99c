/**
 * Loading the transpiled component in Node, and what it costs: the figures the benchmark
 * sets beside the wasm-bindgen module's (bench/main.ts `loadPkg`): bytes and gzipped bytes
 * of the component and of jco's JavaScript, and the milliseconds to compile its core
 * modules and instantiate it, to instantiate it again, and to create the engine.
 */
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { MemoryWorld } from "../test/fakes/memory.js";
import { type CoreModules, NodeComponent } from "./component.js";

/** What loading cost. */
export interface ComponentFigures {
  /** The component, as the Wasmtime host runs it. */
  bytes: number;
  gzipBytes: number;
  /** jco's JavaScript (`engine.js`), which a bundle carries beside the core modules. */
  glueBytes: number;
  glueGzipBytes: number;
  /** The first instantiation, which compiles every core module jco emitted. */
  firstInstantiateMillis: number;
  /** The best of the next `INSTANTIATIONS - 1`, with the modules compiled. */
  instantiateMillis: number;
  /** `Indexer.create("{}")` on an instance. */
  indexerMillis: number;
}

const INSTANTIATIONS = 20;

/** Each core module of jco's output in `dir`, read and compiled once (Node may compile
 * from bytes; Workers may not). */
export function coreModulesIn(dir: string): CoreModules {
  const compiled = new Map<string, WebAssembly.Module>();
  const Module = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
  return (path) => {
    let module = compiled.get(path);
    if (module === undefined) {
      module = new Module(readFileSync(`${dir}/${path}`));
      compiled.set(path, module);
    }
    return module;
  };
}

/** Every core module of jco's output in `dir`, compiled, by file name: what a thread of
 * its own needs to instantiate the component (threaded.ts), compiled once for all. */
export function compiledCoreModules(dir: string): Record<string, WebAssembly.Module> {
  const Module = WebAssembly.Module as unknown as new (bytes: Uint8Array) => WebAssembly.Module;
  const modules: Record<string, WebAssembly.Module> = {};
  for (const file of readdirSync(dir).filter((name) => name.endsWith(".wasm"))) {
    modules[file] = new Module(readFileSync(`${dir}/${file}`));
  }
  return modules;
}

/** The component from jco's synchronous output in `modulesDir`, and what loading it cost.
 * `componentPath`: the component itself, for its size. */
export function loadComponent(modulesDir: string, componentPath: string): { component: NodeComponent; figures: ComponentFigures } {
  const bytes = readFileSync(componentPath);
  const glue = readFileSync(`${modulesDir}/engine.js`);
  const component = new NodeComponent(coreModulesIn(modulesDir));
  const bindings = new MemoryWorld().bindings();
  const times: number[] = [];
  for (let i = 0; i < INSTANTIATIONS; i++) {
    const start = performance.now();
    component.instance(bindings);
    times.push(performance.now() - start);
  }
  const instance = component.instance(bindings);
  const start = performance.now();
  instance.operations.Indexer.create("{}");
  const indexerMillis = performance.now() - start;
  const figures: ComponentFigures = {
    bytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
    glueBytes: glue.length,
    glueGzipBytes: gzipSync(glue, { level: 9 }).length,
    firstInstantiateMillis: times[0] ?? NaN,
    instantiateMillis: Math.min(...times.slice(1)),
    indexerMillis,
  };
  return { component, figures };
}
