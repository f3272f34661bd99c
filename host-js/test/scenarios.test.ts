/**
 * Every conformance scenario in tests/scenarios, run inside workerd on the wasm-bindgen
 * engine through the TypeScript driver, with workerd's KV and the fake AI and Vectorize.
 * The files are bundled at build time (workerd has no file system).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runScenario, type Scenario } from "./workerd.js";

const files = import.meta.glob<Scenario>("../../tests/scenarios/*.json", { eager: true, import: "default" });

describe("conformance scenarios", () => {
  it("finds the scenario files", () => {
    expect(Object.keys(files).length).toBeGreaterThan(0);
  });

  for (const [path, scenario] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    const file = path.split("/").at(-1) ?? path;
    it(`${file}: ${scenario.name}`, async () => {
      expect(await runScenario(scenario, env)).toEqual([]);
    });
  }
});
