/**
 * The scenario runner (scenario.ts) in workerd: a fresh world over workerd's own KV
 * namespace (fakes/kv.ts) and the package's `IndexCoordinator` Durable Object, AI,
 * Vectorize and text-index fakes, and the entry under test. The requests of a
 * `concurrently` step get the same entry's `createIndexer`, over their held bindings.
 */
import { createIndexer } from "index-sync";
import { World, type WorldEnv } from "./fakes/world.js";
import { type IndexerFactory, runOn, type Scenario, type ScenarioWorld, scenarioWorld } from "./scenario.js";

export type { Scenario } from "./scenario.js";

type WorkerdBindings = ReturnType<World["bindings"]>;

/** Runs `scenario` in a fresh world over the test Worker's `env` through `create`
 * (default: the wasm-bindgen entry); resolves to every unmet expectation. */
export async function runScenario(scenario: Scenario, env: WorldEnv, create: IndexerFactory<WorkerdBindings> = createIndexer): Promise<string[]> {
  const world = workerdWorld(await World.fresh(env));
  return (await runOn(scenario, world, { create, overlapping: create })).failures;
}

/** The workerd world as the runner sees it. */
function workerdWorld(world: World): ScenarioWorld<WorkerdBindings> {
  return scenarioWorld(
    world,
    (id) => world.vectorize.has(id),
    (id) => world.textIndex.has(id),
  );
}
