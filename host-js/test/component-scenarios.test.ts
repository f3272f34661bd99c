/**
 * Every conformance scenario in tests/scenarios, run inside workerd on the engine component
 * (`index-sync/component`: jco with JSPI, one instance per request) over workerd's KV and
 * the fake AI and Vectorize: the same runner and the same checks as scenarios.test.ts runs
 * on the wasm-bindgen entry.
 */
import { env } from "cloudflare:workers";
import { createIndexer } from "index-sync/component";
import { describe, expect, it } from "vitest";
import { runScenario, type Scenario } from "./workerd.js";

const files = import.meta.glob<Scenario>("../../tests/scenarios/*.json", { eager: true, import: "default" });

describe("conformance scenarios on the component under jco", () => {
  it("finds the scenario files", () => {
    expect(Object.keys(files).length).toBeGreaterThan(0);
  });

  for (const [path, scenario] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const file = path.split("/").at(-1) ?? path;
    it(`${file}: ${scenario.name}`, async () => {
      expect(await runScenario(scenario, env, createIndexer)).toEqual([]);
    });
  }
});
