/**
 * The scenario runner (scenario.ts) in workerd: a fresh world over workerd's own KV
 * namespace (fakes/kv.ts), AI and Vectorize fakes, and the entry under test.
 */
import { createIndexer } from "index-sync";
import { World } from "./fakes/world.js";
import { type IndexerFactory, runOn, type Scenario, type ScenarioWorld, scenarioWorld } from "./scenario.js";

export type { Scenario } from "./scenario.js";

/** Runs `scenario` in a fresh world over `namespace` (workerd's KV) through `create`
 * (default: the wasm-bindgen entry); resolves to every unmet expectation. */
export async function runScenario(
  scenario: Scenario,
  namespace: KVNamespace,
  create: IndexerFactory<ReturnType<World["bindings"]>> = createIndexer,
): Promise<string[]> {
  return (await runOn(scenario, workerdWorld(await World.fresh(namespace)), create)).failures;
}

/** The workerd world as the runner sees it. */
function workerdWorld(world: World): ScenarioWorld<ReturnType<World["bindings"]>> {
  return scenarioWorld(world, (id) => world.vectorize.has(id));
}

