/**
 * The Node side of the benchmarks (BENCHMARKS.md): W1–W5 on the engine (the wasm-bindgen
 * module behind the package's driver, and the component under jco in Node) and on the
 * seed's algorithm, over the same in-memory fakes; W1–W4 on both engines inside workerd
 * (workerd.ts); the artefacts' sizes and the time to compile and instantiate them; host
 * calls against project size for the chart. Every host must count the same calls on every
 * workload, or the run fails. Writes `<out>/node.json`, then the report from it and the Rust
 * side's `<out>/rust.json`. Bundled by esbuild and run by host-native/benches/run.sh:
 *
 *   node bench.mjs --pkg DIR --out DIR --benchmarks FILE --svg FILE [--reps N]
 *     [--component FILE --host-js DIR [--worker DIR]]   (the component; workerd)
 *     [--only W1,W2] [--budget paid] [--engine-only]   (a partial run, for profiling: these skip the chart)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { baselineServer } from "./baseline.js";
import { Client } from "./client.js";
import { componentServer, loadComponent } from "./component-server.js";
import { type Chunk, synthetic } from "./data.js";
import { type AiUsage, World } from "./fakes.js";
import { countsKey, type MakeServer, prepareWorld } from "./harness.js";
import { writeReport } from "./report.js";
import type { ComponentSizes } from "./side-by-side.js";
import { type EnginePkg, engineServer } from "./server.js";
import { benchWorkerd, type WorkerdStart } from "./workerd.js";
import { type Budget, PAID, RAISED, workloads, type Workload } from "./workloads.js";

interface Args {
  pkg: string;
  out: string;
  benchmarks: string;
  svg: string;
  reps: number;
  only?: string[];
  budget?: string;
  engineOnly: boolean;
  /** The component (.wasm) and host-js (its transpilations in pkg/, Miniflare). */
  component?: string;
  hostJs?: string;
  /** The bundled bench Worker (worker.ts), for workerd. */
  worker?: string;
}

function parseArgs(argv: string[]): Args {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const need = (flag: string) => get(flag) ?? failWith(`missing ${flag}`);
  const only = get("--only");
  const budget = get("--budget");
  const optional = (flag: string, key: "component" | "hostJs" | "worker") => {
    const value = get(flag);
    return value === undefined ? {} : { [key]: value };
  };
  return {
    pkg: need("--pkg"),
    out: need("--out"),
    benchmarks: need("--benchmarks"),
    svg: need("--svg"),
    reps: Number(get("--reps") ?? "3"),
    ...(only === undefined ? {} : { only: only.split(",") }),
    ...(budget === undefined ? {} : { budget }),
    engineOnly: argv.includes("--engine-only"),
    ...optional("--component", "component"),
    ...optional("--host-js", "hostJs"),
    ...optional("--worker", "worker"),
  };
}

function failWith(message: string): never {
  throw new Error(message);
}

/** One measured run, as node.json keeps it. */
export interface NodeRecord {
  workload: string;
  /** The engine as the wasm-bindgen module or the component under jco, in Node or in
   * workerd; or the seed's algorithm. */
  host: Host;
  budget: string;
  calls: Record<string, number>;
  ai: AiUsage;
  invocations: number;
  leastInvocations?: { free: number; paid: number };
  chunks: number;
  engineMicros: number;
  longIds?: number;
}

export type Host = "wasm-bindgen" | "jco" | "workerd wasm-bindgen" | "workerd jco" | "baseline";

/** The workloads run inside workerd (W5 left out: it adds the most time and least news). */
const WORKERD_WORKLOADS = ["W1", "W2", "W3", "W4"];

async function loadPkg(dir: string) {
  const bytes = readFileSync(`${dir}/index_sync_js_bg.wasm`);
  const glue = readFileSync(`${dir}/index_sync_js.js`);
  let start = performance.now();
  // Node compiles from bytes (workers-types declares the constructor abstract: Workers refuse it).
  const module = new (WebAssembly.Module as unknown as new (b: Uint8Array) => WebAssembly.Module)(bytes);
  const compileMillis = performance.now() - start;
  const pkg = (await import(pathToFileURL(`${dir}/index_sync_js.js`).href)) as EnginePkg;
  start = performance.now();
  pkg.initSync({ module });
  const instantiateMillis = performance.now() - start;
  start = performance.now();
  new pkg.Indexer("{}");
  const indexerMillis = performance.now() - start;
  const figures = {
    bytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
    glueGzipBytes: gzip(glue),
    compileMillis,
    instantiateMillis,
    indexerMillis,
  };
  return { pkg, figures };
}

