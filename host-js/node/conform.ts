/**
 * The conformance scenarios on the engine component under jco in Node:
 *
 *   node conform.mjs --modules DIR FILE... [--compare RECORDS]
 *
 * DIR: jco's synchronous transpilation (pkg/component-node). Each scenario file runs in a
 * fresh memory world (test/fakes/memory.ts) through the runner every JS host shares
 * (test/scenario.ts): requests one after another on one instance in this thread, and the
 * requests of a `concurrently` step each on a thread of its own (threaded.ts, whose thread
 * is the bundle request-thread.mjs beside this one); with `--compare`, each request step must also equal the engine's
 * record of it (`index-sync conform --engine --records RECORDS`): response and call counts,
 * as host-native/tests/modes.rs holds the component in Wasmtime to, and the world must end
 * with the vectors and text-index entries the records say, when they carry them. Prints `PASS name` or
 * `FAIL name` and its failures per file, then `N passed, N failed`; exits 1 on a failure.
 * `host-js/component.sh conform FILE...` builds and runs it.
 */
import { readFileSync } from "node:fs";
import { MemoryWorld, type MemoryBindings } from "../test/fakes/memory.js";
import { COUNTED_NAMES } from "index-sync/testing";
import { disagreements, parseRecords, type RecordsFile, worldDisagreements } from "../test/records.js";
import { runOn, type Scenario, type ScenarioWorld, scenarioWorld } from "../test/scenario.js";
import { NodeComponent } from "./component.js";
import { compiledCoreModules } from "./load.js";
import { ThreadedComponent } from "./threaded.js";

interface Args {
  modules: string;
  files: string[];
  compare?: string;
}

function parseArgs(argv: string[]): Args {
  const files: string[] = [];
  let modules: string | undefined;
  let compare: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--modules") modules = argv[++i];
    else if (arg === "--compare") compare = argv[++i];
    else files.push(arg);
  }
  if (modules === undefined) throw new Error("--modules DIR (jco's output) is required");
  if (files.length === 0) throw new Error("no scenario file given");
  return compare === undefined ? { modules, files } : { modules, files, compare };
}

/** The memory world as the runner sees it. */
function memoryWorld(world: MemoryWorld): ScenarioWorld<MemoryBindings> {
  return scenarioWorld(
    world,
    (id) => world.index.has(id),
    (id) => world.words.has(id),
  );
}

const fileName = (path: string): string => path.split("/").at(-1) ?? path;

/** The component in this thread, and one thread per overlapping request. */
interface Hosts {
  component: NodeComponent;
  threaded: ThreadedComponent;
}

/** Runs one file; resolves to its name and every failure. */
async function runFile(path: string, { component, threaded }: Hosts, records?: RecordsFile): Promise<{ name: string; failures: string[] }> {
  let scenario: Scenario;
  try {
    scenario = JSON.parse(readFileSync(path, "utf8")) as Scenario;
  } catch (error) {
    return { name: path, failures: [String(error)] };
  }
  const name = typeof scenario.name === "string" ? scenario.name : path;
  try {
    const world = new MemoryWorld();
    const run = await runOn(scenario, memoryWorld(world), {
      create: (options) => component.createIndexer(options),
      overlapping: (options) => threaded.createIndexer(options),
    });
    const failures = [...run.failures];
    if (records !== undefined) {
      const engine = records.scenarios[fileName(path)];
      if (engine === undefined) failures.push(`no engine record of ${fileName(path)} in the records file`);
      else {
        const ended = { vectors: world.index.ids(), textIndex: world.words.ids() };
        const differences = [...disagreements(engine.steps, run.records, new Set(COUNTED_NAMES)), ...worldDisagreements(engine, ended)];
        failures.push(...differences.map((d) => `engine vs jco in Node: ${d}`));
      }
    }
    return { name, failures };
  } catch (error) {
    return { name, failures: [`the host failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`] };
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const modules = compiledCoreModules(args.modules);
  const component = new NodeComponent((path) => {
    const module = modules[path];
    if (module === undefined) throw new Error(`no core module ${path} in ${args.modules}`);
    return module;
  });
  const threaded = new ThreadedComponent(new URL("./request-thread.mjs", import.meta.url), modules, component);
  const records = args.compare === undefined ? undefined : parseRecords(readFileSync(args.compare, "utf8"));
  let passed = 0;
  let failed = 0;
  for (const path of args.files) {
    const { name, failures } = await runFile(path, { component, threaded }, records);
    console.log(`${failures.length === 0 ? "PASS" : "FAIL"} ${name}${failures.map((f) => `\n    ${f}`).join("")}`);
    if (failures.length === 0) passed++;
    else failed++;
  }
  console.log(`${passed} passed, ${failed} failed`);
  if (failed > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  console.log("0 passed, 1 failed");
  process.exitCode = 1;
});
