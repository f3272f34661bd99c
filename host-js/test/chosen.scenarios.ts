/**
 * Chosen scenario files, run inside workerd on both entries of the package (the
 * wasm-bindgen module and the component under jco with JSPI) with the checks of
 * scenarios.test.ts. `host-js/workerd.sh FILE...` copies the files to
 * target/chosen-scenarios (workerd has no file system: they are bundled) and runs this file
 * alone (vitest.chosen.config.ts); the main suite runs every file of tests/scenarios.
 */
import { env } from "cloudflare:workers";
import { createIndexer as moduleIndexer } from "index-sync";
import { createIndexer as componentIndexer } from "index-sync/component";
import { describe, expect, it } from "vitest";
import { runScenario, type Scenario } from "./workerd.js";

const files = import.meta.glob<Scenario>("../../target/chosen-scenarios/*.json", { eager: true, import: "default" });

it("was given scenario files", () => {
  expect(Object.keys(files).length).toBeGreaterThan(0);
});

for (const [label, create] of [
  ["wasm-bindgen module", moduleIndexer],
  ["component under jco", componentIndexer],
] as const) {
  describe(label, () => {
    for (const [path, scenario] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
      it(`${path.split("/").at(-1) ?? path}: ${scenario.name}`, async () => {
        expect(await runScenario(scenario, env, create)).toEqual([]);
      });
    }
  });
}