const gzip = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;

/** What a Worker on `index-sync/component` uploads of jco's JSPI transpilation (`dir`):
 * each core module and the JavaScript, gzipped one by one. */
function uploadSizes(dir: string): Pick<ComponentSizes, "uploadWasmGzipBytes" | "uploadGlueGzipBytes"> {
  const wasm = readdirSync(dir).filter((f) => f.endsWith(".wasm"));
  return {
    uploadWasmGzipBytes: wasm.reduce((sum, f) => sum + gzip(readFileSync(`${dir}/${f}`)), 0),
    uploadGlueGzipBytes: gzip(readFileSync(`${dir}/engine.js`)) + gzip(readFileSync(`${dir}/modules.js`)),
  };
}

async function once(workload: Workload, prepared: World, make: MakeServer, budget: Budget) {
  const world = prepared.clone();
  const client = new Client(make(world, budget.config), world);
  await workload.run(client);
  return { client, world };
}

async function measure(workload: Workload, make: MakeServer, host: Host, budgets: Budget[], reps: number) {
  const prepared = await prepareWorld(workload, make);
  const records: NodeRecord[] = [];
  for (const budget of budgets) {
    let best: NodeRecord | undefined;
    for (let r = 0; r < reps; r++) {
      const { client, world } = await once(workload, prepared, make, budget);
      const record: NodeRecord = {
        workload: workload.name,
        host,
        budget: budget.name,
        calls: Object.fromEntries(world.calls()),
        ai: { ...world.aiUsage },
        invocations: client.invocations,
        chunks: client.chunks,
        engineMicros: client.serverMs * 1000,
        ...(host === "baseline" ? { leastInvocations: { ...client.leastInvocations }, longIds: world.longIds } : {}),
      };
      if (best === undefined || record.engineMicros < best.engineMicros) best = record;
    }
    if (best) records.push(best);
  }
  return records;
}

/** Host calls against project size: init of N new chunks, phase 1 of N cached hashes. */
async function sweep(engine: MakeServer, baseline: MakeServer) {
  const sizes = [100, 300, 1_000, 3_000, 10_000];
  const all = synthetic(10_000, "sweep");
  const total = (world: World) => [...world.calls().values()].reduce((a, b) => a + b, 0);
  const points = [];
  for (const [name, make] of [
    ["engine", engine],
    ["baseline", baseline],
  ] as const) {
    const indexed = new World();
    await new Client(make(indexed, RAISED.config), indexed).index("alice", "p", all);
    for (const size of sizes) {
      const chunks = all.slice(0, size);
      const fresh = new World();
      await new Client(make(fresh, "{}"), fresh).index("alice", "p", chunks);
      const synced = indexed.clone();
      await new Client(make(synced, "{}"), synced).sync("alice", "p", chunks);
      points.push({ server: name, size, init: total(fresh), phase1: total(synced) });
    }
  }
  return points;
}

/** Fails unless every host of the engine (here and the Rust side's: native, Wasmtime)
 * counted the same calls, invocations and chunks of each workload under each budget. */
type Counted = Pick<NodeRecord, "workload" | "budget" | "calls" | "invocations" | "chunks"> & { host: string };

