/**
 * The scenario runner itself: a scenario that holds passes, and each kind of unmet
 * expectation is reported, so a green conformance run means the checks ran.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { runScenario, type Scenario } from "./workerd.js";

const USER = "alice@example.com";
const CHUNK = { hash: "h1", code: "export function parseConfig(text) {}", filePath: "src/a.ts" };

function scenario(expect: Record<string, unknown>, final: Scenario["final"] = {}): Scenario {
  return {
    name: "runner-self-check",
    steps: [
      { request: "init", user: USER, body: { projectId: "p", chunks: [CHUNK] } },
      { request: "search", user: USER, body: { projectId: "p", query: "parse config" }, expect },
    ],
    final,
  } as Scenario;
}

const HOLDS = { status: 200, body: { results: [{ filePath: "src/a.ts" }] }, calls: { "ai.run": 1, "vectorize.query": 1 }, filePaths: ["src/a.ts"] };

describe("the scenario runner", () => {
  it("passes a scenario that holds", async () => {
    expect(await runScenario(scenario(HOLDS, { vectors: { lacks: ["nope"] } }), env.INDEX_KV)).toEqual([]);
  });

  it("reports each unmet expectation", async () => {
    const failures = await runScenario(
      scenario(
        { status: 201, body: { results: [] }, calls: { "ai.run": 2 }, filePaths: ["lib/b.ts"] },
        { kv: { has: ["missing-key"] } },
      ),
      env.INDEX_KV,
    );
    expect(failures).toEqual([
      expect.stringMatching(/status 200 .* expected 201/),
      expect.stringMatching(/body\.results: .* expected 0 items/),
      expect.stringMatching(/1 ai\.run calls, expected 2/),
      expect.stringMatching(/file paths \["src\/a\.ts"\], expected \["lib\/b\.ts"\]/),
      "final: kv lacks missing-key",
    ]);
  });

  it("answers every request with 500 invalid_config when the engine refuses the config", async () => {
    const refused = { ...scenario({ status: 500, body: { error: { code: "invalid_config" } }, calls: { "kv.get": 0 } }), config: { markerTtlSeconds: 1 } };
    expect(await runScenario(refused, env.INDEX_KV)).toEqual([]);
  });
});