function checkAgreement(records: Counted[]): void {
  const engines = records.filter((r) => r.host !== "baseline");
  const wrong: string[] = [];
  for (const r of engines) {
    const first = engines.find((x) => x.workload === r.workload && x.budget === r.budget);
    if (first === undefined || first === r) continue;
    if (countsKey(first) !== countsKey(r)) wrong.push(`${r.workload} ${r.budget}: ${first.host} ${countsKey(first)}; ${r.host} ${countsKey(r)}`);
  }
  if (wrong.length > 0) throw new Error(`the hosts counted different calls:\n${wrong.join("\n")}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const { pkg, figures } = await loadPkg(args.pkg);
  console.error(`wasm-bindgen module: ${JSON.stringify(figures)}`);
  const engine: MakeServer = (world, config) => engineServer(pkg, config, world.bindings(), () => world.now);
  const baseline: MakeServer = (world) => {
    const b = world.bindings();
    return baselineServer({ INDEX_KV: b.kv, AI: b.ai, VECTORIZE: b.vectorize });
  };
  const engines: [Host, MakeServer][] = [["wasm-bindgen", engine]];
  let component: ComponentSizes | undefined;
  if (args.component !== undefined && args.hostJs !== undefined) {
    const loaded = loadComponent(`${args.hostJs}/pkg/component-node`, args.component);
    component = { ...loaded.figures, ...uploadSizes(`${args.hostJs}/pkg/component`) };
    console.error(`component under jco: ${JSON.stringify(component)}`);
    engines.push(["jco", (world, config) => componentServer(loaded.component, config, world.syncBindings(), () => world.now)]);
  }
  const w4Path = `${args.out}/w4.json`;
  let trees: { a: Chunk[]; b: Chunk[] } | undefined;
  if (existsSync(w4Path)) {
    const w4 = JSON.parse(readFileSync(w4Path, "utf8")) as { a: { chunks: Chunk[] }; b: { chunks: Chunk[] } };
    trees = { a: w4.a.chunks, b: w4.b.chunks };
  }
  const records: NodeRecord[] = [];
  const log = (r: NodeRecord) => {
    const perChunk = r.engineMicros / Math.max(1, r.chunks);
    console.error(`  ${r.host.padEnd(20)} ${r.budget.padEnd(24)} ${String(r.invocations).padStart(4)} inv ${JSON.stringify(r.calls)} ${perChunk.toFixed(2)} µs/chunk`);
  };
  for (const workload of workloads(trees)) {
    if (args.only && !args.only.includes(workload.name)) continue;
    console.error(`${workload.name}`);
    const budgets = workload.budgets.filter((b) => args.budget === undefined || b.name.startsWith(args.budget));
    const found: NodeRecord[] = [];
    for (const [host, make] of engines) found.push(...(await measure(workload, make, host, budgets, args.reps)));
    if (!args.engineOnly) found.push(...(await measure(workload, baseline, "baseline", [{ name: "none", config: "{}" }], args.reps)));
    found.forEach(log);
    records.push(...found);
  }
  let workerd: WorkerdStart | undefined;
  const names = workloads(trees)
    .map((w) => w.name)
    .filter((w) => WORKERD_WORKLOADS.includes(w) && (args.only === undefined || args.only.includes(w)));
  if (args.worker !== undefined && args.hostJs !== undefined && component !== undefined && names.length > 0 && !args.budget?.startsWith("free")) {
    console.error(`workerd (Miniflare): ${names.join(", ")}`);
    const worker = { hostJs: args.hostJs, workerDir: args.worker, names, reps: args.reps, log: (line: string) => console.error(line) };
    const found = await benchWorkerd(trees === undefined ? worker : { ...worker, trees });
    workerd = found.start;
    console.error(`  instantiate in workerd: ${JSON.stringify(workerd)}`);
    for (const run of found.runs) {
      const { workload, host, calls, ai, invocations, chunks, engineMicros } = run;
      records.push({ workload, host: `workerd ${host}`, budget: PAID.name, calls, ai, invocations, chunks, engineMicros });
    }
  }
  const rustPath = `${args.out}/rust.json`;
  const rust = existsSync(rustPath) ? (JSON.parse(readFileSync(rustPath, "utf8")) as { records?: Counted[] }) : undefined;
  checkAgreement([...records, ...(rust?.records ?? [])]);
  const points = args.only || args.budget || args.engineOnly ? [] : await sweep(engine, baseline);
  const node = { module: figures, component, workerd, records, sweep: points, reps: args.reps };
  writeFileSync(`${args.out}/node.json`, JSON.stringify(node, null, 2));
  writeReport(node, rust, args.benchmarks, args.svg);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
